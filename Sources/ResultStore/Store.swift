import Bench
import Foundation
import GRDB

/// Every run remembered: runs (their context), their points' rows and every raw sample, in an
/// SQLite database (GRDB), so that history, change points and the dashboard can look across
/// commits and machines.
///
/// - A run is added whole from a results file that `ResultFile` reads as consistent, in one
///   transaction: a kill or a second writer never leaves half a run.
/// - Adding a run again is a no-op when it is the same (its digest: every row and sample);
///   a different run under a stored run id is refused (remove it first).
/// - Several processes may add at once: SQLite's write lock serialises them (WAL, a busy
///   timeout), each waits its turn and loses nothing.
public final class Store: @unchecked Sendable {
    public let path: String
    let database: DatabasePool

    /// The store of `--store`, else `DCNBENCH_STORE`, else `results/store.sqlite`.
    public static func location(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        option ?? environment["DCNBENCH_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? "results/store.sqlite"
    }

    /// Opens the store at `path`, creating it (and its tables) if absent. `create: false` refuses
    /// a missing store, for commands that only read.
    public init(path: String, create: Bool = true) throws {
        self.path = path
        try OutputFile.check(path, option: "--store")
        let exists = FileManager.default.fileExists(atPath: path)
        guard exists || create else {
            throw BenchError("--store \(path): no store there; add runs first with `dcnbench store add RESULTS.csv --store \(path)`")
        }
        if exists { try Self.checkHeader(path) }
        var configuration = Configuration()
        // Another process adding a run holds the write lock for a moment: wait for it.
        configuration.busyMode = .timeout(60)
        configuration.foreignKeysEnabled = true
        do {
            database = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch let error as DatabaseError {
            throw BenchError("--store \(path): \(error.message ?? "\(error)"); is it a dcnbench store (SQLite)?")
        }
    }

    /// An existing file must be SQLite, and if it has tables, ours.
    private static func checkHeader(_ path: String) throws {
        try InputFile.check(path, what: "store")
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BenchError("--store \(path): cannot read it: \(String(cString: strerror(errno)))")
        }
        let data = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        guard data.isEmpty || data.starts(with: Array("SQLite format 3\0".utf8)) else {
            throw BenchError("--store \(path) is not an SQLite database; give a new path or a store made by `dcnbench store add`")
        }
        guard !data.isEmpty else { return }
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let tables = try queue.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        if !tables.isEmpty && !tables.contains("run") {
            throw BenchError(
                "--store \(path) is an SQLite database of something else (tables \(tables.prefix(5).joined(separator: ", "))); give a new path")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE run (
                      id TEXT PRIMARY KEY,
                      git_commit TEXT, git_dirty INTEGER, date TEXT NOT NULL, host TEXT NOT NULL,
                      cpu_model TEXT NOT NULL, build TEXT NOT NULL, build_flags TEXT NOT NULL,
                      config_id TEXT NOT NULL, mode TEXT NOT NULL, sweep TEXT NOT NULL,
                      context TEXT NOT NULL, digest TEXT NOT NULL, source TEXT NOT NULL, added TEXT NOT NULL);
                    CREATE TABLE point (
                      run_id TEXT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                      name TEXT NOT NULL, variant TEXT NOT NULL, threads INTEGER NOT NULL, status TEXT NOT NULL,
                      median_s REAL, median_low_s REAL, median_high_s REAL, processes INTEGER NOT NULL,
                      gflops REAL, instructions INTEGER, record TEXT NOT NULL,
                      PRIMARY KEY (run_id, name));
                    CREATE INDEX point_name ON point(name);
                    CREATE TABLE sample (
                      run_id TEXT NOT NULL, name TEXT NOT NULL, process INTEGER NOT NULL, sample INTEGER NOT NULL,
                      seconds REAL NOT NULL, iterations INTEGER NOT NULL, cpu_seconds REAL NOT NULL,
                      migrated INTEGER NOT NULL, reference_seconds REAL NOT NULL, layout TEXT NOT NULL,
                      PRIMARY KEY (run_id, name, process, sample),
                      FOREIGN KEY (run_id, name) REFERENCES point(run_id, name) ON DELETE CASCADE);
                    """)
        }
        return migrator
    }

    /// What `add` did with one run of a file.
    public enum Outcome: Equatable, Sendable {
        case added(runID: String, points: Int, samples: Int)
        /// Stored before, identical.
        case alreadyStored(runID: String)
    }

    /// Adds every run of the results file at `resultsPath` (a merged file holds several). The
    /// file is read as `compare` reads it (consistent, with its context, or refused); the peers'
    /// rows (no samples) are not stored and are counted in `peersLeftOut`.
    public func add(_ resultsPath: String) throws -> (outcomes: [Outcome], peersLeftOut: Int) {
        let file = try ResultFile(resultsPath, requireContext: true)
        var outcomes: [Outcome] = []
        for runID in file.runIDs where file.rows.contains(where: { $0.runID == runID }) {
            guard let context = file.contexts.first(where: { $0.runID == runID }) else {
                throw BenchError("\(file.paths.context): no context for run \(runID); a run is stored with its context")
            }
            let rows = file.rows.filter { $0.runID == runID }
            outcomes.append(try add(context: context, rows: rows, samples: file.samples, source: resultsPath))
        }
        return (outcomes, file.peers.count)
    }

    private func add(context: RunContext, rows: [ResultRow], samples: [String: [SampleRow]], source: String) throws
        -> Outcome
    {
        let digest = Self.digest(rows: rows, samples: samples)
        let contextJSON = String(decoding: try JSONEncoder().encode(context), as: UTF8.self)
        return try database.writeWithoutTransaction { db in
            var outcome = Outcome.alreadyStored(runID: context.runID)
            try db.inTransaction(.immediate) {
                if let stored = try Row.fetchOne(
                    db, sql: "SELECT digest, source FROM run WHERE id = ?", arguments: [context.runID])
                {
                    guard stored["digest"] as String == digest else {
                        throw BenchError(
                            "\(source): run \(context.runID) is in the store (from \(stored["source"] as String)) with other rows or samples; a run is added once, complete. To replace it: dcnbench store remove \(context.runID)"
                        )
                    }
                    return .commit
                }
                try db.execute(
                    sql: """
                        INSERT INTO run (id, git_commit, git_dirty, date, host, cpu_model, build, build_flags,
                          config_id, mode, sweep, context, digest, source, added)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        context.runID, context.gitCommit, context.gitDirty, context.date, context.host,
                        context.cpuModel, context.buildConfiguration, context.buildFlags, context.configID,
                        context.timing.mode.rawValue, context.sweep, contextJSON, digest, source,
                        ISO8601DateFormatter().string(from: Date()),
                    ])
                var sampleCount = 0
                for row in rows {
                    let record = Dictionary(uniqueKeysWithValues: zip(ResultRow.header, row.fields))
                    try db.execute(
                        sql: """
                            INSERT INTO point (run_id, name, variant, threads, status, median_s, median_low_s,
                              median_high_s, processes, gflops, instructions, record)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            row.runID, row.point.name, row.point.variant.rawValue, row.point.threads,
                            row.status.rawValue, row.statistics?.median, row.medianLow, row.medianHigh, row.processes,
                            row.gflops, row.instructions,
                            String(decoding: try JSONEncoder().encode(record), as: UTF8.self),
                        ])
                    for s in samples[row.point.name] ?? [] {
                        try db.execute(
                            sql: """
                                INSERT INTO sample (run_id, name, process, sample, seconds, iterations, cpu_seconds,
                                  migrated, reference_seconds, layout) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                                """,
                            arguments: [
                                s.runID, s.name, s.process, s.index, s.secondsPerIteration, s.iterations,
                                s.cpuSeconds, s.migrated, s.referenceSeconds, s.layout,
                            ])
                        sampleCount += 1
                    }
                }
                outcome = .added(runID: context.runID, points: rows.count, samples: sampleCount)
                return .commit
            }
            return outcome
        }
    }

    /// A run's identity beyond its id: every field of its rows and samples, in a fixed order.
    static func digest(rows: [ResultRow], samples: [String: [SampleRow]]) -> String {
        var text = ""
        for row in rows.sorted(by: { $0.point.name < $1.point.name }) {
            text += row.fields.joined(separator: ",") + "\n"
            for s in (samples[row.point.name] ?? []).sorted(by: { ($0.process, $0.index) < ($1.process, $1.index) }) {
                text += s.fields.joined(separator: ",") + "\n"
            }
        }
        return String(stableHash(text), radix: 16)
    }

    /// Removes a run with its points and samples; false if it was not stored.
    public func remove(runID: String) throws -> Bool {
        try database.write { db in
            try db.execute(sql: "DELETE FROM run WHERE id = ?", arguments: [runID])
            return db.changesCount > 0
        }
    }

    /// One stored run, as `store runs` lists it.
    public struct RunSummary: Codable, Equatable, Sendable {
        public var id: String
        public var gitCommit: String?
        public var gitDirty: Bool?
        public var date: String
        public var host: String
        public var cpuModel: String
        public var configID: String
        public var mode: String
        public var sweep: String
        public var points: Int
        public var samples: Int
    }

    /// The stored runs, oldest first.
    public func runs() throws -> [RunSummary] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.*, (SELECT COUNT(*) FROM point p WHERE p.run_id = r.id) AS points,
                      (SELECT COUNT(*) FROM sample s WHERE s.run_id = r.id) AS samples
                    FROM run r ORDER BY r.date, r.id
                    """
            ).map { row in
                RunSummary(
                    id: row["id"], gitCommit: row["git_commit"], gitDirty: row["git_dirty"], date: row["date"],
                    host: row["host"], cpuModel: row["cpu_model"], configID: row["config_id"], mode: row["mode"],
                    sweep: row["sweep"], points: row["points"], samples: row["samples"])
            }
        }
    }

    /// A run's context, rows (as the CSV would hold them) and samples, for export.
    public func run(_ id: String) throws -> (context: RunContext, records: [[String: String]]) {
        try database.read { db in
            guard let context = try String.fetchOne(db, sql: "SELECT context FROM run WHERE id = ?", arguments: [id])
            else { throw BenchError("--run \(id): no such run in the store \(path); `dcnbench store runs` lists them") }
            let records = try String.fetchAll(
                db, sql: "SELECT record FROM point WHERE run_id = ? ORDER BY rowid", arguments: [id])
            return (
                try JSONDecoder().decode(RunContext.self, from: Data(context.utf8)),
                try records.map { try JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
            )
        }
    }
}
