import ArgumentParser
import Bench
import Foundation
import Topology

struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Print the machine as hwloc sees it, restricted to the CPUs this process may use.",
        discussion: """
            With --threads T, the plan of --placement for T threads, without binding anything: \
            thread → PU → core → package → NUMA node (where its first-touched memory goes). With \
            --check-pool, also start a pinned pool and report the PUs its workers ran on over many \
            runs (used by the tests to show that `taskset` restrictions are honoured). hwloc's \
            HWLOC_SYNTHETIC describes a machine this one is not, for plans on big machines.

            Examples:
              dcnbench topology
              dcnbench topology --placement spread --threads 8
              HWLOC_SYNTHETIC="pack:2 numa:2 l3:2 core:4 pu:2" dcnbench topology --placement spread --threads 8
              taskset -c 0 dcnbench topology --json --check-pool 1
            """
    )

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Start a pool of this many threads and report where its workers ran.")
    var checkPool: Int?

    @Option(help: "Placement for --threads and --check-pool: close, spread, none or pus:LIST.")
    var placement = "close"

    @Option(help: "Print where this many threads would run under --placement (nothing is bound).")
    var threads: Int?

    @Option(help: "Runs of the pool for --check-pool.")
    var runs = 1000

    func run() throws {
        let topology: MachineTopology
        if let description = ProcessInfo.processInfo.environment[MachineTopology.syntheticVariable] {
            guard checkPool == nil else {
                throw BenchError(
                    "--check-pool starts threads on this machine, and \(MachineTopology.syntheticVariable) describes another: unset it"
                )
            }
            topology = try MachineTopology.synthetic(description)
        } else {
            topology = try MachineTopology.shared()
        }
        var report = TopologyReport(machine: MachineSummary(topology))
        if let threads {
            guard threads >= 1, threads <= Sweep.maxThreads else {
                throw BenchError("--threads \(threads): from 1 to \(Sweep.maxThreads)")
            }
            report.plan = .init(
                threads: threads, placement: placement,
                threadsPlaces: try Placement(parsing: placement).plan(threads: threads, on: topology))
        }
        if let threads = checkPool {
            guard threads >= 1, threads <= Sweep.maxThreads else {
                throw BenchError("--check-pool \(threads): from 1 to \(Sweep.maxThreads) threads")
            }
            guard runs >= 1, runs <= 10_000_000 else { throw BenchError("--runs \(runs): from 1 to 10000000") }
            let pool = try PinnedPool(threads: threads, placement: Placement(parsing: placement))
            var seen = Array(repeating: Set<Int>(), count: threads)
            for _ in 0..<max(runs, 1) {
                pool.run { _ in }
                for (w, worker) in pool.lastRun.workers.enumerated() {
                    seen[w].formUnion([worker.startPU, worker.endPU, worker.lastPU])
                }
            }
            report.pool = .init(
                threads: threads, placement: placement,
                bindings: pool.bindings.map { $0?.description ?? "unbound" },
                observedPUs: seen.map { $0.sorted() })
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.machine)
            if let plan = report.plan {
                print("plan: \(plan.threads) threads, placement \(plan.placement)")
                for (t, place) in plan.threadsPlaces.enumerated() {
                    guard let place else { print("thread \(t): unbound (the OS chooses)"); continue }
                    print(
                        "thread \(t) → PU \(place.pu) → core \(place.core) → package \(place.package.map(String.init) ?? "-") → NUMA node \(place.numaNode.map(String.init) ?? "-")"
                    )
                }
            }
            if let pool = report.pool {
                for w in 0..<pool.threads {
                    print(
                        "worker \(w): bound to \(pool.bindings[w]), ran on \(pool.observedPUs[w].map(String.init).joined(separator: ","))"
                    )
                }
            }
        }
    }
}

struct TopologyReport: Codable {
    struct Pool: Codable {
        var threads: Int
        var placement: String
        var bindings: [String]
        var observedPUs: [[Int]]
    }
    struct Plan: Codable {
        var threads: Int
        var placement: String
        var threadsPlaces: [PULocation?]
    }
    var machine: MachineSummary
    var plan: Plan?
    var pool: Pool?
}
