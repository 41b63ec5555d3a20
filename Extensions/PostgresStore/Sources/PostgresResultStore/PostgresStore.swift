import Bench
import Foundation
import Logging
import PostgresNIO
import ResultStore

/// The results store on a PostgreSQL server (PostgresNIO): the tables and statements of
/// `StoreSQL`, the same rules as `SQLiteStore`.
///
/// - A run goes in whole, in one transaction.
/// - Writers take turns: each add and the schema's creation first take one transaction-level
///   advisory lock, so two machines adding the same run, or creating the tables, at once see
///   each other's work instead of failing on a key; different runs lose nothing.
public final class PostgresStore: ResultsStore, @unchecked Sendable {
    public let location: String
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger = Logger(label: "dcnbench-pg")
    /// The advisory lock's key: any number the project's tables own.
    private static let lockKey = 0x64_636e_6265_6e63

    /// Connects to `url` (postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE) and makes the tables
    /// if the database has none. `create` is ignored: a server's database is made by its admin.
    public init(url: String, create: Bool) throws {
        location = Self.redacted(url)
        guard let parts = URLComponents(string: url), let host = parts.host, !host.isEmpty,
            let database = parts.path.split(separator: "/").first.map(String.init)
        else {
            throw BenchError(
                "--store \(location): give postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE (host and database are needed)")
        }
        let configuration = PostgresClient.Configuration(
            host: host, port: parts.port ?? 5432,
            username: parts.user ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres",
            password: parts.password, database: database, tls: .disable)
        let client = PostgresClient(configuration: configuration)
        self.client = client
        runner = Task { await client.run() }
        do {
            try blocking { [self] in
                try await transaction { connection in
                    try await connection.query(Self.query("SELECT pg_advisory_xact_lock(?)", [Self.lockKey]), logger: logger)
                    var existed = false
                    for try await _ in try await connection.query(
                        Self.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'run'"), logger: logger)
                    { existed = true }
                    for statement in StoreSQL.schema { try await connection.query(Self.query(statement), logger: logger) }
                    var stored: String?
                    for try await (value) in try await connection.query(Self.query(StoreSQL.storedVersion), logger: logger)
                        .decode(String.self)
                    { stored = value }
                    if stored == nil && !existed {
                        try await connection.query(Self.query(StoreSQL.recordVersion, [StoreSQL.version]), logger: logger)
                    } else if stored != StoreSQL.version {
                        throw BenchError(StoreSQL.versionMismatch(location, found: stored))
                    }
                }
            }
        } catch {
            runner.cancel()
            throw error
        }
    }

    deinit { runner.cancel() }

    public func add(_ run: StoredRun) throws -> AddOutcome {
        let c = run.context
        return try blocking { [self] in
            try await transaction { connection -> AddOutcome in
                try await connection.query(Self.query("SELECT pg_advisory_xact_lock(?)", [Self.lockKey]), logger: logger)
                for try await (digest, source) in try await connection.query(
                    Self.query(StoreSQL.storedDigest, [c.runID]), logger: logger
                ).decode((String, String).self) {
                    guard digest == run.digest else { throw run.conflict(storedSource: source) }
                    return .alreadyStored(runID: c.runID)
                }
                let runValues: [(any PostgresThrowingDynamicTypeEncodable)?] = [
                    c.runID, c.gitCommit, c.gitDirty, c.date, c.host, c.cpuModel, c.buildConfiguration, c.buildFlags,
                    c.configID, c.timing.mode.rawValue, c.sweep, run.contextJSON, run.digest, run.source,
                    ISO8601DateFormatter().string(from: Date()),
                ]
                try await connection.query(Self.query(StoreSQL.insertRun, runValues), logger: logger)
                for (seq, p) in run.points.enumerated() {
                    let values: [(any PostgresThrowingDynamicTypeEncodable)?] = [
                        c.runID, p.name, p.variant, p.threads, p.status, p.medianS, p.medianLowS, p.medianHighS,
                        p.processes, p.gflops, p.instructions, p.record, seq,
                    ]
                    try await connection.query(Self.query(StoreSQL.insertPoint, values), logger: logger)
                }
                for s in run.samples {
                    let values: [(any PostgresThrowingDynamicTypeEncodable)?] = [
                        s.runID, s.name, s.process, s.index, s.secondsPerIteration, s.iterations, s.cpuSeconds,
                        s.migrated, s.referenceSeconds, s.layout,
                    ]
                    try await connection.query(Self.query(StoreSQL.insertSample, values), logger: logger)
                }
                return .added(runID: c.runID, points: run.points.count, samples: run.samples.count)
            }
        }
    }

    public func remove(runID: String) throws -> Bool {
        try blocking { [self] in
            var removed = false
            for try await _ in try await client.query(
                Self.query(StoreSQL.deleteRun + " RETURNING id", [runID]), logger: logger
            ) { removed = true }
            return removed
        }
    }

    public func runs() throws -> [RunSummary] {
        try blocking { [self] in
            var runs: [RunSummary] = []
            for try await row in try await client.query(Self.query(StoreSQL.runs), logger: logger) {
                let r = row.makeRandomAccess()
                runs.append(
                    RunSummary(
                        id: try r["id"].decode(String.self), gitCommit: try r["git_commit"].decode(String?.self),
                        gitDirty: try r["git_dirty"].decode(Bool?.self), date: try r["date"].decode(String.self),
                        host: try r["host"].decode(String.self), cpuModel: try r["cpu_model"].decode(String.self),
                        configID: try r["config_id"].decode(String.self), mode: try r["mode"].decode(String.self),
                        sweep: try r["sweep"].decode(String.self), points: try r["points"].decode(Int.self),
                        samples: try r["samples"].decode(Int.self)))
            }
            return runs
        }
    }

    public func run(_ id: String) throws -> (context: RunContext, records: [[String: String]]) {
        let (context, records) = try blocking { [self] in
            var context: String?
            for try await (text) in try await client.query(Self.query(StoreSQL.context, [id]), logger: logger)
                .decode(String.self)
            { context = text }
            var records: [String] = []
            for try await (text) in try await client.query(Self.query(StoreSQL.records, [id]), logger: logger)
                .decode(String.self)
            { records.append(text) }
            return (context, records)
        }
        return try decodeRun(id, context: context, records: records, location: location)
    }

    public func historyRows() throws -> [HistoryRow] {
        try blocking { [self] in
            var rows: [HistoryRow] = []
            for try await row in try await client.query(Self.query(StoreSQL.historyRows), logger: logger) {
                let r = row.makeRandomAccess()
                rows.append(
                    HistoryRow(
                        name: try r["name"].decode(String.self), medianS: try r["median_s"].decode(Double?.self),
                        medianLowS: try r["median_low_s"].decode(Double?.self),
                        medianHighS: try r["median_high_s"].decode(Double?.self),
                        processes: try r["processes"].decode(Int.self),
                        instructions: try r["instructions"].decode(Int?.self), runID: try r["id"].decode(String.self),
                        gitCommit: try r["git_commit"].decode(String?.self),
                        gitDirty: try r["git_dirty"].decode(Bool?.self), date: try r["date"].decode(String.self),
                        host: try r["host"].decode(String.self), cpuModel: try r["cpu_model"].decode(String.self),
                        configID: try r["config_id"].decode(String.self), mode: try r["mode"].decode(String.self)))
            }
            return rows
        }
    }

    // MARK: - Plumbing

    private func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withTransaction(logger: logger) { connection in try await body(connection) }
    }

    /// A statement of `StoreSQL` with its `?` numbered and `values` bound in order (nil as NULL).
    static func query(_ sql: String, _ values: [(any PostgresThrowingDynamicTypeEncodable)?] = []) throws
        -> PostgresQuery
    {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            if let value { try binds.append(value) } else { binds.appendNull() }
        }
        return PostgresQuery(unsafeSQL: StoreSQL.numbered(sql), binds: binds)
    }

    /// The URL without its password, for messages.
    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "***"
        return parts.string ?? url
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? PSQLError {
            return error.serverInfo?[.message] ?? "\(error.code)"
        }
        return "\(error)"
    }

    /// Runs async work to its end from synchronous code (the commands are synchronous).
    private func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        do { return try box.result!.get() } catch let error as BenchError { throw error } catch {
            throw BenchError("--store \(location): \(Self.describe(error))")
        }
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
