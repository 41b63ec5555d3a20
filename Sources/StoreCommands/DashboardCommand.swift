import ArgumentParser
import Bench
import Foundation
import ResultStore

public struct DashboardCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Write the store's history as a static site: an index of points, a page per point.",
        discussion: """
            The index lists every series (point × configuration) with its latest value, its \
            trend and its change points; a point's page draws each series over the runs in \
            commit order, with the median's interval per run, segment medians and change points \
            marked, and a table of runs. Self-contained: no script, nothing from another site. \
            The filters and the detector's settings are history's.

            Examples:
              dcnbench dashboard --out results/dashboard
              dcnbench dashboard --out docs/dashboard --commit-url 'https://example.org/dcnbench/commit/{commit}'
            """
    )

    @OptionGroup var store: StoreOption
    @Option(help: "The folder of the site (created if missing).") var out: String
    @Option(help: "Only points whose name matches this regular expression.") var point: String?
    @Option(help: "Only runs whose host or CPU model contains this text.") var machine: String?
    @Option(help: "Only commits after this one (git's REV..HEAD).") var since: String?
    @Option(help: "The git checkout that orders the commits.") var repository = "."
    @Option(help: "A commit's link, {commit} replaced by its hash.") var commitURL: String?
    @Option(help: "The site's title.") var title = "dcnbench history"

    public func run() throws {
        let history = try History(
            store: store.open(),
            query: .init(point: point, machine: machine, since: since, repository: repository),
            detector: ChangePointDetector())
        let written = try Dashboard.write(history, to: out, commitURL: commitURL, title: title)
        print("wrote \(written.count) pages to \(out) (\(history.series.count) series)")
    }
}
