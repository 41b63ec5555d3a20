import Dispatch

/// `dispatch`: the `tiled` blocks, independent by construction (each writes its own pixels of
/// the output), spread with `DispatchQueue.concurrentPerform`. Each iteration owns a plan and
/// column workspace and takes every `slots`-th block, so the hot path has no locks or shared
/// counters. Dispatch chooses and reuses its threads: nothing here is pinned.
final class DispatchKernel: ForwardKernel, @unchecked Sendable {
    private let blocks: ColumnBlocks
    private let slots: Int
    private let workspaces: [(plan: SamplingPlan, columns: UnsafeMutablePointer<Float>)]
    /// Plan entries built per slot, one cache line apart.
    private let builtCounts: WorkerCounts
    private(set) var planEntriesBuilt: Int?

    init(geometry: DeformConvGeometry, options: KernelOptions) {
        let blocks = ColumnBlocks(geometry: geometry, options: options, workers: options.dispatchWorkers)
        self.blocks = blocks
        slots = min(options.dispatchWorkers, blocks.count)
        workspaces = (0..<slots).map { _ in blocks.allocateWorkspace() }
        builtCounts = WorkerCounts(workers: slots)
    }

    deinit {
        workspaces.forEach {
            $0.plan.deallocate(); $0.columns.deallocate()
        }
        builtCounts.deallocate()
    }

    var workspaceBytes: Int { slots * blocks.blockBytes }

    func forward(_ p: ConvolutionCall) {
        DispatchQueue.concurrentPerform(iterations: slots) { slot in
            var built = 0
            for index in stride(from: slot, to: blocks.count, by: slots) {
                built += blocks.run(index, p, plan: workspaces[slot].plan, columns: workspaces[slot].columns)
            }
            builtCounts.set(slot, built)
        }
        planEntriesBuilt = builtCounts.total
    }
}
