import DeformConv
import Topology

/// A `ParallelExecutor` over a pinned pool: how `blockedGather` runs on bound threads. It keeps
/// a log across runs, so a sample of many kernel calls knows whether any worker migrated.
public struct PoolExecutor: ParallelExecutor {
    public let pool: PinnedPool
    let log = RunLog()

    public init(pool: PinnedPool) { self.pool = pool }
    public var workerCount: Int { pool.threadCount }

    public func run(_ body: @Sendable (Int) -> Void) {
        pool.run(body)
        if pool.recordsRuns {
            let record = pool.lastRun
            log.migrated = log.migrated || record.anyMigrated
            log.pus.formUnion(record.pus)
        }
    }

    /// Clears the log and returns what it held.
    func drain() -> (migrated: Bool, pus: Set<Int>) {
        defer { log.migrated = false; log.pus = [] }
        return (log.migrated, log.pus)
    }
}

/// Written by the thread that calls `run` only.
final class RunLog: @unchecked Sendable {
    var migrated = false
    var pus = Set<Int>()
}
