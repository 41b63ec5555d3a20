import ArgumentParser
import Bench
import Foundation
import ResultStore

public struct HistoryCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Each point's series over commits from the store, with its change points.",
        discussion: """
            A series is one point under one configuration (build, CPU, PUs, timing, mode); its \
            values are the runs' medians of process medians, or instructions per call for \
            instruction-count runs (a change of more than --count-tolerance is a change point). Runs are in git order (run inside the checkout, or give \
            --repository). Change points: E-divisive means with a permutation test \
            (docs/history.md). --check exits 2 when a point's last change point made it slower \
            by more than --threshold: the CI gate in history form.

            Examples:
              dcnbench history --point '^blockedGather/' --machine EPYC
              dcnbench history --since HEAD~30 --json > history.json
              dcnbench history --check --threshold 0.02
            """
    )

    @OptionGroup var store: StoreOption
    @Option(help: "Only points whose name matches this regular expression.") var point: String?
    @Option(help: "Only runs whose host or CPU model contains this text.") var machine: String?
    @Option(help: "Only commits after this one (git's REV..HEAD).") var since: String?
    @Option(help: "git (the checkout's history; the default inside one) or date.") var order: String?
    @Option(help: "The git checkout that orders the commits.") var repository = "."
    @Flag(help: "As JSON.") var json = false
    @Flag(help: "Exit 2 when a point's last change point made it slower by more than --threshold.") var check = false
    @Option(help: "Relative slowdown --check fails on (0.02 = 2 %).") var threshold = 0.02
    @Option(help: "A split is a change point when the permutation test's p is at most this.") var significance = 0.001
    @Option(help: "Permutations per test.") var permutations = 999
    @Option(help: "Fewest runs in a segment (a step shows after this many runs).") var minSegment = 3
    @Option(help: "Instruction counts: the relative change from a segment's median that is a change point.")
    var countTolerance = 0.0025

    public func validate() throws {
        try DetectorOptions.check(significance: significance, permutations: permutations, minSegment: minSegment)
        guard countTolerance >= 0, countTolerance < 1 else {
            throw ValidationError("--count-tolerance \(countTolerance): give a relative change, e.g. 0.0025 for 0.25 %")
        }
        guard threshold >= 0, threshold < 10 else {
            throw ValidationError("--threshold \(threshold): give a relative change, e.g. 0.02 for 2 %")
        }
        if let order, History.Order(rawValue: order) == nil {
            throw ValidationError("--order \(order): give git or date")
        }
    }

    public func run() throws {
        let source = try store.open()
        let history = try History(
            store: source,
            query: .init(
                point: point, machine: machine, since: since, order: order.flatMap(History.Order.init),
                repository: repository, countTolerance: countTolerance),
            detector: ChangePointDetector(
                significance: significance, permutations: permutations, minSegment: minSegment))
        if json {
            FileHandle.standardOutput.write(try SnakeCaseJSON.encode(history) + Data("\n".utf8))
        } else {
            print(Self.text(history), terminator: "")
        }
        guard check else { return }
        let regressions = history.series.compactMap { s in s.regression(threshold: threshold).map { (s, $0) } }
        for (s, change) in regressions {
            let commit = s.entries[change.index].gitCommit.map { String($0.prefix(10)) } ?? s.entries[change.index].date
            FileHandle.standardError.write(
                Data(
                    "SLOWER: \(s.name) on \(s.cpuModel) (\(s.mode)): \(Self.percent(change.change)) from \(commit) on (p \(change.pValue))\n"
                        .utf8))
        }
        if !regressions.isEmpty { throw ExitCode(2) }
        print(
            "check: no point's last change point made it slower by more than \(Self.percent(threshold)) (\(history.series.count) series)"
        )
    }

    static func percent(_ x: Double) -> String { String(format: "%+.1f %%", 100 * x) }

    static func text(_ history: History) -> String {
        var lines = [["point", "CPU", "mode", "runs", "latest", "interval", "change points"]]
        for s in history.series {
            guard let last = s.entries.last else { continue }
            let format: (Double) -> String = {
                s.unit == "s" ? String(format: "%.4g ms", $0 * 1e3) : String(format: "%.0f", $0)
            }
            let changes = s.changePoints.map { c in
                let at = s.entries[c.index].gitCommit.map { String($0.prefix(10)) } ?? s.entries[c.index].date
                return "\(at) \(percent(c.change))"
            }
            lines.append([
                s.name, s.cpuModel, s.mode, "\(s.entries.count)", format(last.value),
                last.low.flatMap { l in last.high.map { "[\(format(l)), \(format($0))]" } } ?? "",
                changes.isEmpty ? "none" : changes.joined(separator: "; "),
            ])
        }
        var text = TextTable.render(lines, rightAligned: [3, 4])
        text += "\(history.series.count) series in \(history.order.rawValue) order"
        if history.runsLeftOut > 0 { text += "; \(history.runsLeftOut) runs of commits outside that history left out" }
        return text + "\n"
    }
}
