/// The `blockedGather` backward: `blockedGather`'s channels-last machinery run the other way,
/// on the caller's ``ParallelExecutor``, without atomics and deterministic.
///
/// Per call the workers transpose the input to NHWC (as the forward does) and, unless there are
/// few pixels (below), the weights to W′[group][C_out/G][k = t·(C_in/G) + cl] (rows padded to
/// 32). Then image by image, each worker takes an equal share of the image's pixels
/// (``PixelShare``), in blocks; per block:
/// 1. the columns' gradient, a row of (kh·kw)·C_in values per pixel:
///    grad_columns = grad_outputᵀ (pixels × C_out/G) × W′, group by group, with the
///    micro-kernel of `options.microKernel` (``BlockedGEMM``);
/// 2. one pass over the sampling points (offset group, tap, pixel): the ``BilinearCell`` is
///    computed once and used by every gradient, for every channel of its offset group as vectors
///    of consecutive channels: the sampled column m·v (for grad_weight), Σ_c grad_column·v
///    (grad_mask), m·Σ_c grad_column·∂v/∂y and ∂v/∂x (grad_offset), and grad_column·m·β_k spread
///    to the four corners of the worker's own copy of the image's grad_input;
/// 3. grad_weight += grad_output (C_out/G × pixels) × the sampled columns, into the worker's own
///    sums.
/// After each image the workers add the copies of its grad_input in worker order, each over its
/// share of the pixels; after the last, the weight and bias sums likewise.
///
/// With several workers and an image whose columns take no more room than the grad_weight sums
/// (wide layers at small planes: 256@14², 512@7²), step 3 instead follows the image's blocks:
/// the workers write their blocks' columns into one buffer for the whole image, and after the
/// image each worker multiplies its share of the output channels by all of them, into one
/// shared set of sums. Every worker's own full-size sums, written and read back once per call,
/// and their addition were most of what two threads did not halve there.
///
/// With few output pixels for the output channels (N·H_out·W_out·128 < `KernelOptions.fewPixels`
/// · C_out/G: at the default, fewer pixels than output channels per group) and (C_in/G)·kh·kw a
/// multiple of 32 (the micro-kernel reads whole 32-column panels), the weights are not
/// transposed: step 1 multiplies them as given, which yields each pixel's column gradient in
/// torchvision's (cl, t) order, and a transpose of the block's rows puts it in the (t, cl) order
/// of step 2; step 2's columns are transposed back to (cl, t), so step 3's products come out in
/// grad_weight's own order and, with one set of sums (one worker, or shared columns), go straight
/// into it. The weights' two transposes move C_out·(C_in/G)·kh·kw floats, the rows' two
/// N·H_out·W_out·C_in·kh·kw, hence the pixels per output channel of a group. A wide layer's
/// weights are also far larger than a few pixels' columns (512@7²: 9.4 MB against 0.9 MB), and
/// their transposes run through memory where the rows' run in cache.
///
/// With several workers and either of the two (shared columns, or the weights as given), step 1
/// runs before the image's blocks, for all its pixels at once, each worker taking a share of
/// every group's columns (``splitColumns``) into one product for the image that step 2 reads.
/// A worker's blocks of a few pixels used each weight panel it read for a few rows of products,
/// and every worker read all the weights.
///
/// Blocks go to workers by a fixed rule and every sum runs in a fixed order, so a thread count
/// gives the same bits on every run. Steps a gradient does not need are skipped
/// (``BackwardWork`` counts what ran).
final class BlockedGatherBackward: BackwardKernel, @unchecked Sendable {
    private let geometry: DeformConvGeometry
    private let layout: TensorLayout
    private let executor: any ParallelExecutor
    private let microKernel: MicroKernelTile
    /// Pixels per block: a multiple of the micro-kernel's rows.
    private let blockPixels: Int
    /// (C_in/G)·kh·kw: one group's part of a column row, and a row of W′ before padding.
    private let depth: Int
    /// Floats per row of W′ and of the grad_weight sums: `depth` rounded up to 32, so the
    /// micro-kernel's full-width reads stay inside the row.
    private let depthStride: Int
    /// Floats per column row: C_in·kh·kw and 32 more, since the grad_weight product reads a whole
    /// micro-kernel width past the last group's start.
    private let rowStride: Int
    private let nhwc: UnsafeMutablePointer<Float>
    /// Whether step 1 multiplies the weights as given (see the type's comment).
    let weightsAsGiven: Bool
    /// W′, unless `weightsAsGiven`.
    private let transposedWeights: UnsafeMutablePointer<Float>
    /// Per worker, when `weightsAsGiven`: a block's column rows in the order they are not kept in
    /// (step 1's product, then step 2's columns).
    private let reordered: [UnsafeMutablePointer<Float>]
    /// Whether step 1 runs per image, split by columns (see the type's comment).
    let splitColumns: Bool
    /// With `splitColumns`, step 1's product for the whole image, a row per pixel.
    private let imageProducts: UnsafeMutablePointer<Float>
    /// Whether step 3 runs per image by output channels over `columns[0]`, the whole image's
    /// columns, into `weightSums[0]` (see the type's comment).
    let sharedColumns: Bool
    /// Per worker (a block's rows), or one for the whole image (`sharedColumns`).
    private let columns: [UnsafeMutablePointer<Float>]
    private let columnGradients: [UnsafeMutablePointer<Float>]
    /// The block's grad_output in the orientation the layout does not give: pixels × C_out from
    /// NCHW, C_out × pixels from NHWC.
    /// Per worker; with `sharedColumns` and NHWC, one holding the whole image's channel rows;
    /// with `splitColumns` and NCHW, each worker's copy of the whole image's pixel rows.
    private let upstream: [UnsafeMutablePointer<Float>]
    /// Per worker, or one (`sharedColumns`); none when `weightsAsGiven` leaves one set of sums,
    /// which is grad_weight itself.
    private let weightSums: [UnsafeMutablePointer<Float>]
    /// Per worker, with several sets of sums: a row of them added over the workers, before its
    /// transpose (empty otherwise).
    private let rowSums: [UnsafeMutablePointer<Float>]
    private let biasSums: [UnsafeMutablePointer<Float>]
    /// One image's grad_input, NHWC.
    private let partialInputs: [UnsafeMutablePointer<Float>]
    /// Zeros to read and a sink to write for the corners of a cell that are off the image or
    /// have weight 0 (the border path), C_in floats each.
    private let zeros: [UnsafeMutablePointer<Float>]
    private let sinks: [UnsafeMutablePointer<Float>]
    private let works: UnsafeMutablePointer<BackwardWork>
    /// Per offset group, its channels' runs inside convolution groups (as the forward's gather).
    private let runs: [[GatherRun]]
    /// Whether the cells are classified 16 at a time (``SamplingPlan/vectorizable(_:)``).
    private let vectorizable: Bool
    /// Per worker, for step 2: the block's sampling origins (y, then x), a chunk's ``CellLanes``
    /// and its points' sums for grad_mask and grad_offset.
    private let chunks: [UnsafeMutablePointer<Float>]
    /// Slots of `works` apart per worker: more than a cache line.
    private static let workStride = 4
    let workspaceBytes: Int
    private(set) var lastWork = BackwardWork()

