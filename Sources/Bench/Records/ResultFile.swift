import DeformConv
import Foundation

/// A results file as every command reads it — `compare`, `merge`, `report` and a sweep's
/// `--resume` — with its samples and contexts. The one place that knows what makes a file
/// consistent, so that a fix here holds for all of them:
///
/// - the columns are those of a schema this dcnbench reads, one row per point;
/// - our rows are typed (`ResultRow`); the peers' (variant `peer:NAME`, written by
///   `scripts/peers`) are `PeerRow`s, read from their columns;
/// - a row's samples are those of its own run only (a samples file may also hold another run's,
///   e.g. after a kill between a point's samples and its row), as many as the row declares, and
///   their median of process medians and process count are the row's;
/// - each context names a run that has rows, and a row of such a run has its host and CPU;
/// - an input whose writer still holds its lock (a sweep or merge in progress) is refused.
///
/// Read as an input, the first inconsistency is an error naming the file, the record and the
/// fix. Read for `--resume` (whose run holds the lock), inconsistent rows are listed instead,
/// to be measured again, and samples that belong to no row are counted, to be dropped.
public struct ResultFile {
    public enum Use {
        /// compare, merge, report: complete and consistent, or refused.
        case input
        /// A sweep's `--resume`, under its own lock: what is consistent is kept, the rest listed.
        case resume
    }

    public let paths: OutputPaths
    public let header: [String]
    /// The rows' `schema_version` (nil for a file without rows).
    public let schemaVersion: Int?
    /// Every record as read, in file order (merge copies them unchanged).
    public let records: [[String: String]]
    /// Our rows, in file order.
    public private(set) var rows: [ResultRow] = []
    /// The peers' rows, in file order.
    public private(set) var peers: [PeerRow] = []
    /// Each row's own run's samples, by point name.
    public private(set) var samples: [String: [SampleRow]] = [:]
    /// The contexts of the file's runs (a merged file has several), in file order.
    public private(set) var contexts: [RunContext] = []
    /// `.resume`: names of rows whose samples disagree with them (missing, cut, edited).
    public private(set) var inconsistent: [String] = []
    /// `.resume`: samples that belong to no row of their run.
    public private(set) var strays = 0

    /// The run ids of the rows, ours and the peers', in first-seen order.
    public var runIDs: [String] {
        var seen: [String] = []
        for record in records { if let id = record["run_id"], !seen.contains(id) { seen.append(id) } }
        return seen
    }

    public init(_ path: String, use: Use = .input, requireContext: Bool = false) throws {
        paths = OutputPaths(results: path)
        // A shared lock while reading: a sweep or merge holding the file cannot be half read,
        // and none can start writing it meanwhile.
        let reading = try Self.readLock(path, use: use)
        defer { if let reading { close(reading) } }
        let table = try CSVTable.read(path, what: "results file")
        header = table.header
        records = table.records
        if records.isEmpty && !ResultRow.requiredColumns(version: 1).allSatisfy(header.contains) {
            throw BenchError("\(path): no rows, or not a dcnbench results CSV")
        }
        try ResultRow.checkColumns(of: table, path: path)
        let versions = Set(table.records.map { $0["schema_version"] ?? "" })
        guard versions.count <= 1 else {
            throw BenchError("\(path) mixes schema versions \(versions.sorted()); measure again into a new file")
        }
        schemaVersion = versions.first.flatMap { Int($0) }

        var names = Set<String>()
        for (index, record) in table.records.enumerated() {
            let source = "\(path) record \(index + 2)"
            if (record["variant"] ?? "").hasPrefix(PeerRow.prefix) {
                let peer = try PeerRow(record: record, source: source)
                guard names.insert(peer.name).inserted else { throw Self.twice(peer.name, source) }
                peers.append(peer)
            } else {
                let row = try ResultRow(record: record, source: source)
                guard names.insert(row.point.name).inserted else { throw Self.twice(row.point.name, source) }
                rows.append(row)
            }
        }
        try readSamples(use: use)
        // A resumed run writes its context anew; a file without rows (a run killed before its
        // first) has no row for its context to contradict.
        if use == .input && !records.isEmpty { try readContexts(required: requireContext) }
    }

    private static func twice(_ name: String, _ source: String) -> BenchError {
        BenchError("\(source): a second row for \(name); a results file holds one row per point")
    }

    /// An input is refused while a writer holds its lock; `.resume` holds it itself.
    private static func readLock(_ path: String, use: Use) throws -> Int32? {
        guard use == .input else { return nil }
        try InputFile.check(path, what: "results file")
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw BenchError("cannot read \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else {
            close(fd)
            throw BenchError(
                "\(path) is being written by a dcnbench run (its lock is held); wait for that run to finish, then read it"
            )
        }
        return fd
    }

