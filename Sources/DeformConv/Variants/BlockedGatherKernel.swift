/// `blockedGather`: the design OpenVINO, ONNX Runtime and DCNv4 converge on, channels-last.
///
/// Per call, the workers first transpose the input to NHWC and pack the weights (panels of the
/// micro-kernel's width, 16 or 32 output channels); both are layout conversions inside the call,
/// reported as shared workspace.
/// Weights given once to ``prepare(weight:)`` are packed there instead, and calls with
/// `preparedWeights` skip the packing (and the few-pixel path, whose reason was the packing).
/// Then each of the executor's workers takes an equal share of the output pixels
/// (``PixelShare``), in blocks. Per block: build the ``SamplingPlan`` once per (offset group,
/// tap, pixel) – mask folded in, off-image corners with weight 0 – then gather through it: each
/// corner contributes a vector of consecutive channels (so the plan is reused by all C_in/OG
/// channels of its offset group at vector width; a zero-weight corner reads zeros, never a pixel),
/// into a column block with one row of (kh·kw)·C_in values per pixel; finally multiply by the
/// packed weights with the ``MicroKernel`` of `options.microKernel` (e.g. 8 pixels × 32 output
/// channels) and store into NCHW (or NHWC).
/// The block is sized so that plan and columns take about half of `cacheBytes`; each worker owns
/// its plan and columns, and blocks write disjoint output pixels.
final class BlockedGatherKernel: ForwardKernel, @unchecked Sendable {
    private let executor: any ParallelExecutor
    private let microKernel: MicroKernelTile
    /// Pixels per block: a multiple of the micro-kernel's rows.
    private let blockPixels: Int
    /// Floats of one pixel's column row: (kh·kw)·C_in, group g at g·(C_in/G)·kh·kw.
    private let rowLength: Int
    private let plans: [SamplingPlan]
    private let columns: [UnsafeMutablePointer<Float>]
    /// Per worker: the block's pixels × (C_out/G padded to 32) accumulator tile of one group.
    private let accumulators: [UnsafeMutablePointer<Float>]
    /// Per offset group, its channels in runs that stay inside one convolution group (one run
    /// unless groups split the offset group): where each run goes in a column row.
    private let runs: [[GatherRun]]
    /// C_in zeros: what a corner of weight 0 reads (``CornerQuad``).
    private let zeros: UnsafeMutablePointer<Float>
    /// The input transposed to NHWC (NCHW layout only).
    private let nhwc: UnsafeMutablePointer<Float>
    private let layout: TensorLayout
    private let packed: UnsafeMutablePointer<Float>
    /// The weights packed by ``prepare(weight:)``, kept apart from the per-call packing buffer.
    private var preparedPanels: UnsafeMutablePointer<Float>?
    /// Few output pixels (N·H_out·W_out < `KernelOptions.fewPixels`): packing the weights every
    /// call would cost more than the convolution gains from it, so the column block is
    /// transposed instead and multiplied by the weights as given (``BlockedGEMM``), in either layout.
    private let weightsAsGiven: Bool
    /// Per worker, when `weightsAsGiven`: one group's columns transposed, a row of pixels per k.
    private let transposed: [UnsafeMutablePointer<Float>]
    private let transposedStride: Int
    /// Plan entries built per worker, one cache line apart.
    private let builtCounts: WorkerCounts
    private(set) var planEntriesBuilt: Int?
    private let callWorkspaceBytes: Int, callSharedWorkspaceBytes: Int
    /// The per-call buffers, and the prepared weights once there are some.
    var workspaceBytes: Int { callWorkspaceBytes + preparedBytes }
    var sharedWorkspaceBytes: Int { callSharedWorkspaceBytes + preparedBytes }
    private var preparedBytes: Int {
        preparedPanels == nil ? 0 : ChannelsLast.packedWeightCount(geometry) * MemoryLayout<Float>.size
    }
    private let geometry: DeformConvGeometry

