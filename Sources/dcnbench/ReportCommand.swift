import ArgumentParser
import Bench
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one page about a run to paste into an issue or PR: machine, fastest designs, peers, figures.",
        discussion: """
            RESULTS are main CSVs of `dcnbench sweep` and, for the peer section, the CSVs of \
            scripts/compare-peers.sh. The same point in several files is one series of all their \
            processes: its time is the geometric mean of the process medians, and each ratio to \
            a peer comes with its 95 % interval (docs/verdicts.md). The first one's \
            -context.json gives the machine and build. Figures are those of scripts/plot.py in \
            --plots (default results/plots/<first CSV's name>, beside the results folder), linked \
            from Markdown or inlined as SVG with --html (one self-contained file).

            Examples:
              dcnbench report results/zen4-default.csv --out report.md
              dcnbench report results/zen4-default.csv --html --out report.html
              dcnbench report results/zen4-default.csv --json --out series.json
              dcnbench report results/peers-zen3/*-p*.csv --plots results/plots/peers-zen3
            """
    )

    @Argument(help: "Result CSVs.") var results: [String]
    @Option(help: "Write here instead of standard output (never over an input or its sidecars).") var out: String?
    @Flag(help: "One self-contained HTML page instead of Markdown.") var html = false
    @Flag(help: "The series the tables are made from, as JSON (what scripts/plot.py draws), instead of Markdown.")
    var json = false
    @Option(help: "Folder of scripts/plot.py figures.") var plots: String?

    func run() throws {
        guard let first = results.first else { throw BenchError("give at least one results CSV") }
        guard !(html && json) else { throw BenchError("give --html or --json, not both") }
        let defaultPlots = URL(fileURLWithPath: first).deletingLastPathComponent()
            .appendingPathComponent("plots").appendingPathComponent(
                URL(fileURLWithPath: first).deletingPathExtension().lastPathComponent
            ).path
        if let out { try OutputFile.check(out, option: "--out", inputs: results) }  // before anything is read
        let report = try Report(paths: results, plots: plots ?? defaultPlots)
        guard let out else {
            if json {
                FileHandle.standardOutput.write(try report.json())
            } else {
                print(html ? try report.html() : report.markdown(), terminator: "")
            }
            return
        }
        let target = URL(fileURLWithPath: out).standardizedFileURL.path
        let data =
            json
            ? try report.json()
            : Data(
                (html
                    ? try report.html()
                    : report.markdown(relativeTo: URL(fileURLWithPath: target).deletingLastPathComponent().path)).utf8)
        try OutputFile.write(data, to: target, option: "--out", inputs: results)
        print("wrote \(out)")
    }
}
