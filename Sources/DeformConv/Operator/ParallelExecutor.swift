/// Where a multi-threaded kernel runs: a fixed set of workers, each calling `body` once.
///
/// `blockedGather` splits its work over `workerCount` workers and gives each its own workspace,
/// so it does not care how the threads are made: the serial executor here, or a pinned thread
/// pool (the Topology module's) that owns and binds its threads.
public protocol ParallelExecutor: Sendable {
    /// Workers taking part in every `run`; the kernel sizes its per-worker workspace by it.
    var workerCount: Int { get }
    /// Calls `body(w)` once for every worker w in 0..<workerCount, concurrently, and returns
    /// when all have returned.
    func run(_ body: @Sendable (_ worker: Int) -> Void)
}

/// One worker: the calling thread.
public struct SerialExecutor: ParallelExecutor {
    public init() {}
    public var workerCount: Int { 1 }
    public func run(_ body: @Sendable (_ worker: Int) -> Void) { body(0) }
}