    init(geometry: DeformConvGeometry, options: KernelOptions, layout: TensorLayout = .nchw) {
        executor = options.executor
        microKernel = options.microKernel
        self.layout = layout
        let rowLength = geometry.inChannels * geometry.taps
        let bytesPerPixel = rowLength * MemoryLayout<Float>.size + SamplingPlan.bytes(geometry: geometry, capacity: 1)
        let workers = executor.workerCount
        // Enough units for every worker even at batch 1: split an image's pixels over the
        // workers when the batch alone does not give each one an image.
        let splitsPerImage = (workers + geometry.batch - 1) / geometry.batch
        // Every block streams all the packed weights through the cache once; when they are
        // larger than the cache, fewer, larger blocks (columns spilling to the next level) win.
        let weightBytes = ChannelsLast.packedWeightCount(geometry) * MemoryLayout<Float>.size
        let budget = weightBytes > options.cacheBytes ? 4 * options.cacheBytes : options.cacheBytes / 2
        let blockPixels = options.blockPixels(
            bytesPerPixel: bytesPerPixel, multiple: options.microKernel.rows,
            outPixels: (geometry.outPixels + splitsPerImage - 1) / splitsPerImage, budget: budget)
        self.blockPixels = blockPixels
        self.rowLength = rowLength
        let planCapacity = (blockPixels + 31) / 32 * 32
        plans = (0..<workers).map { _ in SamplingPlan(geometry: geometry, capacity: planCapacity) }
        columns = (0..<workers).map { _ in alignedFloats(rowLength * blockPixels) }
        // (Channels-last output rows come from the packed product only.)
        weightsAsGiven = geometry.batch * geometry.outPixels < options.fewPixels
        transposedStride = (blockPixels + 31) / 32 * 32
        let transposedFloats = weightsAsGiven ? geometry.reductionLength * transposedStride : 0
        transposed = (0..<workers).map { _ in alignedFloats(transposedFloats) }
        // The accumulator tile of the packed product (prepared weights use it whatever the size);
        // with the weights as given, one group's product (C_out/G rows of pixels, whole column
        // panels) before it is copied (NCHW) or transposed (NHWC) into the output.
        let tileFloats = max(
            blockPixels * ChannelsLast.paddedGroupOut(geometry),
            weightsAsGiven ? geometry.groupOutChannels * transposedStride : 0)
        accumulators = (0..<workers).map { _ in alignedFloats(tileFloats) }
        let inputCount = layout == .nchw ? geometry.batch * geometry.inChannels * geometry.height * geometry.width : 0
        nhwc = alignedFloats(inputCount)
        zeros = alignedFloats(geometry.inChannels)
        runs = GatherRun.runs(geometry)
        let packedCount = weightsAsGiven ? 0 : ChannelsLast.packedWeightCount(geometry)
        packed = alignedFloats(packedCount)
        builtCounts = WorkerCounts(workers: workers)
        self.geometry = geometry
        callSharedWorkspaceBytes = (inputCount + packedCount) * MemoryLayout<Float>.size
        callWorkspaceBytes =
            callSharedWorkspaceBytes + workers
            * (SamplingPlan.bytes(geometry: geometry, capacity: planCapacity)
                + (rowLength * blockPixels + tileFloats + transposedFloats) * MemoryLayout<Float>.size)
    }

    deinit {
        plans.forEach { $0.deallocate() }
        columns.forEach { $0.deallocate() }
        accumulators.forEach { $0.deallocate() }
        transposed.forEach { $0.deallocate() }
        nhwc.deallocate()
        zeros.deallocate()
        packed.deallocate()
        preparedPanels?.deallocate()
        builtCounts.deallocate()
    }

    func prepare(weight: Tensor) {
        if preparedPanels == nil { preparedPanels = alignedFloats(ChannelsLast.packedWeightCount(geometry)) }
        let workers = executor.workerCount
        executor.run { [self] worker in
            ChannelsLast.pack(
                geometry, weight: weight.data,
                blocks: ChannelsLast.packBlocks(geometry, worker: worker, workers: workers),
                width: microKernel.columns, into: preparedPanels!)
        }
    }