    init(geometry g: DeformConvGeometry, options: KernelOptions, layout: TensorLayout) {
        geometry = g
        self.layout = layout
        executor = options.executor
        microKernel = options.microKernel
        depth = g.reductionLength
        let depthStride = (depth + 31) / 32 * 32, rowStride = (g.inChannels * g.taps + 32 + 15) / 16 * 16
        self.depthStride = depthStride
        self.rowStride = rowStride
        let workers = executor.workerCount
        let bytesPerPixel = (2 * rowStride + g.outChannels) * MemoryLayout<Float>.size
        // Each image is split over all the workers (one image at a time, see the type's comment).
        // Both GEMMs stream the whole weights (W′, and the grad_weight sums in and out) once per
        // block: when those are several times the cache, fewer, larger blocks (their columns
        // spilling to the next level) win; near the cache's size the cache-sized blocks still
        // do (measured at 512 and 256 channels, docs/performance-history.md).
        let weightBytes = g.groups * g.groupOutChannels * depthStride * MemoryLayout<Float>.size
        let blockPixels = options.blockPixels(
            bytesPerPixel: bytesPerPixel, multiple: options.microKernel.rows,
            outPixels: (g.outPixels + workers - 1) / workers,
            budget: weightBytes > 4 * options.cacheBytes ? 4 * options.cacheBytes : options.cacheBytes / 2)
        self.blockPixels = blockPixels
        let imageFloats = g.inChannels * g.height * g.width
        let inputFloats = layout == .nchw ? g.batch * imageFloats : 0
        let weightFloats = g.groups * g.groupOutChannels * depthStride
        let sharedColumns = workers > 1 && g.outPixels * rowStride <= weightFloats
        self.sharedColumns = sharedColumns
        let weightsAsGiven =
            depth % MicroKernelTile.packColumns == 0
            && g.batch * g.outPixels * 128 / g.groupOutChannels < options.fewPixels
        self.weightsAsGiven = weightsAsGiven
        let splitColumns = workers > 1 && (weightsAsGiven || sharedColumns)
        self.splitColumns = splitColumns
        let wholeImage = (sharedColumns && layout == .nhwc) || (splitColumns && layout == .nchw)
        let upstreamFloats = max(blockPixels, wholeImage ? g.outPixels : 0) * g.outChannels
        let upstreamCopies = sharedColumns && layout == .nhwc ? 1 : workers
        let columnFloats = sharedColumns ? g.outPixels * rowStride : blockPixels * rowStride
        let copies = sharedColumns ? 1 : workers
        let sumCopies = weightsAsGiven && copies == 1 ? 0 : copies
        let reorderedFloats = weightsAsGiven ? blockPixels * rowStride : 0
        let transposedFloats = weightsAsGiven ? 0 : weightFloats
        let productFloats = splitColumns ? g.outPixels * rowStride : 0
        nhwc = alignedFloats(inputFloats)
        transposedWeights = alignedFloats(transposedFloats)
        imageProducts = alignedFloats(productFloats)
        reordered = (0..<workers).map { _ in alignedFloats(reorderedFloats) }
        columns = (0..<copies).map { _ in alignedFloats(columnFloats) }
        columnGradients = (0..<workers).map { _ in alignedFloats(blockPixels * rowStride) }
        upstream = (0..<upstreamCopies).map { _ in alignedFloats(upstreamFloats) }
        weightSums = (0..<sumCopies).map { _ in alignedFloats(weightFloats) }
        let rowSumFloats = sumCopies > 1 ? depthStride : 0
        rowSums = (0..<workers).map { _ in alignedFloats(rowSumFloats) }
        biasSums = (0..<workers).map { _ in alignedFloats(g.outChannels) }
        partialInputs = (0..<workers).map { _ in alignedFloats(imageFloats) }
        zeros = (0..<workers).map { _ in alignedFloats(g.inChannels) }
        sinks = (0..<workers).map { _ in alignedFloats(g.inChannels) }
        works = .allocate(capacity: workers * Self.workStride)
        runs = GatherRun.runs(g)
        vectorizable = SamplingPlan.vectorizable(g)
        let chunkFloats = 2 * blockPixels + g.taps * (CellLanes.floats + Self.sumFloats)
        chunks = (0..<workers).map { _ in alignedFloats(chunkFloats) }
        works.initialize(repeating: BackwardWork(), count: workers * Self.workStride)
        let perWorker =
            blockPixels * rowStride + reorderedFloats + rowSumFloats + g.outChannels + imageFloats + 2 * g.inChannels
            + chunkFloats
        let copied = copies * columnFloats + sumCopies * weightFloats + upstreamCopies * upstreamFloats
        workspaceBytes =
            (inputFloats + transposedFloats + productFloats + workers * perWorker + copied) * MemoryLayout<Float>.size
    }

    deinit {
        nhwc.deallocate()
        transposedWeights.deallocate()
        imageProducts.deallocate()
        let perWorker = [
            reordered, columns, columnGradients, upstream, weightSums, rowSums, biasSums, partialInputs, zeros, sinks,
            chunks,
        ]
        for buffers in perWorker { buffers.forEach { $0.deallocate() } }
        works.deallocate()
    }

    func backward(_ b: BackwardProblem) {
        let p = b.forward, g = geometry
        let workers = executor.workerCount
        let samples = b.needsColumnGradient || b.gradWeight != nil
        let inputRows = g.batch * g.height
        let weightRows = g.outChannels
        executor.run { [self] worker in
            works[worker * Self.workStride] = BackwardWork()
            if samples && layout == .nchw {
                ChannelsLast.transpose(
                    p, rows: inputRows * worker / workers..<inputRows * (worker + 1) / workers, into: nhwc)
            }
            if b.needsColumnGradient && !weightsAsGiven {
                transposeWeights(p, rows: weightRows * worker / workers..<weightRows * (worker + 1) / workers)
            }
            if b.gradBias != nil { biasSums[worker].update(repeating: 0, count: g.outChannels) }
        }
        for n in 0..<g.batch {
            if splitColumns && b.needsColumnGradient {
                executor.run { [self] worker in
                    multiplyColumns(b, n: n, worker: worker, workers: workers, work: &works[worker * Self.workStride])
                }
            }
            executor.run { [self] worker in
                if b.gradInput != nil { partialInputs[worker].update(repeating: 0, count: g.inChannels * p.planeSize) }
                var work = works[worker * Self.workStride]
                PixelShare(
                    worker: worker, workers: workers, images: 1, outPixels: p.outPixels, blockPixels: blockPixels
                )
                .forEachBlock { _, first, pixels in
                    run(b, n: n, first: first, pixels: pixels, worker: worker, work: &work)
                }
                works[worker * Self.workStride] = work
            }
            let shareWeights = sharedColumns && b.gradWeight != nil
            if b.gradInput != nil || shareWeights {
                executor.run { [self] worker in
                    if b.gradInput != nil {
                        addPartialInputs(
                            p, n: n, pixels: p.planeSize * worker / workers..<p.planeSize * (worker + 1) / workers,
                            workers: workers, into: b.gradInput!)
                    }
                    if shareWeights {
                        multiplyImage(
                            b, n: n, rows: weightRows * worker / workers..<weightRows * (worker + 1) / workers,
                            work: &works[worker * Self.workStride])
                    }
                }
            }
        }
        executor.run { [self] worker in
            if b.gradWeight != nil && !weightSums.isEmpty {
                addWeightSums(
                    p, rows: weightRows * worker / workers..<weightRows * (worker + 1) / workers,
                    worker: worker, workers: workers, into: b.gradWeight!)
            }
            if let gradBias = b.gradBias, worker == 0 {
                for co in 0..<g.outChannels {
                    var sum: Float = 0
                    for w in 0..<workers { sum += biasSums[w][co] }
                    gradBias[co] = sum
                }
            }
        }
        lastWork = (0..<workers).reduce(BackwardWork()) { $0 + works[$1 * Self.workStride] }
    }

