import Bench
import BenchTestSupport
import Foundation
import Testing

@testable import ResultStore

@Suite("History, dashboard and export")
struct HistoryTests {
    /// Runs added out of order come back in git order; with no checkout, in date order.
    @Test func gitOrder() throws {
        let (repo, commits) = try gitRepository(commits: 3)
        let store = try newStore()
        // The newest commit's run has the oldest date: only git order puts it last.
        for (k, date) in [(2, "2026-11-01T00:00:00Z"), (0, "2026-11-03T00:00:00Z"), (1, "2026-11-02T00:00:00Z")] {
            _ = try store.add(try runFile("r\(k)", commit: commits[k], date: date))
        }
        _ = try store.add(try runFile("elsewhere", commit: "0123abcd", date: "2026-11-04T00:00:00Z"))
        let history = try History(store: store, query: .init(repository: repo), detector: ChangePointDetector())
        #expect(history.order == .git)
        #expect(history.series.count == 2)
        #expect(history.series.allSatisfy { $0.entries.map(\.runID) == ["r0", "r1", "r2"] })
        #expect(history.runsLeftOut == 1)
        let since = try History(
            store: store, query: .init(since: commits[0], repository: repo), detector: ChangePointDetector())
        #expect(since.series.first?.entries.map(\.runID) == ["r1", "r2"])
        let byDate = try History(
            store: store, query: .init(order: .date, repository: repo), detector: ChangePointDetector())
        #expect(byDate.series.first?.entries.map(\.runID) == ["r2", "r1", "r0", "elsewhere"])
        let filtered = try History(
            store: store, query: .init(point: "^blockedGather/", repository: repo), detector: ChangePointDetector())
        #expect(filtered.series.map(\.name).allSatisfy { $0.hasPrefix("blockedGather/") })
        #expect(filtered.series.count == 1)
        #expect(throws: BenchError.self) {
            try History(store: store, query: .init(since: "no-such-rev", repository: repo), detector: ChangePointDetector())
        }
    }

    /// Twenty commits, one point 10 % slower from the eleventh on, the other flat: one change
    /// point at run 10 that `regression` reports; none for the flat point. (Ten runs each side:
    /// with the default significance of 0.001 a permutation test needs about five runs after
    /// a clean step, see docs/history.md.)
    static func steppedStore() throws -> (SQLiteStore, String, [String]) {
        let (repo, commits) = try gitRepository(commits: 20)
        let store = try newStore()
        let points = tinyPoints()
        for (k, commit) in commits.enumerated() {
            let medians = [points[0].name: k >= 10 ? 1.1e-3 : 1e-3]
            _ = try store.add(
                try runFile("r\(k)", commit: commit, date: "2026-11-01T00:00:\(10 + k)Z", medians: medians, seed: UInt64(k)))
        }
        return (store, repo, commits)
    }

    @Test func changePointAndCheck() throws {
        let (store, repo, _) = try Self.steppedStore()
        let history = try History(store: store, query: .init(repository: repo), detector: ChangePointDetector())
        let stepped = try #require(history.series.first { $0.name == tinyPoints()[0].name })
        #expect(stepped.changePoints.map(\.index) == [10])
        #expect(stepped.regression(threshold: 0.02) != nil)
        #expect(stepped.regression(threshold: 0.2) == nil)
        let flat = try #require(history.series.first { $0.name == tinyPoints()[1].name })
        #expect(flat.changePoints.isEmpty)
        #expect(flat.regression(threshold: 0) == nil)
        #expect(stepped.entries.allSatisfy { $0.processes == 3 })
    }

    /// Instruction-count runs form their own series (another configuration), valued in
    /// instructions.
    @Test func instructionSeries() throws {
        let store = try newStore()
        _ = try store.add(try runFile("t", commit: nil, date: "2026-11-01T00:00:00Z"))
        let counted = try runFile("i", commit: nil, date: "2026-11-02T00:00:00Z", mode: .instructionCount)
        // Another configuration, as a portable instruction-count build has.
        try editContext(of: counted) { $0.configID = "portable" }
        _ = try store.add(counted)
        let more = try runFile(
            "i2", commit: nil, date: "2026-11-03T00:00:00Z", medians: [tinyPoints()[0].name: 1.01e-3],
            mode: .instructionCount)
        try editContext(of: more) { $0.configID = "portable" }
        _ = try store.add(more)
        let history = try History(
            store: store, query: .init(order: .date), detector: ChangePointDetector())
        #expect(history.series.count == 4)
        let instructions = history.series.filter { $0.unit == "instructions" }
        #expect(instructions.count == 2)
        #expect(instructions.allSatisfy { $0.entries.count == 2 && $0.mode == "instructionCount" })
        // One instruction count moved by 1 % in the second run: a change point at once.
        #expect(instructions.map { $0.changePoints.map(\.index) }.sorted { $0.count < $1.count } == [[], [1]])
    }

    @Test func gbenchJSON() throws {
        let store = try newStore()
        var failed = tinyPoints()[1]
        failed.threads = 1
        _ = try store.add(try runFile("r", commit: "abc", date: "2026-11-01T00:00:00Z"))
        let (context, records) = try store.run("r")
        let data = try GBenchJSON.document(context: context, records: records)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let ctx = try #require(json["context"] as? [String: Any])
        for key in ["date", "host_name", "executable", "num_cpus", "mhz_per_cpu", "cpu_scaling_enabled", "caches", "load_avg", "library_build_type"] {
            #expect(ctx[key] != nil, "context.\(key)")
        }
        let benchmarks = try #require(json["benchmarks"] as? [[String: Any]])
        #expect(benchmarks.count == 2)
        for b in benchmarks {
            #expect(b["name"] is String && b["run_name"] is String && b["run_type"] as? String == "iteration")
            #expect(b["time_unit"] as? String == "ns")
            #expect((b["iterations"] as? Int).map { $0 > 0 } == true)
            let real = try #require(b["real_time"] as? Double)
            // 1 ms per call with 0.2 % noise: the median of medians is within 1 % of it.
            #expect(abs(real / 1e6 - 1) < 0.01)
            #expect((b["cpu_time"] as? Double).map { $0 > 0 } == true)
            #expect(b["processes"] as? Int == 3)
        }
        let counted = try runFile("i", commit: nil, date: "2026-11-02T00:00:00Z", mode: .instructionCount)
        _ = try store.add(counted)
        let (c2, r2) = try store.run("i")
        #expect(throws: BenchError.self) { try GBenchJSON.document(context: c2, records: r2) }
        #expect(throws: BenchError.self) { try store.run("absent") }
    }

    @Test func dashboard() throws {
        let (store, repo, commits) = try Self.steppedStore()
        let history = try History(store: store, query: .init(repository: repo), detector: ChangePointDetector())
        let dir = try temporaryDirectory().appendingPathComponent("site").path
        let written = try Dashboard.write(
            history, to: dir, commitURL: "https://example.org/commit/{commit}", title: "test <history>")
        #expect(written.count == 3)
        let index = try String(contentsOfFile: dir + "/index.html", encoding: .utf8)
        #expect(index.contains("test &lt;history&gt;"))
        #expect(index.contains(Dashboard.pageName(tinyPoints()[0].name)))
        let page = try String(
            contentsOfFile: dir + "/" + Dashboard.pageName(tinyPoints()[0].name), encoding: .utf8)
        #expect(page.components(separatedBy: "class=\"change-point\"").count == 2)
        #expect(page.components(separatedBy: "class=\"run\"").count == 21)
        #expect(page.contains("https://example.org/commit/\(commits[10])"))
        // The series the page carries decode to the history's.
        let json = try #require(
            page.components(separatedBy: "id=\"series\">").last?.components(separatedBy: "</script>").first)
        let expected = try SnakeCaseJSON.encode(history.series.filter { $0.name == tinyPoints()[0].name }, pretty: false)
        #expect(json.replacingOccurrences(of: "<\\/", with: "</") == String(decoding: expected, as: UTF8.self))
        // A link as the site's folder is refused.
        let link = try temporaryDirectory().appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: dir)
        #expect(throws: BenchError.self) { try Dashboard.write(history, to: link, commitURL: nil, title: "t") }
    }
}

/// Rewrites the context file of the results file at `path`.
func editContext(of path: String, _ edit: (inout RunContext) -> Void) throws {
    let file = OutputPaths(results: path).context
    var context = try JSONDecoder().decode(RunContext.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
    edit(&context)
    try JSONEncoder().encode(context).write(to: URL(fileURLWithPath: file))
}
