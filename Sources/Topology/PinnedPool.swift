import CHwloc
import Foundation
import Synchronization

/// T persistent threads, each bound to its CPU set from inside itself, the calling thread being
/// worker 0 (T threads use T CPUs, not T + 1).
///
/// `run(body)` starts every worker on `body(worker)` at once and returns when all are done; it
/// records per run the wall time, each worker's CPU time and the PUs it ran on, so a harness
/// can flag preemption (wall ≫ CPU) and migration. Dispatch cannot offer this: it reuses global
/// threads, and a binding made inside an iteration leaks into later, unrelated work.
///
/// `run` is not reentrant; call it from one thread at a time. If it is called from a thread other
/// than the last caller, that thread is bound as worker 0 in turn (and keeps that binding).
/// Shut a pool down on the thread that created it to give that thread its binding back.
public final class PinnedPool: @unchecked Sendable {
    public let threadCount: Int
    /// Worker i's CPU set; nil for an unbound worker.
    public let bindings: [CPUSet?]
    private let state: PoolState
    private var threads: [pthread_t] = []
    /// The thread bound as worker 0 (its original binding is restored when the last pool
    /// holding it shuts down, see `CallerBindings`).
    private var caller: pthread_t?
    private var isShutDown = false

    /// Spin rounds before a waiting thread sleeps: about a third of a millisecond here when every
    /// worker has a PU of its own; a token amount when threads are unbound or outnumber the
    /// allowed PUs, where a spinner would only delay the thread it waits for.
    static func spinRounds(bindings: [CPUSet?], allowedPUs: Int) -> Int {
        bindings.allSatisfy { $0 != nil } && bindings.count <= allowedPUs ? 20_000 : 100
    }

    /// A pool of `threads` workers placed by `placement` (`smt`: count PUs, not cores).
    public convenience init(threads: Int, placement: Placement, smt: Bool = false) throws {
        let topology = try MachineTopology.shared()
        try self.init(bindings: placement.cpuSets(threads: threads, on: topology, smt: smt), topology: topology)
    }

    /// A pool with one worker per entry of `bindings`, bound as given (nil: unbound). Binding
    /// errors (a set the OS refuses) are thrown with hwloc's errno text.
    public init(bindings: [CPUSet?], topology: MachineTopology) throws {
        guard !bindings.isEmpty else {
            throw TopologyError.invalidArgument(name: "thread count", reason: "must be at least 1, got 0")
        }
        threadCount = bindings.count
        self.bindings = bindings
        state = PoolState(topology: topology, bindings: bindings)
        do {
            try bindCaller()
            try startWorkers()
        } catch {
            shutdown()
            throw error
        }
    }

    deinit { shutdown() }

    private func bindCaller() throws {
        guard let set = bindings[0] else { return }
        try CallerBindings.bind(set, topology: state.topology)
        caller = pthread_self()
    }

