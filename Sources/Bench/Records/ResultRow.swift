import DeformConv
import Foundation
import Topology

/// One row of the main CSV: a point, its outcome, its statistics and its context.
public struct ResultRow: Equatable, Sendable {
    /// 2 added `weights`, 3 `direction`, 4 the processes (`processes` and the two-level columns;
    /// `process` and `layout` in the samples); rows of older versions (without those columns) are
    /// read as weights given per call, the forward pass and one process.
    public static let schemaVersion = 4
    public static let readableVersions = 1...schemaVersion
    static var readableVersionsText: String { "\(readableVersions.lowerBound) to \(readableVersions.upperBound)" }

    /// The columns a file of schema `version` must have.
    public static func requiredColumns(version: Int) -> [String] {
        header.filter {
            ($0 != "weights" || version >= 2) && ($0 != "direction" || version >= 3)
                && (!processColumns.contains($0) || version >= 4)
        }
    }

    public enum Status: String, Sendable {
        /// Measured.
        case ok
        /// Failed the correctness gate; not timed.
        case wrong
        /// Not run, e.g. over `--max-memory`.
        case skipped
        /// Could not run (e.g. the pool could not bind).
        case error
    }

    public var runID: String
    public var point: BenchPoint
    public var status: Status
    public var error: String = ""
    public var iterationsPerSample = 0
    /// The samples' statistics; `median` is the median of the per-process medians.
    public var statistics: Statistics?
    /// How many processes took the samples (0 without samples).
    public var processes = 0
    /// Standard deviation of the process medians over their mean (2 or more processes).
    public var betweenProcessCV: Double?
    /// Median over processes of each one's robust CV.
    public var withinProcessCV: Double?
    /// 95 % interval of the median of process medians (2 or more processes; see `ProcessGroups`).
    public var medianLow: Double?
    public var medianHigh: Double?
    public var gflops: Double?
    public var gbps: Double?
    /// GFLOP/s as a percentage of the measured FMA peak of as many threads.
    public var percentOfPeak: Double?
    public var speedupVsNaive: Double?
    public var speedupVsOneThread: Double?
    public var workspaceBytes: Int?
    public var tensorBytes: Int
    /// PUs the workers ran on (hwloc list syntax).
    public var pusUsed = ""
    /// Mean over samples of process CPU time / (wall time × threads).
    public var cpuUtilization: Double?
    /// Median time of the in-run reference kernel, measured before each sample (`--normalize`).
    public var referenceSeconds: Double?
    /// Instructions of one kernel call (valgrind, `--instructions`), single-thread points only.
    public var instructions: Int?
    public var migratedSamples = 0
    public var preemptedSamples = 0
    public var host: String
    public var cpuModel: String
    public var configID: String
    public var timestamp: String

    public init(
        runID: String, point: BenchPoint, status: Status, tensorBytes: Int, host: String,
        cpuModel: String, configID: String, timestamp: String
    ) {
        self.runID = runID
        self.point = point
        self.status = status
        self.tensorBytes = tensorBytes
        self.host = host
        self.cpuModel = cpuModel
        self.configID = configID
        self.timestamp = timestamp
    }
}

/// One timed sample: a row of `…-samples.csv`.
public struct SampleRow: Equatable, Sendable {
    public var runID: String
    public var name: String
    /// Which process of the run took it (0 … K − 1; 0 in files older than schema 4).
    public var process = 0
    /// Where the process put the point's tensors: each one's offset from a page boundary in
    /// cache lines (input.offset.mask.weight.output…), drawn from the process's seed.
    public var layout = ""
    public var index: Int
    /// Wall time of the sample divided by its iterations.
    public var secondsPerIteration: Double
    public var iterations: Int
    public var cpuSeconds: Double
    public var migrated: Bool
    /// The reference kernel's time just before this sample.
    public var referenceSeconds: Double

    public static let header = [
        "schema_version", "run_id", "name", "process", "layout", "sample", "seconds", "iterations",
        "cpu_seconds", "migrated", "reference_seconds",
    ]
    /// Schemas 1 to 3: no process or layout (one process each).
    static let readableHeaders = [header, header.filter { $0 != "process" && $0 != "layout" }]

    public var fields: [String] {
        [
            "\(ResultRow.schemaVersion)", runID, name, "\(process)", layout, "\(index)", "\(secondsPerIteration)",
            "\(iterations)",
            "\(cpuSeconds)", migrated ? "1" : "0", "\(referenceSeconds)",
        ]
    }

    /// The process a sample belongs to across files: its run and its index in the run.
    public var processKey: String { "\(runID)#\(process)" }

    public init(
        runID: String, name: String, index: Int, secondsPerIteration: Double, iterations: Int, cpuSeconds: Double,
        migrated: Bool, referenceSeconds: Double
    ) {
        self.runID = runID
        self.name = name
        self.index = index
        self.secondsPerIteration = secondsPerIteration
        self.iterations = iterations
        self.cpuSeconds = cpuSeconds
        self.migrated = migrated
        self.referenceSeconds = referenceSeconds
    }

    public init(record r: [String: String], source: String) throws {
        guard let version = r["schema_version"].flatMap(Int.init), ResultRow.readableVersions.contains(version) else {
            throw BenchError(
                "\(source): schema_version '\(r["schema_version"] ?? "")', this dcnbench reads \(ResultRow.readableVersionsText)"
            )
        }
        guard let runID = r["run_id"], let name = r["name"], let index = r["sample"].flatMap(Int.init),
            let seconds = r["seconds"].flatMap(Double.init), let iterations = r["iterations"].flatMap(Int.init),
            let cpu = r["cpu_seconds"].flatMap(Double.init), let migrated = r["migrated"],
            ["0", "1"].contains(migrated),
            let reference = r["reference_seconds"].flatMap(Double.init)
        else { throw BenchError("\(source): malformed sample record for '\(r["name"] ?? "?")'") }
        guard seconds.isFinite, seconds > 0, reference.isFinite, reference > 0 else {
            throw BenchError("\(source): sample \(index) of \(name) has a non-positive or non-finite time")
        }
        self.init(
            runID: runID, name: name, index: index, secondsPerIteration: seconds, iterations: iterations,
            cpuSeconds: cpu, migrated: migrated == "1", referenceSeconds: reference)
        if version >= 4 {
            guard let process = r["process"].flatMap(Int.init), process >= 0, process < 1_000_000,
                let layout = r["layout"]
            else {
                throw BenchError("\(source): sample \(index) of \(name) has no valid process index (0 or more)")
            }
            self.process = process
            self.layout = layout
        }
    }
}
