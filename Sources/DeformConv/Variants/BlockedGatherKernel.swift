/// `blockedGather`: the design OpenVINO, ONNX Runtime and DCNv4 converge on.
///
/// Work is split into (image, pixel block) units, dealt round-robin to the executor's workers.
/// Per unit: build the ``SamplingPlan`` once per (offset group, tap, pixel) – mask folded in,
/// off-image corners with weight 0 – then gather every input channel through it into a column
/// block [C_in·kh·kw, block] (the plan is reused by all C_in/OG channels of its offset group),
/// and multiply by the weights with the register-blocked ``MicroKernel8x32``. The block is sized
/// so that plan and columns take about half of `cacheBytes`. Each worker owns its plan and
/// columns; the units write disjoint output pixels.
final class BlockedGatherKernel: ForwardKernel, @unchecked Sendable {
    private let executor: any ParallelExecutor
    /// Pixels per block: a multiple of the micro-kernel's 32 columns.
    private let blockPixels: Int
    private let columnFloats: Int
    private let plans: [SamplingPlan]
    private let columns: [UnsafeMutablePointer<Float>]
    /// Plan entries built per worker, one cache line apart.
    private let builtCounts: UnsafeMutablePointer<Int>
    private static let countStride = 8
    private(set) var planEntriesBuilt: Int?
    let workspaceBytes: Int

    init(geometry: DeformConvGeometry, options: ForwardOptions) {
        executor = options.executor
        let rows = geometry.inChannels * geometry.taps
        let bytesPerPixel = rows * MemoryLayout<Float>.size
            + SamplingPlan.bytes(geometry: geometry, capacity: 1)
        let workers = executor.workerCount
        // Enough units for every worker even at batch 1: split an image's pixels over the
        // workers when the batch alone does not give each one an image.
        let splitsPerImage = (workers + geometry.batch - 1) / geometry.batch
        let blockPixels = options.blockPixels(
            bytesPerPixel: bytesPerPixel, multiple: MicroKernel8x32.columns,
            outPixels: (geometry.outPixels + splitsPerImage - 1) / splitsPerImage)
        let columnFloats = rows * blockPixels
        self.blockPixels = blockPixels
        self.columnFloats = columnFloats
        plans = (0..<workers).map { _ in SamplingPlan(geometry: geometry, capacity: blockPixels) }
        columns = (0..<workers).map { _ in
            let block = UnsafeMutablePointer<Float>.allocate(capacity: columnFloats)
            block.initialize(repeating: 0, count: columnFloats)
            return block
        }
        builtCounts = .allocate(capacity: workers * Self.countStride)
        builtCounts.initialize(repeating: 0, count: workers * Self.countStride)
        workspaceBytes = workers * (SamplingPlan.bytes(geometry: geometry, capacity: blockPixels)
                                    + columnFloats * MemoryLayout<Float>.size)
    }

    deinit {
        plans.forEach { $0.deallocate() }
        columns.forEach { $0.deallocate() }
        builtCounts.deallocate()
    }


    func forward(_ p: ForwardProblem) {
        let blocksPerImage = (p.outPixels + blockPixels - 1) / blockPixels
        let units = p.geometry.batch * blocksPerImage
        let workers = executor.workerCount
        // One scan decides the gather path for the call: all-finite input may read zero-weight corners.
        let finite = PlanGather.allFinite(p.input, count: p.geometry.batch * p.inChannels * p.planeSize)
        executor.run { worker in
            var built = 0
            for unit in stride(from: worker, to: units, by: workers) {
                let n = unit / blocksPerImage
                let first = (unit % blocksPerImage) * blockPixels
                let pixels = min(blockPixels, p.outPixels - first)
                built += plans[worker].build(p, n: n, first: first, count: pixels)
                gather(p, n: n, pixels: pixels, plan: plans[worker], finite: finite, into: columns[worker])
                multiply(p, n: n, first: first, pixels: pixels, columns: columns[worker])
            }
            builtCounts[worker * Self.countStride] = built
        }
        planEntriesBuilt = (0..<workers).reduce(0) { $0 + builtCounts[$1 * Self.countStride] }
    }

    /// Column row (c·kh·kw + t), entry q = channel c's sample at tap t, pixel q of the block,
    /// through the plan of c's offset group; entries past `pixels` up to the next 32 come out 0
    /// (the plan's padding), as the micro-kernel needs. Finite input takes the vector path.
    private func gather(_ p: ForwardProblem, n: Int, pixels: Int, plan: SamplingPlan, finite: Bool,
                        into columns: UnsafeMutablePointer<Float>) {
        let padded = min((pixels + 31) / 32 * 32, blockPixels)
        for c in 0..<p.inChannels {
            let og = c / p.offsetGroupChannels
            let plane = p.inputPlane(n: n, c: c)
            for t in 0..<p.taps {
                let row = columns + (c * p.taps + t) * blockPixels
                if finite {
                    PlanGather.finite(plan, og: og, t: t, plane: plane, count: padded, into: row)
                } else {
                    PlanGather.general(plan, og: og, t: t, plane: plane, count: padded, into: row)
                }
            }
        }
    }

    /// Output rows co, pixels first..<first+pixels = bias + W[co, group's rows]·columns.
    private func multiply(_ p: ForwardProblem, n: Int, first: Int, pixels: Int,
                          columns: UnsafeMutablePointer<Float>) {
        let depth = p.groupIn * p.taps
        for group in 0..<p.geometry.groups {
            let b = columns + group * depth * blockPixels  // the group's channels are contiguous rows
            for co in stride(from: group * p.groupOut, to: (group + 1) * p.groupOut, by: MicroKernel8x32.rows) {
                let rows = min(MicroKernel8x32.rows, (group + 1) * p.groupOut - co)
                var bias = SIMD8<Float>()
                if let values = p.bias { for r in 0..<rows { bias[r] = values[co + r] } }
                for j in stride(from: 0, to: pixels, by: MicroKernel8x32.columns) {
                    MicroKernel8x32.run(
                        rows: rows, cols: min(MicroKernel8x32.columns, pixels - j), k: depth,
                        a: p.weightRow(co: co), lda: depth, b: b + j, ldb: blockPixels,
                        c: p.outputPlane(n: n, co: co) + first + j, ldc: p.outPixels, bias: bias)
                }
            }
        }
    }
}
