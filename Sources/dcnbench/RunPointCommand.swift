import ArgumentParser
import Bench

/// What `sweep --instructions` runs under valgrind: one point's set-up, then K kernel calls.
struct RunPointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-point",
        abstract: "Set up one point and call its kernel K times (for instruction counting).",
        discussion: """
            Used by `dcnbench sweep --instructions`, which runs it under valgrind with K = 1 and 2; \
            the difference of the two counts is one call.

            Examples:
              dcnbench run-point tiled/fwd/v2/N1/C8/K8/12x12/k3x3/s1/p1/d1/g1/og1/t1/close --calls 2
            """,
        shouldDisplay: false
    )

    @Argument(help: "Point name.") var name: String
    @Option(help: "Kernel calls.") var calls = 1

    func run() throws {
        // A few calls are what an instruction count needs; a typo must not run for days.
        guard calls >= 0, calls <= 10_000 else { throw BenchError("--calls must be from 0 to 10000") }
        let runner = try PointRunner(timing: TimingOptions(), maxMemoryBytes: Int.max, runID: "run-point")
        try runner.call(try BenchPoint(name: name), times: calls)
    }
}
