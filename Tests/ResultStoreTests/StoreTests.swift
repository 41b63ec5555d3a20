import Bench
import BenchTestSupport
import DeformConvReference
import Foundation
import Testing

@testable import ResultStore

/// A results file of one run: each point of `points` with three processes of three samples
/// around `median[name]` (or 1 ms), on `commit` at `date`.
func runFile(
    _ runID: String, commit: String?, date: String, medians: [String: Double] = [:],
    points: [BenchPoint] = tinyPoints(), mode: RunMode = .timed, seed: UInt64 = 1
) throws -> String {
    var rng = SeededGenerator(seed: seed)
    let rows = points.map { point in
        let median = medians[point.name] ?? 1e-3
        var row = syntheticRow(
            point,
            processes: (0..<3).map { _ in (0..<3).map { _ in median * (1 + 0.002 * Double(rng.normal())) } },
            runID: runID)
        if mode == .instructionCount { row.0.instructions = Int(median * 1e9) }
        return row
    }
    return try writeResult(rows) { c in
        c.gitCommit = commit
        c.gitDirty = false
        c.date = date
        c.timing.mode = mode
    }
}

/// A git repository of `count` empty commits; returns its folder and the commits, oldest first.
func gitRepository(commits count: Int) throws -> (String, [String]) {
    let dir = try temporaryDirectory().path
    func git(_ arguments: [String]) throws -> String {
        let run = try Subprocess.run(
            "/usr/bin/env",
            ["git", "-C", dir, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"] + arguments)
        guard run.status == 0 else { throw BenchError("git \(arguments): \(run.output)") }
        return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    _ = try git(["init", "-q"])
    var commits: [String] = []
    for i in 0..<count {
        _ = try git(["commit", "-q", "--allow-empty", "-m", "c\(i)"])
        commits.append(try git(["rev-parse", "HEAD"]))
    }
    return (dir, commits)
}

func newStore() throws -> SQLiteStore {
    try SQLiteStore(path: temporaryDirectory().appendingPathComponent("store.sqlite").path)
}

@Suite("Results store")
struct StoreTests {
    @Test func addTwiceIsNoOp() throws {
        let store = try newStore()
        let file = try runFile("r1", commit: "a", date: "2026-11-01T00:00:00Z")
        let first = try store.add(file)
        #expect(first.outcomes == [.added(runID: "r1", points: 2, samples: 18)])
        #expect(try store.add(file).outcomes == [.alreadyStored(runID: "r1")])
        let runs = try store.runs()
        #expect(runs.count == 1)
        #expect(runs.first?.points == 2)
        #expect(runs.first?.samples == 18)
        #expect(runs.first?.gitCommit == "a")
    }

    /// The same run id with other samples: refused, naming the fix, and the stored run kept.
    @Test func differentRunUnderSameIDRefused() throws {
        let store = try newStore()
        _ = try store.add(try runFile("r1", commit: "a", date: "2026-11-01T00:00:00Z"))
        let other = try runFile("r1", commit: "a", date: "2026-11-01T00:00:00Z", seed: 2)
        #expect {
            try store.add(other)
        } throws: { error in
            "\(error)".contains("store remove r1")
        }
        #expect(try store.runs().map(\.samples) == [18])
        #expect(try store.remove(runID: "r1"))
        #expect(try store.runs().isEmpty)
        _ = try store.add(other)
        #expect(try store.runs().count == 1)
    }

    /// A file whose samples disagree with its row is refused whole: nothing of it is stored.
    @Test func inconsistentFileRefused() throws {
        let store = try newStore()
        let file = try runFile("r1", commit: "a", date: "2026-11-01T00:00:00Z")
        let samples = OutputPaths(results: file).samples
        let lines = try String(contentsOfFile: samples, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: samples, atomically: true, encoding: .utf8)
        #expect(throws: BenchError.self) { try store.add(file) }
        #expect(try store.runs().isEmpty)
    }

    /// Two writers (two connections, as two processes have) creating one store and adding 8
    /// runs each at once: all 16 stored, every sample. (The creation raced once: both saw no
    /// tables and the second's CREATE TABLE failed; the schema is now made under the write lock.)
    @Test func concurrentWriters() throws {
        let path = try temporaryDirectory().appendingPathComponent("store.sqlite").path
        let files = try (0..<16).map { try runFile("r\($0)", commit: "c", date: "2026-11-01T00:00:\($0 + 10)Z") }
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 2) { writer in
            do {
                let store = try SQLiteStore(path: path)
                for k in stride(from: writer, to: 16, by: 2) { _ = try store.add(files[k]) }
            } catch { errors.add(error) }
        }
        #expect(errors.all.isEmpty, "\(errors.all)")
        let runs = try SQLiteStore(path: path).runs()
        #expect(runs.count == 16)
        #expect(runs.allSatisfy { $0.samples == 18 })
    }

    @Test func badStorePaths() throws {
        let dir = try temporaryDirectory()
        let text = dir.appendingPathComponent("notes.txt").path
        try "not a database".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: BenchError.self) { try SQLiteStore(path: text) }
        #expect(throws: BenchError.self) { try SQLiteStore(path: dir.path) }
        let link = dir.appendingPathComponent("link.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: text)
        #expect(throws: BenchError.self) { try SQLiteStore(path: link) }
        #expect {
            try SQLiteStore(path: dir.appendingPathComponent("absent.sqlite").path, create: false)
        } throws: { "\($0)".contains("store add") }
        // Another program's SQLite database is not taken over.
        let foreign = dir.appendingPathComponent("foreign.sqlite").path
        _ = try Subprocess.run("/usr/bin/env", ["python3", "-c", "import sqlite3; c = sqlite3.connect('\(foreign)'); c.execute('create table t (x)'); c.commit()"])
        #expect { try SQLiteStore(path: foreign) } throws: { "\($0)".contains("something else") }
        // A store whose tables are of another schema version is refused, not misread.
        let old = dir.appendingPathComponent("old.sqlite").path
        _ = try SQLiteStore(path: old)
        _ = try Subprocess.run(
            "/usr/bin/env",
            ["python3", "-c", "import sqlite3; c = sqlite3.connect('\(old)'); c.execute(\"update store_meta set value = '0'\"); c.commit()"])
        #expect { try SQLiteStore(path: old) } throws: { "\($0)".contains("store schema 0") }
    }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func add(_ error: Error) { lock.withLock { errors.append(error) } }
    var all: [Error] { lock.withLock { errors } }
}
