import ArgumentParser
import Bench
import Foundation
import Topology

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Measure the machine: fp32 FMA peak, GEMM roof, STREAM triad bandwidth, pool hand-off cost.",
        discussion: """
            Threads are placed `close` (one per core). The peak probe runs a register-resident \
            SIMD16 FMA loop on every worker at once; the GEMM roof the build's GEMM micro-kernel on \
            operands resident in L1 (its ceiling, with nothing around it); the triad streams arrays of 4x the last-level \
            cache, first-touched by their owners; the overhead probe times empty runs of the pinned \
            pool against empty DispatchQueue.concurrentPerform calls. `sweep` runs the peak and triad \
            probes too and records them in its context (and pct_peak in its rows).

            Examples:
              dcnbench probe
              dcnbench probe --threads 1 --json
            """
    )

    @Option(
        help: "Thread counts (default 1…cores).",
        transform: { text in
            try ValueList(text) { part in
                guard let t = Int(part), t >= 1, t <= Sweep.maxThreads else {
                    throw BenchError("'\(part)' is not a thread count from 1 to \(Sweep.maxThreads)")
                }
                return t
            }
        })
    var threads: ValueList<Int>?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let cores = try MachineTopology.shared().corePUs.count
        let counts = threads?.values ?? Array(1...cores)
        var results: [Probes.Measurement] = []
        for t in counts {
            results.append(try Probes.fmaPeak(threads: t))
            results.append(try Probes.gemmRoof(threads: t))
            results.append(try Probes.triad(threads: t))
            results += try Probes.runOverhead(threads: t)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        } else {
            for r in results {
                print(
                    "t\(r.threads)  \(r.placement.padding(toLength: 26, withPad: " ", startingAt: 0))  \(String(format: "%10.2f", r.value))  \(r.unit)"
                )
            }
        }
    }
}
