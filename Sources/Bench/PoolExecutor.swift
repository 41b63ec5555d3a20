import DeformConv
import Topology

/// A `ParallelExecutor` over a pinned pool: how `blockedGather` runs on bound threads.
public struct PoolExecutor: ParallelExecutor {
    public let pool: PinnedPool
    public init(pool: PinnedPool) { self.pool = pool }
    public var workerCount: Int { pool.threadCount }
    public func run(_ body: @Sendable (Int) -> Void) { pool.run(body) }
}