    /// W′ rows `rows` (output channels): W′[co][t·(C_in/G) + cl] = weight[co, cl, t], zero padded.
    private func transposeWeights(_ p: ConvolutionCall, rows: Range<Int>) {
        for co in rows {
            let row = transposedWeights + co * depthStride
            TileTranspose.transpose(p.weightRow(co: co), rows: p.groupIn, columns: p.taps, into: row)
            (row + depth).update(repeating: 0, count: depthStride - depth)
        }
    }

    /// The three steps of one block of image `n`, pixels `first ..< first + pixels`.
    private func run(_ b: BackwardProblem, n: Int, first: Int, pixels: Int, worker: Int, work: inout BackwardWork) {
        let p = b.forward, g = geometry
        let outChannels = p.outChannels, groupOut = p.groupOut
        // grad_output of the block both ways: channel-major rows (grad_weight's A) and pixel
        // rows (the column gradient's A), one of them a copy.
        let channelRows: UnsafePointer<Float>, channelStride: Int, pixelRows: UnsafePointer<Float>
        let copy = upstream[min(worker, upstream.count - 1)]
        if layout == .nchw {
            channelRows = b.gradOutput + n * outChannels * p.outPixels + first
            channelStride = p.outPixels
            if b.needsColumnGradient && !splitColumns {
                TileTranspose.transpose(
                    channelRows, rows: outChannels, columns: pixels, sourceStride: p.outPixels, into: copy,
                    destinationStride: outChannels)
            }
            pixelRows = UnsafePointer(copy)
        } else {
            pixelRows = b.gradOutput + (n * p.outPixels + first) * outChannels
            // With shared columns, into the whole image's channel rows (multiplyImage reads them).
            let (rows, stride) = sharedColumns ? (upstream[0] + first, p.outPixels) : (copy, pixels)
            if b.gradWeight != nil || b.gradBias != nil {
                TileTranspose.transpose(
                    pixelRows, rows: pixels, columns: outChannels, sourceStride: outChannels, into: rows,
                    destinationStride: stride)
            }
            channelRows = UnsafePointer(rows)
            channelStride = stride
        }
        if b.gradBias != nil {
            let sums = biasSums[worker]
            for co in 0..<outChannels {
                var sum: Float = 0
                for q in 0..<pixels { sum += channelRows[co * channelStride + q] }
                sums[co] += sum
            }
            work.biasTerms += outChannels * pixels
        }
        guard b.needsColumnGradient || b.gradWeight != nil else { return }
        let ownColumns = sharedColumns ? columns[0] + first * rowStride : columns[worker]
        // The block's column gradients in step 2's (t, cl) order.
        var gradients = columnGradients[worker]
        if b.needsColumnGradient && splitColumns {
            let products = imageProducts + first * rowStride
            if weightsAsGiven {
                reorder(pixels, products, tapMajor: false, into: gradients)
            } else {
                gradients = products
            }
        } else if b.needsColumnGradient {
            let product = weightsAsGiven ? reordered[worker] : columnGradients[worker]
            multiplyColumnGradients(p, pixels: pixels, pixelRows: pixelRows, columns: 0..<depth, into: product)
            if weightsAsGiven { reorder(pixels, product, tapMajor: false, into: columnGradients[worker]) }
            work.columnProducts += pixels * depth * outChannels
        }
        // Step 2 writes its columns tap-major; with the weights as given, step 3 reads them (cl, t).
        consume(
            b, n: n, first: first, pixels: pixels, worker: worker,
            columns: weightsAsGiven ? reordered[worker] : ownColumns, columnGradients: gradients, work: &work)
        if weightsAsGiven && b.gradWeight != nil {
            reorder(pixels, reordered[worker], tapMajor: true, into: ownColumns)
        }
        if b.gradWeight != nil && !sharedColumns {
            let (sums, sumStride) = gradWeightSums(b, copy: worker)
            for group in 0..<g.groups {
                BlockedGEMM.multiply(
                    microKernel, m: groupOut, n: depth, k: pixels,
                    a: channelRows + group * groupOut * channelStride, lda: channelStride,
                    b: columns[worker] + group * depth, ldb: rowStride,
                    c: sums + group * groupOut * sumStride, ldc: sumStride,
                    // The worker's first block writes its sums (nothing to zero or load: with
                    // few pixels, wide layers' sums are as large as the weights).
                    bias: nil, accumulate: work.weightProducts > 0)
            }
            work.weightProducts += outChannels * depth * pixels
        }
    }

    /// Step 1 of image `n` with `splitColumns`: the product of all its pixels' grad_output and
    /// the worker's share of each group's columns of the weights (whole 32-column panels), into
    /// `imageProducts`.
    private func multiplyColumns(
        _ b: BackwardProblem, n: Int, worker: Int, workers: Int, work: inout BackwardWork
    ) {
        let p = b.forward, panels = (depth + MicroKernelTile.packColumns - 1) / MicroKernelTile.packColumns
        let lower = panels * worker / workers * MicroKernelTile.packColumns
        let upper = min(panels * (worker + 1) / workers * MicroKernelTile.packColumns, depth)
        guard lower < upper else { return }
        let pixelRows: UnsafePointer<Float>
        if layout == .nchw {
            TileTranspose.transpose(
                b.gradOutput + n * p.outChannels * p.outPixels, rows: p.outChannels, columns: p.outPixels,
                sourceStride: p.outPixels, into: upstream[worker], destinationStride: p.outChannels)
            pixelRows = UnsafePointer(upstream[worker])
        } else {
            pixelRows = b.gradOutput + n * p.outPixels * p.outChannels
        }
        multiplyColumnGradients(
            p, pixels: p.outPixels, pixelRows: pixelRows, columns: lower..<upper, into: imageProducts)
        work.columnProducts += p.outPixels * (upper - lower) * p.outChannels
    }

