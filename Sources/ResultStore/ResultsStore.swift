import Bench
import Foundation

/// What every results store does, whatever keeps it: SQLite on this machine (`SQLiteStore`), or
/// a PostgreSQL server shared by a team's machines (`dcnbench-pg`, its own package under
/// `Extensions/PostgresStore`, so that its network stack is not in the quick start's build).
/// The runs to add are made here from the results files, and the SQL is `StoreSQL`'s: the two
/// backends differ in how they connect and bind, not in what they keep.
public protocol ResultsStore: AnyObject {
    /// The path or URL, for messages.
    var location: String { get }
    /// Adds a run in one transaction: the same run again is a no-op, a different one under a
    /// stored id is refused.
    func add(_ run: StoredRun) throws -> AddOutcome
    /// Removes a run with its points and samples; false if it was not stored.
    func remove(runID: String) throws -> Bool
    /// The stored runs, oldest first.
    func runs() throws -> [RunSummary]
    /// A run's context and its rows, as the CSV holds them.
    func run(_ id: String) throws -> (context: RunContext, records: [[String: String]])
    /// Every ok point of every run with its run's fields, for `History`.
    func historyRows() throws -> [HistoryRow]
}

/// What `add` did with one run of a file.
public enum AddOutcome: Equatable, Sendable {
    case added(runID: String, points: Int, samples: Int)
    /// Stored before, identical.
    case alreadyStored(runID: String)
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

    public init(
        id: String, gitCommit: String?, gitDirty: Bool?, date: String, host: String, cpuModel: String,
        configID: String, mode: String, sweep: String, points: Int, samples: Int
    ) {
        self.id = id
        self.gitCommit = gitCommit
        self.gitDirty = gitDirty
        self.date = date
        self.host = host
        self.cpuModel = cpuModel
        self.configID = configID
        self.mode = mode
        self.sweep = sweep
        self.points = points
        self.samples = samples
    }
}

/// A point of a run with its run's fields: one value of a history.
public struct HistoryRow: Sendable {
    public var name: String
    public var medianS: Double?
    public var medianLowS: Double?
    public var medianHighS: Double?
    public var processes: Int
    public var instructions: Int?
    public var runID: String
    public var gitCommit: String?
    public var gitDirty: Bool?
    public var date: String
    public var host: String
    public var cpuModel: String
    public var configID: String
    public var mode: String

    public init(
        name: String, medianS: Double?, medianLowS: Double?, medianHighS: Double?, processes: Int, instructions: Int?,
        runID: String, gitCommit: String?, gitDirty: Bool?, date: String, host: String, cpuModel: String,
        configID: String, mode: String
    ) {
        self.name = name
        self.medianS = medianS
        self.medianLowS = medianLowS
        self.medianHighS = medianHighS
        self.processes = processes
        self.instructions = instructions
        self.runID = runID
        self.gitCommit = gitCommit
        self.gitDirty = gitDirty
        self.date = date
        self.host = host
        self.cpuModel = cpuModel
        self.configID = configID
        self.mode = mode
    }
}

/// A run as the stores keep it: its context's fields, its rows and its samples.
public struct StoredRun: Sendable {
    public struct Point: Sendable {
        public var name: String
        public var variant: String
        public var threads: Int
        public var status: String
        public var medianS: Double?
        public var medianLowS: Double?
        public var medianHighS: Double?
        public var processes: Int
        public var gflops: Double?
        public var instructions: Int?
        /// Every column of the row, by the CSV's names, as JSON.
        public var record: String
    }

    public var context: RunContext
    public var contextJSON: String
    /// Every row and sample, in a fixed order: the same run gives the same digest.
    public var digest: String
    public var source: String
    public var points: [Point]
    public var samples: [SampleRow]

    /// The runs of the results file at `path` (a merged file holds several), read as `compare`
    /// reads it: consistent, with its context, or refused. The peers' rows have no samples and
    /// are not stored; they are counted.
    public static func runs(in path: String) throws -> (runs: [StoredRun], peersLeftOut: Int) {
        let file = try ResultFile(path, requireContext: true)
        var runs: [StoredRun] = []
        for runID in file.runIDs where file.rows.contains(where: { $0.runID == runID }) {
            guard let context = file.contexts.first(where: { $0.runID == runID }) else {
                throw BenchError("\(file.paths.context): no context for run \(runID); a run is stored with its context")
            }
            let rows = file.rows.filter { $0.runID == runID }.sorted { $0.point.name < $1.point.name }
            var samples: [SampleRow] = []
            var text = ""
            for row in rows {
                text += row.fields.joined(separator: ",") + "\n"
                for s in (file.samples[row.point.name] ?? []).sorted(by: { ($0.process, $0.index) < ($1.process, $1.index) }) {
                    text += s.fields.joined(separator: ",") + "\n"
                    samples.append(s)
                }
            }
            let points = try rows.map { row in
                Point(
                    name: row.point.name, variant: row.point.variant.rawValue, threads: row.point.threads,
                    status: row.status.rawValue, medianS: row.statistics?.median, medianLowS: row.medianLow,
                    medianHighS: row.medianHigh, processes: row.processes, gflops: row.gflops,
                    instructions: row.instructions,
                    record: String(
                        decoding: try JSONEncoder().encode(
                            Dictionary(uniqueKeysWithValues: zip(ResultRow.header, row.fields))), as: UTF8.self))
            }
            runs.append(
                StoredRun(
                    context: context, contextJSON: String(decoding: try JSONEncoder().encode(context), as: UTF8.self),
                    digest: String(stableHash(text), radix: 16), source: path, points: points, samples: samples))
        }
        return (runs, file.peers.count)
    }

    /// The message for a different run under a stored id.
    public func conflict(storedSource: String) -> BenchError {
        BenchError(
            "\(source): run \(context.runID) is in the store (from \(storedSource)) with other rows or samples; a run is added once, complete. To replace it: dcnbench store remove \(context.runID)"
        )
    }
}

extension ResultsStore {
    /// Adds every run of the results file at `path`.
    public func add(_ path: String) throws -> (outcomes: [AddOutcome], peersLeftOut: Int) {
        let (runs, peers) = try StoredRun.runs(in: path)
        return (try runs.map { try add($0) }, peers)
    }
}

/// Opens the store a `--store` names: a path is an SQLite file; other schemes are served by
/// the executables that register them (`dcnbench-pg` adds postgresql://).
public enum ResultsStores {
    public typealias Opener = @Sendable (_ location: String, _ create: Bool) throws -> any ResultsStore
    /// URL scheme prefixes ("postgresql://") and what opens them.
    nonisolated(unsafe) public static var schemes: [(prefix: String, open: Opener)] = []

    public static func open(_ location: String, create: Bool = true) throws -> any ResultsStore {
        if let scheme = schemes.first(where: { location.hasPrefix($0.prefix) }) {
            return try scheme.open(location, create)
        }
        if location.hasPrefix("postgresql://") || location.hasPrefix("postgres://") {
            throw BenchError(
                "--store \(location): PostgreSQL stores are served by dcnbench-pg, built apart so the quick start stays light: swift build -c release --package-path Extensions/PostgresStore, then run Extensions/PostgresStore/.build/release/dcnbench-pg with the same arguments (docs/history.md)"
            )
        }
        return try SQLiteStore(path: location, create: create)
    }
}
