import ArgumentParser
import Bench
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two sweep results point by point and say what regressed.",
        discussion: """
            BASELINE and CURRENT are main CSVs of `dcnbench sweep` (their -samples.csv and \
            -context.json are read from beside them); a comma-separated list pools several runs, \
            each run's processes counting apart. The process is the unit of repetition: per point, \
            the ratio of the geometric means of per-process medians, its 95% interval from a hierarchical \
            bootstrap (processes, then samples within each), and Welch's test on the log process \
            medians with Benjamini–Hochberg correction over all points. Regressed or improved needs \
            the adjusted p below 0.05, the interval excluding 1 and the ratio beyond the tolerance; \
            fewer than --min-processes (3) a side is inconclusive. "unchanged" says within what \
            (the interval) and the smallest change the data would have detected. Rows with \
            instruction counts (sweep --instructions) are judged on those, with a 1% tolerance. \
            Measure with `sweep --processes 5`, or let `dcnbench ab` run both builds alternately.

            Exit codes: 0 no regression; 2 a regression; 3 inconclusive points (no regression); \
            4 improvements only; 1 usage or input error.

            Examples:
              dcnbench compare results/base.csv results/new.csv
              dcnbench compare --normalize --markdown summary.md --json verdict.json results/ci-baseline.csv new.csv
              dcnbench compare a1.csv,a2.csv,a3.csv b1.csv,b2.csv,b3.csv --thresholds thresholds.json
              dcnbench sweep --preset smoke --processes 5 --out results/a.csv   # then the same for b.csv
            """
    )

    @Argument(help: "Baseline CSV(s), comma-separated.", transform: { try ValueList($0) { $0 } }) var baseline:
        ValueList<String>
    @Argument(help: "Current CSV(s), comma-separated.", transform: { try ValueList($0) { $0 } }) var current:
        ValueList<String>
    @Flag(help: "Compare absolute times of different machines anyway.") var force = false
    @OptionGroup var verdict: VerdictOptions

    func run() throws {
        let options = try verdict.compareOptions()
        let inputs = baseline.values + current.values
        try verdict.checkOutputs(inputs: inputs)
        let comparison = try Comparison.compare(
            baseline: ResultSet(paths: baseline.values),
            current: ResultSet(paths: current.values), options: options, force: force)
        print(comparison.table, terminator: "")
        try verdict.write(comparison, inputs: inputs)
        if comparison.exitCode != 0 { throw ExitCode(comparison.exitCode) }
    }
}