    /// Step 1's product for `pixels` pixels, whose grad_output rows (C_out apart) start at
    /// `pixelRows`: columns `columns` (from a whole 32-column panel on) of each group's part of the
    /// column rows, into `product` (rows `rowStride` apart), from the weights as given or W′.
    private func multiplyColumnGradients(
        _ p: ConvolutionCall, pixels: Int, pixelRows: UnsafePointer<Float>, columns: Range<Int>,
        into product: UnsafeMutablePointer<Float>
    ) {
        let (weights, weightStride) =
            weightsAsGiven ? (p.weight, depth) : (UnsafePointer(transposedWeights), depthStride)
        for group in 0..<geometry.groups {
            BlockedGEMM.multiply(
                microKernel, m: pixels, n: columns.count, k: p.groupOut,
                a: pixelRows + group * p.groupOut, lda: p.outChannels,
                b: weights + (group * p.groupOut * weightStride + columns.lowerBound), ldb: weightStride,
                c: product + (group * depth + columns.lowerBound), ldc: rowStride, bias: nil, panelsOuter: true)
        }
    }

    /// The grad_weight sums of copy `index` and their row stride: grad_weight itself where there
    /// is one set of sums and no copy (`weightSums` empty).
    private func gradWeightSums(_ b: BackwardProblem, copy index: Int) -> (UnsafeMutablePointer<Float>, Int) {
        weightSums.isEmpty ? (b.gradWeight!, depth) : (weightSums[index], depthStride)
    }

    /// The column rows of `pixels` pixels from `source` to `destination` (both `rowStride` apart),
    /// each group's part transposed: from (t, cl) order to (cl, t) if `tapMajor`, else back.
    private func reorder(
        _ pixels: Int, _ source: UnsafeMutablePointer<Float>, tapMajor: Bool,
        into destination: UnsafeMutablePointer<Float>
    ) {
        let groupIn = depth / geometry.taps
        let (rows, columns) = tapMajor ? (geometry.taps, groupIn) : (groupIn, geometry.taps)
        for q in 0..<pixels {
            for group in 0..<geometry.groups {
                let at = q * rowStride + group * depth
                TileTranspose.transpose(source + at, rows: rows, columns: columns, into: destination + at)
            }
        }
    }

    /// Step 3 with `sharedColumns`, after image `n`'s blocks: grad_weight sums of output channels
    /// `rows` += their grad_output (channel rows, all the image's pixels) × the image's columns,
    /// group by group. Each B panel (a k-slice of 16 columns, in L1) passes over the rows'
    /// grad_output (in L2): the columns, larger than L2 here, stream through once.
    private func multiplyImage(_ b: BackwardProblem, n: Int, rows: Range<Int>, work: inout BackwardWork) {
        let p = b.forward, groupOut = p.groupOut
        let (channelRows, stride) =
            layout == .nchw
            ? (b.gradOutput + n * p.outChannels * p.outPixels, p.outPixels) : (UnsafePointer(upstream[0]), p.outPixels)
        let (sums, sumStride) = gradWeightSums(b, copy: 0)
        for group in 0..<geometry.groups {
            let lower = max(rows.lowerBound, group * groupOut), upper = min(rows.upperBound, (group + 1) * groupOut)
            guard lower < upper else { continue }
            BlockedGEMM.multiply(
                microKernel, m: upper - lower, n: depth, k: p.outPixels,
                a: channelRows + lower * stride, lda: stride,
                b: columns[0] + group * depth, ldb: rowStride,
                c: sums + lower * sumStride, ldc: sumStride,
                bias: nil, accumulate: n > 0, panelsOuter: true)
        }
        work.weightProducts += rows.count * depth * p.outPixels
    }

    /// Step 2: every sampling point of the block once, its cell applied to the channels of its
    /// offset group in runs that stay inside one convolution group; the block's columns go to
    /// `columns`, a row per pixel. Sixteen pixels at a time:
    /// where the plane allows (``SamplingPlan/vectorizable(_:)``) each tap's cells of the
    /// sixteen are classified together (``BilinearCell16``) and the interior ones take
    /// ``InteriorPass``; the rest take the scalar ``BilinearCell`` and ``CellPass``. Then pixel
    /// by pixel, tap by tap, so that the taps of neighbouring pixels, which read and spread
    /// around the same input pixels, follow each other while those are in L1. Each point leaves
    /// its grad_mask and grad_offset sums as 8 lanes, added up 8 pixels at a time through a tile
    /// transpose and written as vectors: consecutive pixels are consecutive in those gradients.
    private func consume(
        _ b: BackwardProblem, n: Int, first: Int, pixels: Int, worker: Int, columns: UnsafeMutablePointer<Float>,
        columnGradients: UnsafeMutablePointer<Float>, work: inout BackwardWork
    ) {
        let p = b.forward
        let channels = p.inChannels
        let image = (layout == .nchw ? UnsafePointer(nhwc) : p.input) + n * p.planeSize * channels
        let partial = partialInputs[worker]
        let wantSums = b.gradMask != nil || b.gradOffset != nil
        var pass = CellPass(
            wantColumns: b.gradWeight != nil, wantMask: b.gradMask != nil,
            wantOffset: b.gradOffset != nil, wantInput: b.gradInput != nil,
            zeros: zeros[worker], sink: sinks[worker])
        let interiorPass = InteriorPass(
            wantColumns: b.gradWeight != nil, wantMask: b.gradMask != nil,
            wantOffset: b.gradOffset != nil, wantInput: b.gradInput != nil)
        let chunk = chunks[worker]
        let originY = chunk, originX = chunk + blockPixels
        // Per tap: its CellLanes, then its 16 points' sums (three 16 × 8 tiles).
        let tapFloats = CellLanes.floats + Self.sumFloats
        @inline(__always) func cells(_ t: Int) -> CellLanes { CellLanes(chunk + (2 &* blockPixels &+ t &* tapFloats)) }
        @inline(__always) func sums(_ t: Int) -> UnsafeMutablePointer<Float> {
            chunk + (2 &* blockPixels &+ t &* tapFloats &+ CellLanes.floats)
        }
        if vectorizable { p.samplingOrigins(first: first, count: pixels, y: originY, x: originX) }
        // Compared as Float: SIMD integer comparisons compile to lane loops.
        let laneNumbers = SIMD16<Float>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        for og in 0..<p.offsetGroups {
            let firstChannel = og * p.offsetGroupChannels
            let groupImage = image + firstChannel, groupPartial = partial + firstChannel
            let firstPoint = (n * p.offsetGroups + og) * p.taps  // as in ConvolutionCall.cell
            runs[og].withUnsafeBufferPointer { runs in
                for q0 in stride(from: 0, to: pixels, by: 16) {
                    let present = min(16, pixels - q0)
                    for t in 0..<p.taps {
                        let point = firstPoint + t
                        let m =
                            p.mask.map { Self.load($0 + (point * p.outPixels + first + q0), present) }
                            ?? SIMD16(repeating: 1)
                        guard vectorizable else {
                            cells(t).storeNoInterior(mask: m)
                            continue
                        }
                        let dy = Self.load(p.offset + ((2 * point) * p.outPixels + first + q0), present)
                        let dx = Self.load(p.offset + ((2 * point + 1) * p.outPixels + first + q0), present)
                        let i = t / p.kernelWidth, j = t - i * p.kernelWidth
                        let y = (Self.load(originY + q0, present) + Float(i * p.dilationH)) + dy
                        let x = (Self.load(originX + q0, present) + Float(j * p.dilationW)) + dx
                        let cell = BilinearCell16(
                            y: y, x: x, height: p.height, width: p.width, mask: m, live: laneNumbers .< Float(present))
                        cells(t).store(cell, mask: m)
                    }
                    for lane in 0..<present {
                        let q = q0 + lane
                        for t in 0..<p.taps {
                            let column = q &* rowStride &+ t &* p.groupIn
                            let row = sums(t) + lane &* 8
                            let lanes = cells(t)
                            if lanes.isInterior(lane) {
                                let corner = lanes.base(lane) &* channels
                                let s = interiorPass.apply(
                                    runs: runs, image: groupImage + corner, partial: groupPartial + corner,
                                    step: channels, rowStep: p.width &* channels, cells: lanes, lane: lane,
                                    columns: columns + column, columnGradients: columnGradients + column)
                                if wantSums { Self.storeSums(s, into: row) }
                                continue
                            }
                            let pixel = first + q, oy = pixel / p.outWidth
                            let (cell, m) = p.cell(n: n, og: og, t: t, oy: oy, ox: pixel - oy * p.outWidth)
                            pass.start(cell, mask: m, image: groupImage, partial: groupPartial, step: channels)
                            for run in runs {
                                pass.apply(
                                    from: run.start, count: run.count,
                                    columns: columns + (column + run.destination),
                                    columnGradients: columnGradients + (column + run.destination))
                            }
                            if wantSums {
                                @inline(__always) func lane0(_ x: Float) -> SIMD8<Float> {
                                    SIMD8(x, 0, 0, 0, 0, 0, 0, 0)
                                }
                                Self.storeSums((lane0(pass.maskSum), lane0(pass.ySum), lane0(pass.xSum)), into: row)
                            }
                        }
                    }
                    if wantSums {
                        for t in 0..<p.taps {
                            writeSums(
                                b, sums: sums(t), cells: cells(t), present: present,
                                at: (firstPoint + t) * p.outPixels + first + q0)
                        }
                    }
                }
            }
        }
        let samples = pixels * p.taps * channels
        if b.needsColumnGradient {
            if b.gradInput != nil { work.spreadSamples += samples }
            if b.gradMask != nil { work.maskSamples += samples }
            if b.gradOffset != nil { work.offsetSamples += samples }
        }
    }

