import Bench
import BenchTestSupport
import Foundation
import Testing

/// The store's commands as a user types them: what they print, and the clear error (exit 1)
/// for each kind of bad input.
@Suite("dcnbench store, history, dashboard, changepoints")
struct StoreCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    @Test func addHistoryExport() throws {
        let store = try temporaryDirectory().appendingPathComponent("s.sqlite").path
        let smoke = Self.fixtures.appendingPathComponent("smoke.csv").path
        let added = try dcnbench(["store", "add", smoke, "--store", store])
        #expect(added.status == 0, "\(added.err)")
        #expect(added.out.contains("added run 524a616983c15430 (36 points, 1080 samples)"))
        #expect(try dcnbench(["store", "add", smoke, "--store", store]).out.contains("already stored"))
        let history = try dcnbench(["history", "--order", "date", "--store", store])
        #expect(history.status == 0, "\(history.err)")
        #expect(history.out.contains("36 series in date order"))
        let export = try dcnbench(["store", "export", "--run", "524a616983c15430", "--store", store])
        let json = try JSONSerialization.jsonObject(with: Data(export.out.utf8)) as? [String: Any]
        #expect((json?["benchmarks"] as? [Any])?.count == 36)
        // Without --store: the default store, its folder made in the working directory.
        let work = try temporaryDirectory()
        let defaulted = try dcnbench(["store", "add", smoke], in: work)
        #expect(defaulted.status == 0, "\(defaulted.err)")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("results/store.sqlite").path))
        let removed = try dcnbench(["store", "remove", "524a616983c15430", "--store", store])
        #expect(removed.status == 0)
        #expect(try dcnbench(["store", "runs", "--json", "--store", store]).out.contains("[\n\n]"))
    }

    @Test(arguments: [
        (["history", "--store", "/nonexistent/s.sqlite"], "the folder /nonexistent does not exist"),
        (["history", "--store", "/tmp/dcnbench-test-absent-store.sqlite"], "no store there"),
        (["store", "runs", "--store", "postgresql://u@h/db"], "dcnbench-pg"),
        (["history", "--permutations", "5", "--store", "x"], "--permutations 5"),
        (["history", "--permutations", "99", "--significance", "0.001", "--store", "x"], "cannot reach"),
        (["history", "--significance", "2", "--store", "x"], "--significance 2"),
        (["history", "--order", "random", "--store", "x"], "--order random"),
        (["history", "--min-segment", "1", "--store", "x"], "--min-segment 1"),
        (["store", "export", "--run", "x", "--format", "xml", "--store", "x"], "gbench-json"),
        (["dashboard", "--out", "/dev/null", "--store", "x"], "no store there"),
    ])
    func badInput(arguments: [String], message: String) throws {
        let r = try dcnbench(arguments)
        #expect(r.status == 1)
        #expect(r.err.contains(message), "\(r.err)")
    }

    @Test func changepoints() throws {
        let dir = try temporaryDirectory()
        let series = dir.appendingPathComponent("series.txt").path
        try ((0..<30).map { $0 < 15 ? "1.0" : "1.1" }.joined(separator: "\n") + "\n")
            .write(toFile: series, atomically: true, encoding: .utf8)
        let found = try dcnbench(["changepoints", series, "--json"])
        #expect(found.status == 0, "\(found.err)")
        #expect(found.out.contains("\"index\" : 15"))
        let counts = try dcnbench(["changepoints", series, "--counts"])
        #expect(counts.out.hasPrefix("15  p 0.0"))
        let bad = dir.appendingPathComponent("bad.txt").path
        try "1\n2\nnan\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try dcnbench(["changepoints", bad])
        #expect(refused.status == 1)
        #expect(refused.err.contains("line 3"))
        #expect(try dcnbench(["changepoints", dir.path]).err.contains("directory"))
    }
}