    private mutating func readSamples(use: Use) throws {
        let declared = rows.filter { $0.statistics != nil }
        guard !declared.isEmpty else { return }
        let fm = FileManager.default
        var found: [String: [SampleRow]] = [:]
        let data =
            fm.fileExists(atPath: paths.samples) ? try InputFile.read(paths.samples, what: "samples file") : Data()
        if !data.isEmpty {
            let table = try CSVTable.parse(String(decoding: data, as: UTF8.self), source: paths.samples)
            // Every sample is written whole with its line end: a last line without one was cut
            // mid-write, and may still parse, with a wrong value (resume drops it first).
            if use == .input, data.last != UInt8(ascii: "\n") {
                throw BenchError(
                    "\(paths.samples): its last line is cut (no line end): the run was killed while writing it; continue it with --resume \(paths.results)"
                )
            }
            guard SampleRow.readableHeaders.contains(table.header) else {
                throw BenchError(
                    "\(paths.samples): columns are not a samples file of schema \(ResultRow.readableVersionsText)")
            }
            var runOf: [String: String] = [:]
            for row in rows { runOf[row.point.name] = row.runID }
            for (index, record) in table.records.enumerated() {
                let sample = try SampleRow(record: record, source: "\(paths.samples) record \(index + 2)")
                guard runOf[sample.name] == sample.runID else { strays += 1; continue }
                found[sample.name, default: []].append(sample)
            }
        } else if use == .input {
            throw BenchError(
                "\(paths.results): its samples file \(paths.samples) is missing or empty; a results file travels with its -samples.csv and -context.json"
            )
        }
        for row in declared {
            let list = found[row.point.name] ?? []
            if let problem = Self.disagreement(row, list) {
                guard use == .resume else { throw BenchError("\(paths.results): \(problem)") }
                inconsistent.append(row.point.name)
                found[row.point.name] = nil
                strays += list.count
            }
        }
        // Samples of rows without statistics (skipped, in error) belong to no measurement.
        for row in rows where row.statistics == nil { strays += found.removeValue(forKey: row.point.name)?.count ?? 0 }
        samples = found
    }

    /// Why `row` and its own run's `samples` disagree, or nil.
    static func disagreement(_ row: ResultRow, _ samples: [SampleRow]) -> String? {
        let name = row.point.name
        let declared = row.statistics?.count ?? 0
        guard samples.count == declared else {
            return "\(samples.count) samples of run \(row.runID) for \(name), the row says \(declared)"
                + (samples.count < declared
                    ? " (the samples file was cut or is missing lines)" : " (samples of a killed attempt?)")
                + "; resume the run with --resume to measure it again"
        }
        let groups = ProcessGroups(samples)
        guard let median = row.statistics?.median, let expected = groups.medianOfMedians,
            abs(median - expected) <= 1e-9 * expected, groups.count == max(row.processes, 1)
        else {
            return
                "the row of \(name) says median_s \(row.statistics?.median ?? .nan) over \(max(row.processes, 1)) process(es); its samples give \(groups.medianOfMedians.map { "\($0)" } ?? "none") over \(groups.count): the file was edited or mixed, measure again"
        }
        return nil
    }

    private mutating func readContexts(required: Bool) throws {
        guard FileManager.default.fileExists(atPath: paths.context) else {
            if required {
                throw BenchError(
                    "\(paths.results): its context file \(paths.context) is missing (where and how it ran)")
            }
            return
        }
        let runs = Set(runIDs)
        for context in try RunContext.load(paths.context) where !contexts.contains(where: { $0.runID == context.runID })
        {
            guard runs.contains(context.runID) else {
                throw BenchError(
                    "\(paths.context): the context of run \(context.runID) belongs to no row of \(paths.results); the files are from different runs: keep a results file with its own sidecars"
                )
            }
            contexts.append(context)
        }
        for row in rows {
            guard let context = contexts.first(where: { $0.runID == row.runID }) else { continue }
            guard row.host == context.host, row.cpuModel == context.cpuModel else {
                throw BenchError(
                    "\(paths.results): the row of \(row.point.name) says host '\(row.host)', CPU '\(row.cpuModel)'; its run's context says '\(context.host)', '\(context.cpuModel)': the file was edited, measure again"
                )
            }
        }
    }
}

/// A row of a peer library (`scripts/peers`): the same columns as ours, the variant `peer:NAME`.
/// Its problem is read from its columns, like ours, and its name checked against them.
public struct PeerRow: Equatable, Sendable {
    static let prefix = "peer:"
    public var name: String
    /// The peer's design, as the variant column names it (`peer:openvino`).
    public var design: String
    /// The problem and run configuration (its `variant` is a placeholder: the peer is `design`).
    public var point: BenchPoint
    public var status: ResultRow.Status
    public var median: Double?
    public var gflops: Double?
    /// 1.4826·MAD / median of the row's samples (the peers' harness keeps no samples file).
    public var robustCV: Double?
    /// p10 and p90 of the row's samples (seconds).
    public var spread: (p10: Double, p90: Double)? { p10.flatMap { a in p90.map { (a, $0) } } }
    var p10: Double?
    var p90: Double?
    public var cpuUtilization: Double?

    init(record: [String: String], source: String) throws {
        design = record["variant"] ?? ""
        var carrier = record
        carrier["variant"] = KernelVariant.naive.rawValue
        if carrier["tensor_bytes"] == "" { carrier["tensor_bytes"] = "0" }  // the peers' harness does not know it
        let given = record["name"] ?? ""
        carrier["name"] =
            given.hasPrefix(design + "/") ? KernelVariant.naive.rawValue + given.dropFirst(design.count) : ""
        guard design.count > Self.prefix.count, !carrier["name"]!.isEmpty else {
            throw BenchError(
                "\(source): peer row '\(given)' does not match its own columns (its name must start with its variant '\(design)/')"
            )
        }
        let row = try ResultRow(record: carrier, source: source)
        name = given
        point = row.point
        status = row.status
        median = row.statistics?.median
        gflops = row.gflops
        robustCV = row.statistics?.robustCV
        p10 = row.statistics?.p10
        p90 = row.statistics?.p90
        cpuUtilization = row.cpuUtilization
        if status == .ok {
            guard let median, median > 0, median.isFinite, let gflops, gflops.isFinite, gflops > 0 else {
                throw BenchError("\(source): the ok peer row \(given) needs a positive median_s and gflops")
            }
        }
    }
}
