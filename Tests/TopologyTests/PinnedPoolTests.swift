import Foundation
import Synchronization
import Testing
import Topology

/// Counters the workers bump: one plain slot per worker (only its worker writes it; the pool's
/// hand-off orders it before `run` returns), one cache line apart, and atomic run-wide totals.
final class Tally: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Int>
    let workers: Int
    let total = Atomic<Int>(0)
    let wrong = Atomic<Int>(0)
    init(workers: Int) {
        self.workers = workers
        slots = .allocate(capacity: workers * 8)
        slots.initialize(repeating: 0, count: workers * 8)
    }
    deinit { slots.deallocate() }
    func bump(_ worker: Int) { slots[worker * 8] += 1 }
    var counts: [Int] { (0..<workers).map { slots[$0 * 8] } }
}

@Suite("Pinned pool", .serialized)
struct PinnedPoolTests {
    @Test("close placement, T = cores: every worker runs only on its own PU, run after run")
    func binding() throws {
        let topology = try MachineTopology.shared()
        let cores = topology.corePUs.count
        let pool = try PinnedPool(threads: cores, placement: .close)
        let expected = topology.corePUs.map { $0[0] }
        let observed = Tally(workers: cores)
        for _ in 0..<2000 {
            pool.run { worker in
                observed.bump(worker)
                if currentPU() != expected[worker] { observed.wrong.add(1, ordering: .relaxed) }
            }
            #expect(pool.lastRun.pus == expected)
            #expect(!pool.lastRun.anyMigrated)
        }
        #expect(observed.wrong.load(ordering: .relaxed) == 0, "a worker observed a PU other than its own")
        #expect(observed.counts == Array(repeating: 2000, count: cores))
        #expect(pool.bindings.map { $0!.indices } == expected.map { [$0] })
    }

    @Test("10,000 rapid runs: each worker called exactly once per run, none lost")
    func stress() throws {
        let threads = try MachineTopology.shared().corePUs.count
        // Unbound too: with more workers than cores, so wake-ups race with preemption.
        for pool in [
            try PinnedPool(threads: threads, placement: .close),
            try PinnedPool(threads: threads + 2, placement: .none),
        ] {
            let tally = Tally(workers: pool.threadCount)
            var badRuns = 0
            for run in 1...10_000 {
                pool.run { worker in
                    tally.bump(worker)
                    tally.total.add(1, ordering: .relaxed)
                }
                // run returned: every worker finished this run's call, and no more.
                if tally.total.load(ordering: .relaxed) != run * pool.threadCount { badRuns += 1 }
            }
            #expect(badRuns == 0)
            #expect(tally.counts == Array(repeating: 10_000, count: pool.threadCount))
        }
    }

    @Test("shutdown joins every worker thread")
    func teardown() throws {
        let pool = try PinnedPool(threads: 4, placement: .none)
        pool.run { _ in }
        let names = (1..<4).map { pool.threadName(worker: $0) }
        /// Names of this process's threads now (a thread id alone could be reused by another test).
        func liveNames() -> Set<String> {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return Set(
                tasks.compactMap {
                    try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8).trimmingCharacters(
                        in: .newlines)
                })
        }
        #expect(Set(names).isSubset(of: liveNames()))
        pool.shutdown()
        // Joined threads leave the task list; the kernel reaps them just after the join returns,
        // so allow it a moment (a thread that was not joined would stay much longer: forever).
        let deadline = Date().addingTimeInterval(2)
        while !Set(names).isDisjoint(with: liveNames()) && Date() < deadline { usleep(1000) }
        #expect(Set(names).isDisjoint(with: liveNames()))
        pool.shutdown()  // idempotent
    }

    @Test("the run record: wall time covers the slowest worker, CPU time is per worker")
    func records() throws {
        let pool = try PinnedPool(threads: 2, placement: .none)
        pool.run { worker in
            if worker == 1 { usleep(20_000) }  // sleeping: wall time without CPU time
        }
        let record = pool.lastRun
        #expect(record.wallSeconds >= 0.02)
        #expect(record.workers[1].cpuSeconds < 0.01)
        #expect(record.preempted(), "a worker with CPU ≪ wall is flagged")
        #expect(record.workers.allSatisfy { $0.binding == nil && $0.lastPU >= 0 })
        pool.recordsRuns = false
        pool.run { _ in }
        #expect(pool.lastRun.workers == record.workers, "unrecorded runs leave the record alone")
    }

}

@Suite("Caller bindings", .serialized)
struct CallerBindingTests {
    @Test("pools shut down in any order give the thread its original binding back")
    func anyOrder() throws {
        let cores = try MachineTopology.shared().corePUs
        guard cores.count >= 2 else { return }  // needs two places to tell bindings apart
        let a = try PinnedPool(threads: 1, placement: .pus([cores[0][0]]))
        let b = try PinnedPool(threads: 1, placement: .pus([cores[1][0]]))
        b.run { _ in }
        #expect(b.lastRun.pus == [cores[1][0]])
        a.rebindCaller()
        a.run { _ in }
        #expect(a.lastRun.pus == [cores[0][0]])
        a.shutdown()  // creation order, not reverse
        b.shutdown()
        // Unbound again: a child process started now may use every allowed CPU.
        #expect(try childAllowedCPUs() == MachineTopology.shared().allowedCPUs.description)
    }
}

/// The CPUs a child process started from this thread may use (its Cpus_allowed_list), as hwloc
/// would list them: what a program started now inherits.
func childAllowedCPUs() throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/grep")
    process.arguments = ["Cpus_allowed_list", "/proc/self/status"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let list =
        String(decoding: data, as: UTF8.self).split(separator: ":").last.map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        } ?? ""
    return try CPUSet(list: list).description
}

@Suite("Pool memory")
struct PoolMemoryTests {
    @Test("allocate is page-aligned, firstTouch writes every byte through the workers, deallocate frees")
    func firstTouch() throws {
        let pool = try PinnedPool(threads: try MachineTopology.shared().corePUs.count, placement: .close)
        defer { pool.shutdown() }
        let bytes = (1 << 20) + 13  // not a multiple of the workers or of a page
        let memory = try pool.allocate(bytes: bytes)
        #expect(Int(bitPattern: memory.baseAddress) % 4096 == 0)
        memory.initializeMemory(as: UInt8.self, repeating: 0xA5)
        pool.firstTouch(memory)
        #expect(memory.allSatisfy { $0 == 0 })
        pool.deallocate(memory)
        #expect(throws: TopologyError.self) { try pool.allocate(bytes: 0) }
    }
}
