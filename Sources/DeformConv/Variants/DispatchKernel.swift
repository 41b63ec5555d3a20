import Dispatch

/// `dispatch`: the `tiled` blocks, independent by construction (each writes its own rows ×
/// pixels of the output), spread with `DispatchQueue.concurrentPerform`. Each iteration owns a
/// column workspace and takes every `slots`-th block, so the hot path has no locks or shared
/// counters. Dispatch chooses and reuses its threads: nothing here is pinned.
final class DispatchKernel: ForwardKernel, @unchecked Sendable {
    private let blocks: ColumnBlocks
    private let slots: Int
    private let columns: [UnsafeMutablePointer<Float>]

    init(geometry: DeformConvGeometry, options: ForwardOptions) {
        let blocks = ColumnBlocks(geometry: geometry, options: options)
        self.blocks = blocks
        slots = min(options.dispatchWorkers, blocks.count)
        columns = (0..<slots).map { _ in blocks.allocateColumns() }
    }

    deinit { columns.forEach { $0.deallocate() } }

    var workspaceBytes: Int { slots * blocks.columnBytes }

    func forward(_ p: ForwardProblem) {
        DispatchQueue.concurrentPerform(iterations: slots) { slot in
            for index in stride(from: slot, to: blocks.count, by: slots) {
                blocks.run(index, p, columns: columns[slot])
            }
        }
    }
}