    private func startWorkers() throws {
        guard threadCount > 1 else { return }
        state.pending.store(threadCount - 1, ordering: .releasing)
        for worker in 1..<threadCount {
            let context = Unmanaged.passRetained(WorkerContext(state: state, worker: worker)).toOpaque()
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, pinnedPoolWorkerMain, context)
            guard status == 0 else {
                Unmanaged<WorkerContext>.fromOpaque(context).release()
                // Workers already started still count down; account for those that never will.
                state.pending.subtract(threadCount - worker, ordering: .acquiringAndReleasing)
                throw TopologyError.threadStart(worker: worker, reason: errnoText(status))
            }
            threads.append(thread)
        }
        // Every worker binds itself, then checks in.
        state.done.wait(spins: state.spinRounds) { state.pending.load(ordering: .acquiring) == 0 }
        for worker in 1..<threadCount where state.slot(worker).pointee.bindError != 0 {
            throw TopologyError.bindFailed(
                worker: worker, cpuset: bindings[worker]?.description ?? "-",
                reason: errnoText(state.slot(worker).pointee.bindError))
        }
    }

    /// Binds the calling thread to worker 0's set again: for a caller that alternates between
    /// pools (each binds it when created and when it changes threads, not on every run).
    public func rebindCaller() {
        guard let set = bindings[0] else { return }
        hwloc_set_cpubind(state.topology.handle, set.bitmap, dcn_hwloc_cpubind_thread())
    }

    /// Calls `body(w)` for every worker w, concurrently, each on its own thread (worker 0 on
    /// the calling thread); returns when all have returned.
    public func run(_ body: @Sendable (_ worker: Int) -> Void) {
        precondition(!isShutDown, "run on a pool that was shut down")
        if let bound = caller, pthread_equal(bound, pthread_self()) == 0, let set = bindings[0] {
            // A new calling thread becomes worker 0; the previous one keeps its binding.
            if hwloc_set_cpubind(state.topology.handle, set.bitmap, dcn_hwloc_cpubind_thread()) == 0 {
                caller = pthread_self()
            }
        }
        withoutActuallyEscaping(body) { body in
            state.body = body
            let start = DispatchTime.now().uptimeNanoseconds
            if threadCount > 1 {
                state.pending.store(threadCount - 1, ordering: .releasing)
                state.generation.add(1, ordering: .releasing)
                state.start.notify()
            }
            state.execute(worker: 0)
            if threadCount > 1 {
                state.done.wait(spins: state.spinRounds) { state.pending.load(ordering: .acquiring) == 0 }
            }
            state.lastWallSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            state.body = nil
        }
    }

    /// Whether `run` measures each worker's CPU time and PUs (two clock reads and two CPU
    /// look-ups per worker, about 0.5 µs here). Off, `lastRun` keeps the last recorded values.
    public var recordsRuns: Bool {
        get { state.recording }
        set { state.recording = newValue }
    }

    /// What the last `run` measured.
    public var lastRun: PoolRun {
        PoolRun(
            wallSeconds: state.lastWallSeconds,
            workers: (0..<threadCount).map { w in
                let slot = state.slot(w).pointee
                return PoolRun.Worker(
                    cpuSeconds: slot.cpuSeconds, startPU: Int(slot.startPU), endPU: Int(slot.endPU),
                    lastPU: Int(slot.lastPU), binding: bindings[w])
            })
    }

    /// Kernel thread ids of the workers (worker 0: the calling thread), for tests and reports.
    public var workerThreadIDs: [Int] { (0..<threadCount).map { state.slot($0).pointee.tid } }

    /// The name of worker w's thread (w ≥ 1): `dcnpoolN-wW`, N numbering the pools of the process.
    public func threadName(worker: Int) -> String { "dcnpool\(state.serial)-w\(worker)" }

    /// Stops and joins every worker thread and restores the caller's binding; idempotent.
    public func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        if !threads.isEmpty {
            state.stopping.store(true, ordering: .releasing)
            state.generation.add(1, ordering: .releasing)
            state.start.notify()
            for thread in threads { pthread_join(thread, nil) }
            threads = []
        }
        if let bound = caller, pthread_equal(bound, pthread_self()) != 0 {
            CallerBindings.release(topology: state.topology)
        }
        caller = nil
    }
}

/// One run as the pool saw it.
public struct PoolRun: Sendable, Equatable {
    public struct Worker: Sendable, Equatable {
        /// CPU time of the thread during `body`.
        public var cpuSeconds: Double
        /// PU at the start and end of `body` (`sched_getcpu`).
        public var startPU: Int
        public var endPU: Int
        /// Where hwloc last saw the thread (`hwloc_get_last_cpu_location`).
        public var lastPU: Int
        public var binding: CPUSet?

        /// Ran on a PU outside its binding, or changed PU during the run.
        public var migrated: Bool {
            if startPU != endPU { return true }
            guard let binding else { return false }
            return ![startPU, endPU, lastPU].allSatisfy(binding.contains)
        }
    }

    public var wallSeconds: Double
    public var workers: [Worker]

    public var anyMigrated: Bool { workers.contains(where: \.migrated) }
    /// The PUs the workers ran on, in worker order (their last location).
    public var pus: [Int] { workers.map(\.lastPU) }

    /// Whether some worker got much less CPU than the wall time: preempted or descheduled.
    /// `fraction` is the CPU/wall share below which it counts (CPU clocks tick in coarse steps,
    /// so very short runs are not judged).
    public func preempted(below fraction: Double = 0.8, minimumWallSeconds: Double = 1e-3) -> Bool {
        guard wallSeconds >= minimumWallSeconds else { return false }
        return workers.contains { $0.cpuSeconds < fraction * wallSeconds }
    }
}

