/// `tiled`: the im2col + GEMM design of ONNX Runtime (and, but for the shared sampling plan,
/// torchvision and mmcv) on one thread, block after block through one plan and column
/// workspace bounded by the tile (never the whole N·H_out·W_out matrix).
final class TiledKernel: ForwardKernel {
    private let blocks: ColumnBlocks
    private let plan: SamplingPlan
    private let columns: UnsafeMutablePointer<Float>
    private(set) var planEntriesBuilt: Int?

    init(geometry: DeformConvGeometry, options: KernelOptions) {
        blocks = ColumnBlocks(geometry: geometry, options: options)
        (plan, columns) = blocks.allocateWorkspace()
    }

    deinit {
        plan.deallocate()
        columns.deallocate()
    }

    var workspaceBytes: Int { blocks.blockBytes }

    func forward(_ p: ConvolutionCall) {
        var built = 0
        for index in 0..<blocks.count { built += blocks.run(index, p, plan: plan, columns: columns) }
        planEntriesBuilt = built
    }
}