    func forward(_ p: ConvolutionCall) { forward(p, preparedWeights: false) }

    func forward(_ p: ConvolutionCall, preparedWeights: Bool) {
        let workers = executor.workerCount
        let inputRows = p.geometry.batch * p.height
        let givenWeights = weightsAsGiven && !preparedWeights
        executor.run { worker in
            if layout == .nchw {
                ChannelsLast.transpose(
                    p, rows: inputRows * worker / workers..<inputRows * (worker + 1) / workers, into: nhwc)
            }
            if !givenWeights && !preparedWeights {
                ChannelsLast.pack(
                    p.geometry, weight: p.weight,
                    blocks: ChannelsLast.packBlocks(p.geometry, worker: worker, workers: workers),
                    width: microKernel.columns, into: packed)
            }
        }
        executor.run { worker in
            let panels = preparedWeights ? preparedPanels! : packed
            var built = 0
            let share = PixelShare(
                worker: worker, workers: workers, images: p.geometry.batch, outPixels: p.outPixels,
                blockPixels: blockPixels)
            share.forEachBlock { n, first, pixels in
                built += plans[worker].build(p, n: n, first: first, count: pixels)
                gather(p, n: n, pixels: pixels, plan: plans[worker], into: columns[worker])
                if givenWeights {
                    multiplyGivenWeights(
                        p, n: n, first: first, pixels: pixels, columns: columns[worker],
                        transposed: transposed[worker], tile: accumulators[worker])
                } else {
                    switch microKernel {
                    case .tile8x32:
                        multiply(
                            MicroKernel8x32.self, p, n: n, first: first, pixels: pixels, columns: columns[worker],
                            panels: panels, tile: accumulators[worker])
                    case .tile6x16:
                        multiply(
                            MicroKernel6x16.self, p, n: n, first: first, pixels: pixels, columns: columns[worker],
                            panels: panels, tile: accumulators[worker])
                    }
                }
            }
            builtCounts.set(worker, built)
        }
        planEntriesBuilt = builtCounts.total
    }

    /// Column row of pixel q: entry g·(C_in/G)·kh·kw + t·(C_in/G) + cl = the sample of channel
    /// c = g·(C_in/G) + cl at tap t, through the plan of c's offset group.
    private func gather(
        _ p: ConvolutionCall, n: Int, pixels: Int, plan: SamplingPlan,
        into columns: UnsafeMutablePointer<Float>
    ) {
        let channels = p.inChannels
        let image = (layout == .nchw ? UnsafePointer(nhwc) : p.input) + n * p.planeSize * channels
        for og in 0..<p.offsetGroups {
            for run in runs[og] {
                Self.gather(
                    run, from: image + og &* p.offsetGroupChannels, step: channels, zeros: zeros, plan: plan,
                    firstRow: og &* p.taps, taps: p.taps, pixels: pixels, into: columns, rowLength: rowLength,
                    tapStep: p.groupIn)
            }
        }
    }

    /// One run's samples of every tap and pixel, pixel by pixel, all taps of a pixel together: a
    /// pixel's column row is written in one sequential stretch, and consecutive pixels' taps
    /// sample overlapping neighbourhoods. Apart from the call's other loops (not inlined) so that
    /// its pointers and counters stay in registers. (An offset group that groups split into
    /// several runs reads its plan entries once per run.)
    @inline(never)
    private static func gather(
        _ run: GatherRun, from base: UnsafePointer<Float>, step: Int, zeros: UnsafePointer<Float>,
        plan: SamplingPlan, firstRow: Int, taps: Int, pixels: Int, into columns: UnsafeMutablePointer<Float>,
        rowLength: Int, tapStep: Int
    ) {
        let stride = plan.entryStride, rowBytes = 8 &* stride
        for q in 0..<pixels {
            var entry = plan.entry(row: firstRow, q: q)
            var out = columns + (q &* rowLength &+ run.destination)
            for _ in 0..<taps {
                CornerQuad(entry: entry, stride: stride, base: base, step: step, zeros: zeros)
                    .blend(from: run.start, count: run.count, into: out)
                entry += rowBytes
                out += tapStep
            }
        }
    }

