import ArgumentParser
import Bench
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two sweep results point by point and say what regressed.",
        discussion: """
        BASELINE and CURRENT are main CSVs of `dcnbench sweep` (their -samples.csv and \
        -context.json are read from beside them); a comma-separated list pools the samples of \
        several runs (A/B rounds). Per point: median ratio, bootstrap 95% interval, two-sided \
        Mann–Whitney U with Benjamini–Hochberg correction over all points. Rows with \
        instruction counts (sweep --instructions) are judged on those, with a 1% tolerance.

        Exit codes: 0 no regression; 2 a regression; 3 inconclusive points (no regression); \
        4 improvements only; 1 usage or input error.

        Examples:
          dcnbench compare results/base.csv results/new.csv
          dcnbench compare --normalize --markdown summary.md --json verdict.json results/ci-baseline.csv new.csv
          dcnbench compare a1.csv,a2.csv,a3.csv b1.csv,b2.csv,b3.csv --thresholds thresholds.json
        """
    )

    @Argument(help: "Baseline CSV(s), comma-separated.", transform: { try ValueList($0) { $0 } }) var baseline: ValueList<String>
    @Argument(help: "Current CSV(s), comma-separated.", transform: { try ValueList($0) { $0 } }) var current: ValueList<String>
    @Flag(help: "Compare times divided by the in-run reference kernel's (for baselines from another or a busier machine).") var normalize = false
    @Flag(help: "Compare absolute times of different machines anyway.") var force = false
    @Option(help: "Relative tolerance (default 0.05).") var tolerance: Double?
    @Option(help: "Thresholds file: {\"default\": 0.05, \"variants\": {...}, \"points\": {...}, \"instructions\": 0.01}.") var thresholds: String?
    @Option(name: .customLong("max-cv"), help: "Robust coefficient of variation (1.4826·MAD/median) above which a point is inconclusive (default 0.1).") var maxCV: Double?
    @Option(help: "Write a Markdown summary here.") var markdown: String?
    @Option(help: "Write the verdict as JSON here.") var json: String?

    func run() throws {
        var options = CompareOptions()
        options.normalize = normalize
        if let thresholds { try options.loadThresholds(thresholds) }
        if let tolerance {
            guard tolerance > 0, tolerance < 10 else { throw BenchError("--tolerance must be a fraction such as 0.05") }
            options.tolerance = tolerance
        }
        if let maxCV {
            guard maxCV > 0 else { throw BenchError("--max-cv must be positive") }
            options.maxCV = maxCV
        }
        for (option, target) in [("--markdown", markdown), ("--json", json)] {
            if let target { try OutputPaths.refuseInput(target, option: option, inputs: baseline.values + current.values) }
        }
        let comparison = try Comparison.compare(baseline: ResultSet(paths: baseline.values),
                                                current: ResultSet(paths: current.values), options: options, force: force)
        print(comparison.table, terminator: "")
        do {
            if let markdown { try comparison.markdown.write(toFile: markdown, atomically: true, encoding: .utf8) }
            if let json { try comparison.json().write(to: URL(fileURLWithPath: json)) }
        } catch {
            throw BenchError("cannot write the report: \(error.localizedDescription)")
        }
        if comparison.exitCode != 0 { throw ExitCode(comparison.exitCode) }
    }
}