    /// The grad_mask and grad_offset entries of `present` consecutive points from `at` on (in
    /// the flat (point, pixel) index of grad_mask; grad_offset's y and x rows of the point): each
    /// point's three sums left as 8 lanes in `sums` (``storeSums(_:into:)``), added across the
    /// lanes 8 points at a time.
    @inline(__always)
    private func writeSums(
        _ b: BackwardProblem, sums: UnsafeMutablePointer<Float>, cells: CellLanes, present: Int, at index: Int
    ) {
        let outPixels = b.forward.outPixels
        let point = index / outPixels, pixel = index - point * outPixels
        for half in 0..<(present + 7) / 8 {
            let lanes = min(8, present - half * 8)
            @inline(__always) func total(_ k: Int) -> SIMD8<Float> {
                var tile = TileTranspose.Tile(sums + (k &* 128 &+ half &* 64), stride: 8)
                tile.transpose()
                return ((tile.r0 + tile.r1) + (tile.r2 + tile.r3)) + ((tile.r4 + tile.r5) + (tile.r6 + tile.r7))
            }
            let m = cells.masks(half)
            let offset = pixel + half * 8
            if let gradMask = b.gradMask { Self.store(total(0), gradMask + (point * outPixels + offset), lanes) }
            if let gradOffset = b.gradOffset {
                Self.store(m * total(1), gradOffset + (2 * point * outPixels + offset), lanes)
                Self.store(m * total(2), gradOffset + ((2 * point + 1) * outPixels + offset), lanes)
            }
        }
    }

    /// Floats of a tap's sums in a chunk of 16 pixels: three 16 × 8 tiles (``storeSums(_:into:)``).
    private static let sumFloats = 3 * 16 * 8

    /// A point's three 8-lane sums (grad_mask's, grad_offset's y and x) to `row` of its tap's
    /// sums: the sums of the 16 points of a chunk are three 16 × 8 tiles, quantity by quantity.
    @inline(__always)
    private static func storeSums(
        _ s: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>), into row: UnsafeMutablePointer<Float>
    ) {
        TileTranspose.store(s.0, row)
        TileTranspose.store(s.1, row + 128)
        TileTranspose.store(s.2, row + 256)
    }

    /// 16 floats from `source`, of which only the first `present` are read (the rest 0).
    @inline(__always)
    private static func load(_ source: UnsafePointer<Float>, _ present: Int) -> SIMD16<Float> {
        if present >= 16 { return UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>()
        for lane in 0..<present { v[lane] = source[lane] }
        return v
    }

    @inline(__always)
    private static func load(_ source: UnsafeMutablePointer<Float>, _ present: Int) -> SIMD16<Float> {
        load(UnsafePointer(source), present)
    }

    /// The first `lanes` lanes of `v` to `destination`.
    @inline(__always)
    private static func store(_ v: SIMD8<Float>, _ destination: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 8 {
            TileTranspose.store(v, destination)
        } else {
            for lane in 0..<lanes { destination[lane] = v[lane] }
        }
    }

    /// grad_input of image `n` at `pixels` (of the plane) = Σ over workers, in worker order, of
    /// their copies; transposed back to NCHW in 8 × 8 register tiles.
    private func addPartialInputs(
        _ p: ConvolutionCall, n: Int, pixels: Range<Int>, workers: Int,
        into gradInput: UnsafeMutablePointer<Float>
    ) {
        let channels = p.inChannels
        let image = gradInput + n * channels * p.planeSize
        if layout == .nhwc {
            for i in pixels.lowerBound * channels..<pixels.upperBound * channels {
                var sum = partialInputs[0][i]
                for w in 1..<max(workers, 1) { sum += partialInputs[w][i] }
                image[i] = sum
            }
            return
        }
        // 16 pixels × 8 channels at a time, as two 8 × 8 register tiles (``TileTranspose``): the
        // workers' copies summed 8 channels of a pixel at a time as vectors, transposed, and each
        // channel's 16 pixels written as one line. (A pixel at a time wrote 16 channel planes at
        // once, which at power-of-two plane sizes fall in one L1 set.) Sums in worker order.
        partialInputs.withUnsafeBufferPointer { copies in
            let all = max(workers, 1), plane = p.planeSize
            @inline(__always) func summed(_ i: Int) -> TileTranspose.Tile {
                var tile = TileTranspose.Tile(copies[0] + i, stride: channels)
                for w in 1..<all { tile.add(TileTranspose.Tile(copies[w] + i, stride: channels)) }
                tile.transpose()
                return tile
            }
            @inline(__always) func element(_ pixel: Int, _ c: Int) {
                var sum = copies[0][pixel &* channels &+ c]
                for w in 1..<all { sum += copies[w][pixel &* channels &+ c] }
                image[c &* plane &+ pixel] = sum
            }
            let wholeChannels = channels & ~7
            var p0 = pixels.lowerBound
            while p0 &+ 16 <= pixels.upperBound {
                var c0 = 0
                while c0 < wholeChannels {
                    let low = summed(p0 &* channels &+ c0), high = summed((p0 &+ 8) &* channels &+ c0)
                    let destination = image + (c0 &* plane &+ p0)
                    low.store(destination, stride: plane)
                    high.store(destination + 8, stride: plane)
                    c0 &+= 8
                }
                for c in wholeChannels..<channels {
                    for pixel in p0..<p0 &+ 16 { element(pixel, c) }
                }
                p0 &+= 16
            }
            for c in 0..<channels {
                for pixel in p0..<pixels.upperBound { element(pixel, c) }
            }
        }
    }

    /// grad_weight rows `rows` (output channels) = Σ over workers, in worker order, of their
    /// sums, from W′'s order back to (cl, t) (with `weightsAsGiven` they are in it). Only the
    /// workers that had pixels wrote sums (with fewer output pixels than workers, some had none,
    /// worker 0 among them).
    private func addWeightSums(
        _ p: ConvolutionCall, rows: Range<Int>, worker: Int, workers: Int, into gradWeight: UnsafeMutablePointer<Float>
    ) {
        var first = -1, count = 0
        if sharedColumns {
            (first, count) = (0, 1)  // one set of sums, every row written
        } else {
            for w in 0..<workers where works[w * Self.workStride].weightProducts > 0 {
                if first < 0 { first = w }
                count += 1
            }
        }
        guard first >= 0 else {
            (gradWeight + rows.lowerBound * depth).update(repeating: 0, count: rows.count * depth)
            return
        }
        let sum = rowSums[worker]
        for co in rows {
            let k0 = co * depthStride
            var source = UnsafePointer(weightSums[first] + k0)
            if count > 1 {
                // The row's sums added in worker order into the worker's scratch row, 16 at a
                // time (depthStride is a multiple of 32), then transposed from there.
                sum.update(from: source, count: depthStride)
                for w in first + 1..<workers where works[w * Self.workStride].weightProducts > 0 {
                    let other = weightSums[w] + k0
                    for j in stride(from: 0, to: depthStride, by: 16) {
                        let v = load16(sum + j) + load16(other + j)
                        store16(v, sum + j)
                    }
                }
                source = UnsafePointer(sum)
            }
            if weightsAsGiven {
                (gradWeight + co * depth).update(from: source, count: depth)
            } else {
                TileTranspose.transpose(source, rows: p.taps, columns: p.groupIn, into: gradWeight + co * depth)
            }
        }
    }
}