    /// Output channels × pixels of the block = bias + packed weights · columns, group by group:
    /// `PackedPanelGEMM` into `tile`, then `tile` stored transposed into the NCHW output (or as
    /// rows into NHWC), bias added.
    private func multiply<Kernel: MicroKernel>(
        _: Kernel.Type, _ p: ConvolutionCall, n: Int, first: Int, pixels: Int,
        columns: UnsafeMutablePointer<Float>, panels: UnsafePointer<Float>,
        tile: UnsafeMutablePointer<Float>
    ) {
        let depth = p.groupIn * p.taps
        let ldb = ChannelsLast.paddedGroupOut(p.geometry)
        for group in 0..<p.geometry.groups {
            PackedPanelGEMM.multiply(
                Kernel.self, pixels: pixels, depth: depth, width: ldb,
                a: columns + group * depth, lda: rowLength,
                panels: ChannelsLast.panel(p.geometry, panels, group: group, firstColumn: 0), tile: tile)
            if layout == .nchw {
                let firstOut = group &* p.groupOut
                Self.storeTransposed(
                    tile, stride: ldb, pixels: pixels, channels: p.groupOut, bias: p.bias.map { $0 + firstOut },
                    into: p.outputPlane(n: n, co: firstOut) + first, planeStride: p.outPixels)
            } else {
                // NHWC: output pixel (n, first + q) is a row of C_out values.
                for q in 0..<pixels {
                    let out = p.output + (n * p.outPixels + first + q) * p.outChannels + group * p.groupOut
                    for j in 0..<p.groupOut { out[j] = tile[q * ldb + j] + (p.bias?[group * p.groupOut + j] ?? 0) }
                }
            }
        }
    }
}

extension BlockedGatherKernel {
    /// Tile rows `0 ..< pixels` (a pixel's `channels` sums, `stride` apart) plus the channels'
    /// bias into NCHW planes `planeStride` apart, in 8 × 8 tiles: sixteen pixels at a time, every
    /// channel of them, so the sixteen tile rows read stay in L1 while each channel's sixteen
    /// outputs (a cache line) are written as two vectors, one after the other (an element-wise
    /// walk stores one float per load, and LLVM vectorises it as gathers). Whole lines matter
    /// when planes are a multiple of 4 KiB apart (128² pixels): every channel's line falls in
    /// one L1 set, and a line written half at a time would be fetched twice. Pixels and
    /// channels past the last whole tile go one by one.
    private static func storeTransposed(
        _ tile: UnsafePointer<Float>, stride: Int, pixels: Int, channels: Int, bias: UnsafePointer<Float>?,
        into out: UnsafeMutablePointer<Float>, planeStride: Int
    ) {
        let wholePixels = pixels & ~7, wholeChannels = channels & ~7
        var q0 = 0
        while q0 < wholePixels {
            let q1 = min(q0 &+ 16, wholePixels)
            var c0 = 0
            while c0 < wholeChannels {
                let b = bias.map { TileTranspose.load($0 + c0) }
                var low = TileTranspose.Tile(tile + (q0 &* stride &+ c0), stride: stride)
                if let b { low.addToEachRow(b) }
                low.transpose()
                let o = out + (c0 &* planeStride &+ q0)
                if q1 &- q0 == 16 {
                    var high = TileTranspose.Tile(tile + ((q0 &+ 8) &* stride &+ c0), stride: stride)
                    if let b { high.addToEachRow(b) }
                    high.transpose()
                    low.store(joining: high, o, stride: planeStride)
                } else {
                    low.store(o, stride: planeStride)
                }
                c0 &+= 8
            }
            q0 = q1
        }
        for c in 0..<channels {
            let plane = out + c &* planeStride, b = bias?[c] ?? 0
            let from = c < wholeChannels ? wholePixels : 0
            for q in from..<pixels { plane[q] = tile[q &* stride &+ c] + b }
        }
    }

