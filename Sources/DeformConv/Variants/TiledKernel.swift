/// `tiled`: the im2col + GEMM design of torchvision and mmcv on one thread, block after block
/// through one column workspace bounded by the tile (never the whole N·H_out·W_out matrix).
final class TiledKernel: ForwardKernel {
    private let blocks: ColumnBlocks
    private let columns: UnsafeMutablePointer<Float>

    init(geometry: DeformConvGeometry, options: ForwardOptions) {
        blocks = ColumnBlocks(geometry: geometry, options: options)
        columns = blocks.allocateColumns()
    }

    deinit { columns.deallocate() }

    var workspaceBytes: Int { blocks.columnBytes }

    func forward(_ p: ForwardProblem) {
        for index in 0..<blocks.count { blocks.run(index, p, columns: columns) }
    }
}