/// One sampling point's cell applied to runs of channels, 16 at a time: the per-point part of
/// ``BlockedGatherBackward``'s step 2. `start` takes the cell; `apply` a run; the sums for
/// grad_mask and grad_offset accumulate over the runs of the point.
private struct CellPass {
    let wantColumns: Bool, wantMask: Bool, wantOffset: Bool, wantInput: Bool
    let zeros: UnsafeMutablePointer<Float>
    let sink: UnsafeMutablePointer<Float>
    private var mask: Float = 1
    /// Corner k's channels in the image for the value, for the derivatives, and in the partial
    /// grad_input for the spread; off-image or zero-weight corners read `zeros` and write `sink`.
    private var value = (Ptr.zero, Ptr.zero, Ptr.zero, Ptr.zero)
    private var slope = (Ptr.zero, Ptr.zero, Ptr.zero, Ptr.zero)
    private var spread = (MutPtr.zero, MutPtr.zero, MutPtr.zero, MutPtr.zero)
    private var beta = SIMD4<Float>(), dy = SIMD4<Float>(), dx = SIMD4<Float>(), spreadWeight = SIMD4<Float>()
    /// All four corners on the image with non-zero weights: value, derivatives and spread read
    /// and write the same four places.
    private var interior = false
    private var empty = true
    private(set) var maskSum: Float = 0, ySum: Float = 0, xSum: Float = 0

    private typealias Ptr = UnsafePointer<Float>
    private typealias MutPtr = UnsafeMutablePointer<Float>

    init(
        wantColumns: Bool, wantMask: Bool, wantOffset: Bool, wantInput: Bool,
        zeros: UnsafeMutablePointer<Float>, sink: UnsafeMutablePointer<Float>
    ) {
        self.wantColumns = wantColumns
        self.wantMask = wantMask
        self.wantOffset = wantOffset
        self.wantInput = wantInput
        self.zeros = zeros
        self.sink = sink
    }

    /// `image` and `partial` point at channel 0 of the offset group at pixel 0; a corner's
    /// offset o reads o·`step` floats on.
    @inline(__always)
    mutating func start(
        _ cell: BilinearCell, mask m: Float, image: UnsafePointer<Float>,
        partial: UnsafeMutablePointer<Float>, step: Int
    ) {
        mask = m
        maskSum = 0; ySum = 0; xSum = 0
        empty = cell.isEmpty
        beta = cell.value
        dy = cell.dy
        dx = cell.dx
        spreadWeight = cell.value * m
        interior = all(cell.onImage) && all(spreadWeight .!= 0) && all(beta .!= 0)
        let z = UnsafePointer(zeros)
        @inline(__always) func corner(_ k: Int) -> (Ptr, Ptr, MutPtr) {
            let o = Int(cell.offsets[k]) * step
            return (
                beta[k] != 0 ? image + o : z, cell.onImage[k] ? image + o : z, spreadWeight[k] != 0 ? partial + o : sink
            )
        }
        let c0 = corner(0), c1 = corner(1), c2 = corner(2), c3 = corner(3)
        value = (c0.0, c1.0, c2.0, c3.0)
        slope = (c0.1, c1.1, c2.1, c3.1)
        spread = (c0.2, c1.2, c2.2, c3.2)
    }