    /// The `weightsAsGiven` product: per group, the column block transposed (and reordered to the
    /// weights' (cl, t) order) into rows of pixels, then ``BlockedGEMM`` into `tile` (C_out/G rows
    /// of pixels), and from there into the NCHW output planes (a copy per row) or the NHWC
    /// output's pixel rows (a transpose).
    private func multiplyGivenWeights(
        _ p: ConvolutionCall, n: Int, first: Int, pixels: Int,
        columns: UnsafeMutablePointer<Float>, transposed: UnsafeMutablePointer<Float>,
        tile: UnsafeMutablePointer<Float>
    ) {
        let depth = p.groupIn * p.taps
        for group in 0..<p.geometry.groups {
            // Tap by tap, the block's pixels × C_in/G channels to rows cl·kh·kw + t, in 8 × 8
            // tiles (an element-wise walk reads each pixel's row a column at a time).
            for t in 0..<p.taps {
                TileTranspose.transpose(
                    columns + group * depth + t * p.groupIn, rows: pixels, columns: p.groupIn, sourceStride: rowLength,
                    into: transposed + t * transposedStride, destinationStride: p.taps * transposedStride)
            }
            // Into `tile`, every column panel whole: the columns past `pixels` (read from the
            // transposed buffer's padding, whatever it holds) are computed and dropped, so no
            // k-slice takes the micro-kernel's element-wise path for a partial panel (at 49
            // pixels one of two panels, at two workers' 25 each the only one).
            let firstOut = group * p.groupOut
            let width = (pixels + microKernel.columns - 1) / microKernel.columns * microKernel.columns
            BlockedGEMM.multiply(
                microKernel, m: p.groupOut, n: width, k: depth,
                a: p.weightRow(co: firstOut), lda: depth, b: transposed, ldb: transposedStride,
                c: tile, ldc: transposedStride, bias: p.bias.map { $0 + firstOut })
            if layout == .nchw {
                for j in 0..<p.groupOut {
                    p.outputPlane(n: n, co: firstOut + j).advanced(by: first)
                        .update(from: tile + j * transposedStride, count: pixels)
                }
            } else {
                TileTranspose.transpose(
                    tile, rows: p.groupOut, columns: pixels, sourceStride: transposedStride,
                    into: p.output + (n * p.outPixels + first) * p.outChannels + firstOut,
                    destinationStride: p.outChannels)
            }
        }
    }
}

/// Channels `start ..< start + count` of an offset group, all in one convolution group g: they go
/// to column-row entries `destination + t·(C_in/G)` on, for tap t (`destination` =
/// g·(C_in/G)·kh·kw + the first channel's index in g).
struct GatherRun {
    let start: Int, count: Int, destination: Int

    /// Each offset group's runs, in channel order.
    static func runs(_ g: DeformConvGeometry) -> [[GatherRun]] {
        let groupIn = g.groupInChannels, perOffsetGroup = g.offsetGroupChannels
        return (0..<g.offsetGroups).map { og in
            var runs: [GatherRun] = []
            var c = og * perOffsetGroup
            while c < (og + 1) * perOffsetGroup {
                let group = c / groupIn, cl = c - group * groupIn
                let count = min((og + 1) * perOffsetGroup - c, groupIn - cl)
                runs.append(
                    GatherRun(start: c - og * perOffsetGroup, count: count, destination: group * groupIn * g.taps + cl))
                c += count
            }
            return runs
        }
    }
}

/// `count` zeroed floats on a cache-line boundary, so buffers written by different workers never
/// share a line (allocated separately, they could meet inside one); free with `deallocate()`.
func alignedFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.size, alignment: 64)
        .initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
}