/// What worker threads share with the pool; the pool owns it, workers retain it.
final class PoolState: @unchecked Sendable {
    struct Slot {
        var cpuSeconds = 0.0
        var tid = 0
        var startPU: Int32 = -1
        var endPU: Int32 = -1
        var lastPU: Int32 = -1
        var bindError: Int32 = 0
    }

    let topology: MachineTopology
    let bindings: [CPUSet?]
    let generation = Atomic<Int>(0)
    let pending = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    let start = WakeSignal()
    let done = WakeSignal()
    /// Per-worker records, one cache line apart (written only by their worker).
    private let slotStride: Int
    private let raw: UnsafeMutableRawPointer
    private let locations: [hwloc_bitmap_t]
    /// Set by `run` before publishing a generation, read by workers after seeing it.
    nonisolated(unsafe) var body: ((Int) -> Void)?
    var lastWallSeconds = 0.0
    /// Written by `run`'s caller only between runs; workers read it after the generation hand-off.
    nonisolated(unsafe) var recording = true
    let spinRounds: Int
    /// Numbers the pools of the process, for thread names.
    let serial = PoolState.serials.add(1, ordering: .relaxed).newValue
    static let serials = Atomic<Int>(0)

    init(topology: MachineTopology, bindings: [CPUSet?]) {
        self.topology = topology
        self.bindings = bindings
        spinRounds = PinnedPool.spinRounds(bindings: bindings, allowedPUs: topology.allowedCPUs.count)
        slotStride = max(64, MemoryLayout<Slot>.stride)
        raw = .allocate(byteCount: slotStride * bindings.count, alignment: 64)
        for w in 0..<bindings.count {
            (raw + w * slotStride).initializeMemory(as: Slot.self, repeating: Slot(), count: 1)
        }
        locations = bindings.map { _ in newBitmap() }
    }

    deinit {
        raw.deallocate()
        locations.forEach { hwloc_bitmap_free($0) }
    }

    func slot(_ w: Int) -> UnsafeMutablePointer<Slot> {
        (raw + w * slotStride).assumingMemoryBound(to: Slot.self)
    }

    /// Runs the current body as worker `w` and records its CPU time and PUs.
    func execute(worker w: Int) {
        guard recording else {
            body?(w)
            return
        }
        let cpuStart = threadCPUSeconds()
        let startPU = sched_getcpu()
        body?(w)
        let endPU = sched_getcpu()
        let slot = self.slot(w)
        slot.pointee.cpuSeconds = threadCPUSeconds() - cpuStart
        slot.pointee.startPU = startPU
        slot.pointee.endPU = endPU
        if hwloc_get_last_cpu_location(topology.handle, locations[w], dcn_hwloc_cpubind_thread()) == 0 {
            slot.pointee.lastPU = hwloc_bitmap_first(locations[w])
        }
    }

    /// A worker thread's life: bind, check in, then one `execute` per generation until stopped.
    func workerLoop(_ w: Int) {
        let slot = self.slot(w)
        slot.pointee.tid = dcn_gettid()
        dcn_set_thread_name("dcnpool\(serial)-w\(w)")
        if let set = bindings[w], hwloc_set_cpubind(topology.handle, set.bitmap, dcn_hwloc_cpubind_thread()) != 0 {
            slot.pointee.bindError = errno
        }
        // Generation 0 is the pool's start: no run can be published before every worker checked in,
        // only a shutdown, which this then sees.
        var seen = 0
        if pending.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { done.notify() }
        while true {
            start.wait(spins: spinRounds) { generation.load(ordering: .acquiring) != seen }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            execute(worker: w)
            if pending.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { done.notify() }
        }
    }
}

/// CPU time of the calling thread.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

final class WorkerContext {
    let state: PoolState
    let worker: Int
    init(state: PoolState, worker: Int) {
        self.state = state
        self.worker = worker
    }
}

/// Thread entry point: a free function, since a closure formed in main-actor code would be
/// main-actor isolated under Swift 6 and trap on the worker thread.
private func pinnedPoolWorkerMain(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let context = Unmanaged<WorkerContext>.fromOpaque(argument!).takeRetainedValue()
    context.state.workerLoop(context.worker)
    return nil
}

/// The PU (OS index) the calling thread is running on now.
public func currentPU() -> Int { Int(sched_getcpu()) }