    /// Channels `start ..< start + count` of the group (relative to its first): writes their
    /// columns m·v, adds to the sums, spreads into the partial grad_input. `columnGradients` and
    /// `columns` point at the run's first channel.
    @inline(__always)
    mutating func apply(
        from start: Int, count: Int, columns: UnsafeMutablePointer<Float>,
        columnGradients: UnsafeMutablePointer<Float>
    ) {
        if empty {
            if wantColumns { columns.update(repeating: 0, count: count) }
            return
        }
        let spreading = wantMask || wantOffset || wantInput
        let b0 = SIMD16(repeating: beta[0]), b1 = SIMD16(repeating: beta[1])
        let b2 = SIMD16(repeating: beta[2]), b3 = SIMD16(repeating: beta[3])
        let y0 = SIMD16(repeating: dy[0]), y1 = SIMD16(repeating: dy[1]), y2 = SIMD16(repeating: dy[2]),
            y3 = SIMD16(repeating: dy[3])
        let x0 = SIMD16(repeating: dx[0]), x1 = SIMD16(repeating: dx[1]), x2 = SIMD16(repeating: dx[2]),
            x3 = SIMD16(repeating: dx[3])
        let s0 = SIMD16(repeating: spreadWeight[0]), s1 = SIMD16(repeating: spreadWeight[1])
        let s2 = SIMD16(repeating: spreadWeight[2]), s3 = SIMD16(repeating: spreadWeight[3])
        let m16 = SIMD16<Float>(repeating: mask)
        var accMask = SIMD16<Float>(), accY = SIMD16<Float>(), accX = SIMD16<Float>()
        let v0 = value.0 + start, v1 = value.1 + start, v2 = value.2 + start, v3 = value.3 + start
        // The border path reads the slopes' corners separately (a corner of weight 0 still has
        // a slope); in the interior they are the value's.
        let d0 = interior ? v0 : slope.0 + start, d1 = interior ? v1 : slope.1 + start
        let d2 = interior ? v2 : slope.2 + start, d3 = interior ? v3 : slope.3 + start
        let o0 = spread.0 + start, o1 = spread.1 + start, o2 = spread.2 + start, o3 = spread.3 + start
        var j = 0
        while j + 16 <= count {
            let i0 = load16(v0 + j), i1 = load16(v1 + j), i2 = load16(v2 + j), i3 = load16(v3 + j)
            let v = (b0 * i0).addingProduct(b1, i1).addingProduct(b2, i2).addingProduct(b3, i3)
            if wantColumns { store16(m16 * v, columns + j) }
            if spreading {
                let gc = load16(columnGradients + j)
                if wantMask { accMask = accMask.addingProduct(gc, v) }
                if wantOffset {
                    let e0 = interior ? i0 : load16(d0 + j), e1 = interior ? i1 : load16(d1 + j)
                    let e2 = interior ? i2 : load16(d2 + j), e3 = interior ? i3 : load16(d3 + j)
                    let gy = (y0 * e0).addingProduct(y1, e1).addingProduct(y2, e2).addingProduct(y3, e3)
                    let gx = (x0 * e0).addingProduct(x1, e1).addingProduct(x2, e2).addingProduct(x3, e3)
                    accY = accY.addingProduct(gc, gy)
                    accX = accX.addingProduct(gc, gx)
                }
                if wantInput {
                    store16(load16(o0 + j).addingProduct(s0, gc), o0 + j)
                    store16(load16(o1 + j).addingProduct(s1, gc), o1 + j)
                    store16(load16(o2 + j).addingProduct(s2, gc), o2 + j)
                    store16(load16(o3 + j).addingProduct(s3, gc), o3 + j)
                }
            }
            j += 16
        }
        var tailMask: Float = 0, tailY: Float = 0, tailX: Float = 0
        while j < count {
            let i0 = v0[j], i1 = v1[j], i2 = v2[j], i3 = v3[j]
            let v = (beta[0] * i0).addingProduct(beta[1], i1).addingProduct(beta[2], i2).addingProduct(beta[3], i3)
            if wantColumns { columns[j] = mask * v }
            if spreading {
                let gc = columnGradients[j]
                if wantMask { tailMask = tailMask.addingProduct(gc, v) }
                if wantOffset {
                    let e0 = d0[j], e1 = d1[j], e2 = d2[j], e3 = d3[j]
                    let gy = (dy[0] * e0).addingProduct(dy[1], e1).addingProduct(dy[2], e2).addingProduct(dy[3], e3)
                    let gx = (dx[0] * e0).addingProduct(dx[1], e1).addingProduct(dx[2], e2).addingProduct(dx[3], e3)
                    tailY = tailY.addingProduct(gc, gy)
                    tailX = tailX.addingProduct(gc, gx)
                }
                if wantInput {
                    o0[j] = o0[j].addingProduct(spreadWeight[0], gc)
                    o1[j] = o1[j].addingProduct(spreadWeight[1], gc)
                    o2[j] = o2[j].addingProduct(spreadWeight[2], gc)
                    o3[j] = o3[j].addingProduct(spreadWeight[3], gc)
                }
            }
            j += 1
        }
        maskSum += Self.sum(accMask) + tailMask
        ySum += Self.sum(accY) + tailY
        xSum += Self.sum(accX) + tailX
    }

    /// The lanes' sum as a tree of halves: vector adds down to four lanes. (The standard
    /// library's `sum()` became a chain of lane extractions and inserts here, once per sampling
    /// point and gradient.) A fixed order, so results stay deterministic.
    @inline(__always)
    private static func sum(_ v: SIMD16<Float>) -> Float {
        let eight = v.lowHalf + v.highHalf
        let four = eight.lowHalf + eight.highHalf
        return (four[0] + four[1]) + (four[2] + four[3])
    }
}

/// The cells of a chunk of 16 points (``BilinearCell16``) laid out lane by lane in memory, so
/// the per-point loop reads its lane's values as scalars rather than extracting vector lanes:
/// 16 interior flags, corner 00 offsets, each corner's weight, the fractions ly and lx, and the
/// mask values.
private struct CellLanes {
    static let floats = 9 * 16
    private let storage: UnsafeMutablePointer<Float>

    init(_ storage: UnsafeMutablePointer<Float>) { self.storage = storage }

    @inline(__always)
    func store(_ cell: BilinearCell16, mask: SIMD16<Float>) {
        raw(0).storeBytes(of: SIMD16<Int32>().replacing(with: 1, where: cell.interior), as: SIMD16<Int32>.self)
        raw(1).storeBytes(of: cell.base, as: SIMD16<Int32>.self)
        raw(2).storeBytes(of: cell.w0, as: SIMD16<Float>.self)
        raw(3).storeBytes(of: cell.w1, as: SIMD16<Float>.self)
        raw(4).storeBytes(of: cell.w2, as: SIMD16<Float>.self)
        raw(5).storeBytes(of: cell.w3, as: SIMD16<Float>.self)
        raw(6).storeBytes(of: cell.ly, as: SIMD16<Float>.self)
        raw(7).storeBytes(of: cell.lx, as: SIMD16<Float>.self)
        raw(8).storeBytes(of: mask, as: SIMD16<Float>.self)
    }

    /// No lane interior, and the lanes' mask values: planes too large for ``BilinearCell16``.
    @inline(__always)
    func storeNoInterior(mask: SIMD16<Float>) {
        raw(0).storeBytes(of: SIMD16<Int32>(), as: SIMD16<Int32>.self)
        raw(8).storeBytes(of: mask, as: SIMD16<Float>.self)
    }

    @inline(__always)
    func isInterior(_ lane: Int) -> Bool { raw(0).load(fromByteOffset: lane &* 4, as: Int32.self) != 0 }

    @inline(__always)
    func base(_ lane: Int) -> Int { Int(raw(1).load(fromByteOffset: lane &* 4, as: Int32.self)) }

    /// β_k of corner k.
    @inline(__always)
    func weight(_ k: Int, _ lane: Int) -> Float { storage[(2 &+ k) &* 16 &+ lane] }

    @inline(__always)
    func ly(_ lane: Int) -> Float { storage[6 &* 16 &+ lane] }

    @inline(__always)
    func lx(_ lane: Int) -> Float { storage[7 &* 16 &+ lane] }

    @inline(__always)
    func mask(_ lane: Int) -> Float { storage[8 &* 16 &+ lane] }

    /// The mask values of lanes 0..<8 (`half` 0) or 8..<16 (1).
    @inline(__always)
    func masks(_ half: Int) -> SIMD8<Float> { TileTranspose.load(storage + (8 &* 16 &+ half &* 8)) }

