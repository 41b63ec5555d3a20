import Bench
import Foundation
import GRDB

/// The results store in an SQLite file, through GRDB: the default, one file per machine or
/// per project checkout.
///
/// - A run goes in whole, in one immediate transaction: a kill or a second writer never leaves
///   half a run.
/// - Several processes may add at once: SQLite's write lock serialises them (WAL, a busy
///   timeout), each waits its turn and loses nothing.
public final class SQLiteStore: ResultsStore, @unchecked Sendable {
    public let location: String
    let database: DatabasePool

    public static let defaultLocation = "results/store.sqlite"

    /// The store of `--store`, else `DCNBENCH_STORE`, else `defaultLocation`.
    public static func location(
        option: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> String
    {
        option ?? environment["DCNBENCH_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultLocation
    }

    /// Opens the store at `path`, creating it (and its tables) if absent. `create: false` refuses
    /// a missing store, for commands that only read.
    public init(path: String, create: Bool = true) throws {
        location = path
        try OutputFile.check(path, option: "--store")
        let exists = FileManager.default.fileExists(atPath: path)
        guard exists || create else {
            throw BenchError(
                "--store \(path): no store there; add runs first with `dcnbench store add RESULTS.csv --store \(path)`")
        }
        if exists { try Self.checkHeader(path) }
        var configuration = Configuration()
        // Another process adding a run holds the write lock for a moment: wait for it.
        configuration.busyMode = .timeout(Self.patience)
        configuration.foreignKeysEnabled = true
        // Two processes opening a new store at once: while one sets up WAL mode, SQLite can
        // answer the other SQLITE_BUSY without calling the busy handler (sqlite.org/wal.html,
        // "Sometimes Queries Return SQLITE_BUSY In WAL Mode"), so the open is tried again for
        // as long as the busy timeout would have waited.
        let deadline = Date().addingTimeInterval(Self.patience)
        var attempt: DatabasePool?
        while attempt == nil {
            do {
                attempt = try Self.open(path, configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                usleep(10_000)
            } catch let error as DatabaseError {
                throw BenchError("--store \(path): \(error.message ?? "\(error)"); is it a dcnbench store (SQLite)?")
            }
        }
        database = attempt!
    }

    /// Seconds a writer waits for another's lock.
    private static let patience: TimeInterval = 60

    /// The pool, with the schema made (or checked) under the write lock.
    private static func open(_ path: String, _ configuration: Configuration) throws -> DatabasePool {
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let existed = try db.tableExists("run")
                for statement in StoreSQL.schema { try db.execute(sql: statement) }
                let stored = try String.fetchOne(db, sql: StoreSQL.storedVersion)
                if stored == nil && !existed {
                    try db.execute(sql: StoreSQL.recordVersion, arguments: [StoreSQL.version])
                } else if stored != StoreSQL.version {
                    throw BenchError(StoreSQL.versionMismatch(path, found: stored))
                }
                return .commit
            }
        }
        return pool
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
            throw BenchError(
                "--store \(path) is not an SQLite database; give a new path or a store made by `dcnbench store add`")
        }
        guard !data.isEmpty else { return }
        // Read-only (nothing of another program's database is changed) and patient: a writer
        // adding a run holds the lock for a moment.
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(patience)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        let tables = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if !tables.isEmpty && !tables.contains("run") {
            throw BenchError(
                "--store \(path) is an SQLite database of something else (tables \(tables.prefix(5).joined(separator: ", "))); give a new path"
            )
        }
    }

    public func add(_ run: StoredRun) throws -> AddOutcome {
        let c = run.context
        return try database.writeWithoutTransaction { db in
            var outcome = AddOutcome.alreadyStored(runID: c.runID)
            try db.inTransaction(.immediate) {
                if let stored = try Row.fetchOne(db, sql: StoreSQL.storedDigest, arguments: [c.runID]) {
                    guard stored["digest"] as String == run.digest else {
                        throw run.conflict(storedSource: stored["source"])
                    }
                    return .commit
                }
                try db.execute(
                    sql: StoreSQL.insertRun,
                    arguments: [
                        c.runID, c.gitCommit, c.gitDirty, c.date, c.host, c.cpuModel, c.buildConfiguration,
                        c.buildFlags, c.configID, c.timing.mode.rawValue, c.sweep, run.contextJSON, run.digest,
                        run.source, ISO8601DateFormatter().string(from: Date()),
                    ])
                for (seq, p) in run.points.enumerated() {
                    try db.execute(
                        sql: StoreSQL.insertPoint,
                        arguments: [
                            c.runID, p.name, p.variant, p.threads, p.status, p.medianS, p.medianLowS, p.medianHighS,
                            p.processes, p.gflops, p.instructions, p.record, seq,
                        ])
                }
                for s in run.samples {
                    try db.execute(
                        sql: StoreSQL.insertSample,
                        arguments: [
                            s.runID, s.name, s.process, s.index, s.secondsPerIteration, s.iterations, s.cpuSeconds,
                            s.migrated, s.referenceSeconds, s.layout,
                        ])
                }
                outcome = .added(runID: c.runID, points: run.points.count, samples: run.samples.count)
                return .commit
            }
            return outcome
        }
    }

    public func remove(runID: String) throws -> Bool {
        try database.write { db in
            try db.execute(sql: StoreSQL.deleteRun, arguments: [runID])
            return db.changesCount > 0
        }
    }

    public func runs() throws -> [RunSummary] {
        try database.read { db in
            try Row.fetchAll(db, sql: StoreSQL.runs).map { row in
                RunSummary(
                    id: row["id"], gitCommit: row["git_commit"], gitDirty: row["git_dirty"], date: row["date"],
                    host: row["host"], cpuModel: row["cpu_model"], configID: row["config_id"], mode: row["mode"],
                    sweep: row["sweep"], points: row["points"], samples: row["samples"])
            }
        }
    }

    public func run(_ id: String) throws -> (context: RunContext, records: [[String: String]]) {
        let (context, records) = try database.read { db in
            (
                try String.fetchOne(db, sql: StoreSQL.context, arguments: [id]),
                try String.fetchAll(db, sql: StoreSQL.records, arguments: [id])
            )
        }
        return try decodeRun(id, context: context, records: records, location: location)
    }

    public func historyRows() throws -> [HistoryRow] {
        try database.read { db in
            try Row.fetchAll(db, sql: StoreSQL.historyRows).map { row in
                HistoryRow(
                    name: row["name"], medianS: row["median_s"], medianLowS: row["median_low_s"],
                    medianHighS: row["median_high_s"], processes: row["processes"], instructions: row["instructions"],
                    runID: row["id"], gitCommit: row["git_commit"], gitDirty: row["git_dirty"], date: row["date"],
                    host: row["host"], cpuModel: row["cpu_model"], configID: row["config_id"], mode: row["mode"])
            }
        }
    }
}

/// A run's context and rows from their stored JSON, or the error for a run not stored.
public func decodeRun(
    _ id: String, context: String?, records: [String], location: String
) throws
    -> (context: RunContext, records: [[String: String]])
{
    guard let context else {
        throw BenchError("--run \(id): no such run in the store \(location); `dcnbench store runs` lists them")
    }
    return (
        try JSONDecoder().decode(RunContext.self, from: Data(context.utf8)),
        try records.map { try JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
    )
}