    @inline(__always)
    private func raw(_ slot: Int) -> UnsafeMutableRawPointer { UnsafeMutableRawPointer(storage + slot &* 16) }
}

/// ``CellPass`` for an interior cell (``BilinearCell16``): its four corners are on the image with
/// non-zero weights, so the value, the slopes and the spread read and write the same four
/// places, a pixel and an image row apart, and no corner needs the zeros or the sink. The slopes
/// are ``BilinearCell``'s corner differences, ∂v/∂y = hx·(I₁₀ − I₀₀) + lx·(I₁₁ − I₀₁) and
/// ∂v/∂x = hy·(I₀₁ − I₀₀) + ly·(I₁₁ − I₁₀): each difference's products with the column gradient
/// are summed over the channels and weighted once per point, a subtraction and a multiply-add
/// per difference and channel where the expanded form (``CellPass``) takes ten multiply-adds
/// per channel. The spread adds β_k·(m·g) to corner k.
private struct InteriorPass {
    let wantColumns: Bool, wantMask: Bool, wantOffset: Bool, wantInput: Bool

    /// The point of lane `lane` of `cells`: its runs of channels from `image` and `partial`
    /// (corner 00, the offset group's channel 0; a pixel is `step` floats, an image row
    /// `rowStep`), `columns` and `columnGradients` at the point's place in the column row (run
    /// destinations added). Returns Σ g·v, Σ g·∂v/∂y and Σ g·∂v/∂x over the channels, each as
    /// 8 lanes still to be added.
    @inline(__always)
    func apply(
        runs: UnsafeBufferPointer<GatherRun>, image: UnsafePointer<Float>, partial: UnsafeMutablePointer<Float>,
        step: Int, rowStep: Int, cells: CellLanes, lane: Int, columns: UnsafeMutablePointer<Float>,
        columnGradients: UnsafeMutablePointer<Float>
    ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let beta = SIMD4(cells.weight(0, lane), cells.weight(1, lane), cells.weight(2, lane), cells.weight(3, lane))
        let mask = cells.mask(lane)
        let b0 = SIMD16(repeating: beta[0]), b1 = SIMD16(repeating: beta[1])
        let b2 = SIMD16(repeating: beta[2]), b3 = SIMD16(repeating: beta[3])
        let mv = SIMD16<Float>(repeating: mask)
        let spreading = wantMask || wantOffset || wantInput
        // Sixteen channels a step, each step's two halves folded into eight-lane sums. On AVX2
        // values spill at this width, yet eight-channel steps that fit its 16 registers were
        // slower (docs/design-measurements.md).
        var accMask = SIMD8<Float>(), accA = SIMD8<Float>(), accB = SIMD8<Float>()
        var accC = SIMD8<Float>(), accD = SIMD8<Float>()
        @inline(__always) func add(_ acc: inout SIMD8<Float>, _ g: SIMD16<Float>, _ d: SIMD16<Float>) {
            acc = acc.addingProduct(g.lowHalf, d.lowHalf).addingProduct(g.highHalf, d.highHalf)
        }
        // The scalar tails' Σ g·v and the four differences' sums.
        var tailMask: Float = 0, tailA: Float = 0, tailB: Float = 0, tailC: Float = 0, tailD: Float = 0
        for run in runs {
            let i0 = image + run.start, i1 = i0 + step, i2 = i0 + rowStep, i3 = i2 + step
            let o0 = partial + run.start, o1 = o0 + step, o2 = o0 + rowStep, o3 = o2 + step
            let out = columns + run.destination, gradients = columnGradients + run.destination
            var j = 0
            while j &+ 16 <= run.count {
                let e0 = load16(i0 + j), e1 = load16(i1 + j), e2 = load16(i2 + j), e3 = load16(i3 + j)
                let v = (b0 * e0).addingProduct(b1, e1).addingProduct(b2, e2).addingProduct(b3, e3)
                if wantColumns { store16(mv * v, out + j) }
                if spreading {
                    let g = load16(gradients + j)
                    if wantMask { add(&accMask, g, v) }
                    if wantOffset {
                        add(&accA, g, e2 - e0)
                        add(&accB, g, e3 - e1)
                        add(&accC, g, e1 - e0)
                        add(&accD, g, e3 - e2)
                    }
                    if wantInput {
                        let mg = mv * g
                        store16(load16(o0 + j).addingProduct(b0, mg), o0 + j)
                        store16(load16(o1 + j).addingProduct(b1, mg), o1 + j)
                        store16(load16(o2 + j).addingProduct(b2, mg), o2 + j)
                        store16(load16(o3 + j).addingProduct(b3, mg), o3 + j)
                    }
                }
                j &+= 16
            }
            while j < run.count {
                let e0 = i0[j], e1 = i1[j], e2 = i2[j], e3 = i3[j]
                let v = (beta[0] * e0).addingProduct(beta[1], e1).addingProduct(beta[2], e2).addingProduct(beta[3], e3)
                if wantColumns { out[j] = mask * v }
                if spreading {
                    let g = gradients[j]
                    if wantMask { tailMask = tailMask.addingProduct(g, v) }
                    if wantOffset {
                        tailA = tailA.addingProduct(g, e2 - e0)
                        tailB = tailB.addingProduct(g, e3 - e1)
                        tailC = tailC.addingProduct(g, e1 - e0)
                        tailD = tailD.addingProduct(g, e3 - e2)
                    }
                    if wantInput {
                        let mg = mask * g
                        o0[j] = o0[j].addingProduct(beta[0], mg)
                        o1[j] = o1[j].addingProduct(beta[1], mg)
                        o2[j] = o2[j].addingProduct(beta[2], mg)
                        o3[j] = o3[j].addingProduct(beta[3], mg)
                    }
                }
                j &+= 1
            }
        }
        // The tails' sums join as a ninth lane-0 term: lanes are added later, so any lane serves.
        @inline(__always) func lanes(_ v: SIMD8<Float>, _ tail: Float) -> SIMD8<Float> {
            v + SIMD8(tail, 0, 0, 0, 0, 0, 0, 0)
        }
        let sumMask = lanes(accMask, tailMask), sumA = lanes(accA, tailA), sumB = lanes(accB, tailB)
        let sumC = lanes(accC, tailC), sumD = lanes(accD, tailD)
        let ly = SIMD8(repeating: cells.ly(lane)), lx = SIMD8(repeating: cells.lx(lane))
        return (sumMask, (1 - lx) * sumA + lx * sumB, (1 - ly) * sumC + ly * sumD)
    }
}

private extension UnsafePointer<Float> {
    /// A placeholder before `CellPass.start` sets the corners.
    static var zero: UnsafePointer<Float> { UnsafePointer(bitPattern: MemoryLayout<Float>.alignment)! }
}

private extension UnsafeMutablePointer<Float> {
    static var zero: UnsafeMutablePointer<Float> { UnsafeMutablePointer(bitPattern: MemoryLayout<Float>.alignment)! }
}

/// Sixteen floats loaded from or stored to any alignment: the vector steps of this file's passes.
@inline(__always)
private func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
private func load16(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
private func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}
