import DeformConv
import Foundation
import Topology

/// One row of the main CSV: a point, its outcome, its statistics and its context.
public struct ResultRow: Equatable, Sendable {
    /// 2 added `weights`; rows of version 1 (no such column) are read as weights given per call.
    public static let schemaVersion = 2
    public static let readableVersions = 1...schemaVersion

    /// The columns a file of schema `version` must have.
    public static func requiredColumns(version: Int) -> [String] {
        version >= 2 ? header : header.filter { $0 != "weights" }
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
    public var statistics: Statistics?
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

    /// The columns, in order, with what each means (the README's schema table comes from here).
    public static let columns: [(name: String, meaning: String)] = [
        ("schema_version", "version of this column layout (\(schemaVersion))"),
        ("run_id", "id of the sweep run (shared with the samples and context files)"),
        ("name", "the point's stable name"),
        ("variant", "kernel design"), ("version", "v1 (no mask) or v2 (mask)"),
        ("batch", "N"), ("in_channels", "C_in"), ("out_channels", "C_out"), ("height", "H"), ("width", "W"),
        ("kernel_h", "kh"), ("kernel_w", "kw"), ("stride", "stride (both axes)"), ("padding", "padding (both axes)"),
        ("dilation", "dilation (both axes)"), ("groups", "G"), ("offset_groups", "OG"),
        ("threads", "threads"), ("placement", "close, spread, none or pus:LIST"),
        ("layout", "nchw, or nhwc (input and output channels-last; the name ends in /nhwc)"),
        ("weights", "call (given with every call), or prepared (given once before the calls; the name ends in /prepared)"),
        ("status", "ok, wrong (failed the correctness gate, not timed), skipped (e.g. over --max-memory), error"),
        ("error", "why, when status is not ok"),
        ("samples", "timed samples"), ("iterations_per_sample", "kernel calls per sample"),
        ("min_s", "fastest sample, seconds per call"), ("median_s", "median"), ("mean_s", "mean"),
        ("p10_s", "10th percentile"), ("p90_s", "90th percentile"), ("max_s", "slowest sample"),
        ("stddev_s", "sample standard deviation"), ("mad_s", "median absolute deviation (unscaled)"),
        ("cv", "stddev / mean"),
        ("gflops", "2·N·C_out·(C_in/G)·kh·kw·H_out·W_out / median_s / 1e9"),
        ("gbps", "compulsory bytes (tensors read once, output written once) / median_s / 1e9"),
        ("pct_peak", "gflops as % of the fp32 FMA peak measured in the same run for as many threads (`dcnbench probe`)"),
        ("speedup_vs_naive", "naive's median (same shape, 1 thread) / this median"),
        ("speedup_vs_t1", "the same variant's median at 1 thread / this median"),
        ("workspace_bytes", "workspace the kernel allocated (outside the timed region)"),
        ("tensor_bytes", "bytes of input, offset, mask, weight and output"),
        ("pus_used", "PUs the workers ran on"),
        ("cpu_utilization", "process CPU time / (wall time × threads), mean over samples"),
        ("reference_s", "median time of the fixed reference kernel (compute-bound FMA loop) run on the calling thread before each sample; `compare --normalize` divides by it"),
        ("instructions", "instructions of one kernel call counted by valgrind (`sweep --instructions`, single-thread points, portable build)"),
        ("migrated_samples", "samples in which a worker changed PU or left its binding"),
        ("preempted_samples", "samples with cpu_utilization below 0.8 (another process took the CPU)"),
        ("host", "host name"), ("cpu_model", "CPU model string"),
        ("config_id", "hash of timing options, build and machine: --resume skips rows with the same"),
        ("timestamp", "UTC time the row was written"),
    ]

    public static var header: [String] { columns.map(\.name) }

    /// The fields in `header` order; numbers in Swift's shortest round-trip form, so reading
    /// them back gives the same Double bit for bit.
    public var fields: [String] {
        func num(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        let s = statistics
        return [
            "\(Self.schemaVersion)", runID, point.name, point.variant.rawValue, point.version.rawValue,
            "\(point.batch)", "\(point.inChannels)", "\(point.outChannels)", "\(point.height)", "\(point.width)",
            "\(point.kernel.h)", "\(point.kernel.w)", "\(point.stride)", "\(point.padding)", "\(point.dilation)",
            "\(point.groups)", "\(point.offsetGroups)", "\(point.threads)", point.placement.description,
            point.layout.rawValue, point.weights.rawValue,
            status.rawValue, error,
            "\(s?.count ?? 0)", "\(iterationsPerSample)",
            num(s?.min), num(s?.median), num(s?.mean), num(s?.p10), num(s?.p90), num(s?.max),
            num(s?.stddev), num(s?.mad), num(s?.cv),
            num(gflops), num(gbps), num(percentOfPeak), num(speedupVsNaive), num(speedupVsOneThread),
            workspaceBytes.map(String.init) ?? "", "\(tensorBytes)", pusUsed, num(cpuUtilization),
            num(referenceSeconds), instructions.map(String.init) ?? "",
            "\(migratedSamples)", "\(preemptedSamples)", host, cpuModel, configID, timestamp,
        ]
    }

    public init(runID: String, point: BenchPoint, status: Status, tensorBytes: Int, host: String,
                cpuModel: String, configID: String, timestamp: String) {
        self.runID = runID
        self.point = point
        self.status = status
        self.tensorBytes = tensorBytes
        self.host = host
        self.cpuModel = cpuModel
        self.configID = configID
        self.timestamp = timestamp
    }

    /// A row read back from a CSV record, with the source named in errors.
    public init(record r: [String: String], source: String) throws {
        func field(_ name: String) throws -> String {
            guard let value = r[name] else { throw BenchError("\(source): missing column '\(name)'") }
            return value
        }
        func int(_ name: String) throws -> Int {
            guard let value = Int(try field(name)) else { throw BenchError("\(source): column '\(name)' is not an integer: '\(r[name] ?? "")'") }
            return value
        }
        func double(_ name: String) throws -> Double? {
            let text = try field(name)
            if text.isEmpty { return nil }
            guard let value = Double(text) else { throw BenchError("\(source): column '\(name)' is not a number: '\(text)'") }
            return value
        }
        let version = try int("schema_version")
        guard Self.readableVersions.contains(version) else {
            throw BenchError("\(source): schema_version \(version), this dcnbench reads \(Self.readableVersions.map(String.init).joined(separator: " and "))")
        }
        guard let variant = KernelVariant(rawValue: try field("variant")),
              let dcn = DCNVersion(rawValue: try field("version")),
              let status = Status(rawValue: try field("status")) else {
            throw BenchError("\(source): unknown variant, version or status in row '\(r["name"] ?? "")'")
        }
        let placement: Placement
        do { placement = try Placement(parsing: try field("placement")) } catch { throw BenchError("\(source): \(error)") }
        guard let layout = TensorLayout(rawValue: try field("layout")) else {
            throw BenchError("\(source): layout '\(r["layout"] ?? "")' is not nchw or nhwc")
        }
        let weights: WeightsMode
        if version >= 2 {
            guard let mode = WeightsMode(rawValue: try field("weights")) else {
                throw BenchError("\(source): weights '\(r["weights"] ?? "")' is not call or prepared")
            }
            weights = mode
        } else {
            weights = .call
        }
        point = BenchPoint(
            variant: variant, version: dcn, batch: try int("batch"), inChannels: try int("in_channels"),
            outChannels: try int("out_channels"), height: try int("height"), width: try int("width"),
            kernel: Extent2(try int("kernel_h"), try int("kernel_w")), stride: try int("stride"),
            padding: try int("padding"), dilation: try int("dilation"), groups: try int("groups"),
            offsetGroups: try int("offset_groups"), threads: try int("threads"), placement: placement, layout: layout,
            weights: weights)
        guard point.name == (try field("name")) else {
            throw BenchError("\(source): row '\(r["name"] ?? "")' does not match its own columns")
        }
        runID = try field("run_id")
        self.status = status
        error = try field("error")
        iterationsPerSample = try int("iterations_per_sample")
        let count = try int("samples")
        guard count >= 0 else { throw BenchError("\(source): column 'samples' is negative: \(count)") }
        let values = try ["min_s", "max_s", "median_s", "mean_s", "p10_s", "p90_s", "stddev_s", "mad_s", "cv"].map(double)
        if count > 0 {
            let v = values.compactMap { $0 }
            guard v.count == values.count, v.allSatisfy(\.isFinite) else {
                throw BenchError("\(source): row '\(r["name"] ?? "")' has \(count) samples but incomplete statistics")
            }
            statistics = Statistics(count: count, min: v[0], max: v[1], median: v[2], mean: v[3], p10: v[4], p90: v[5],
                                    stddev: v[6], mad: v[7], cv: v[8])
        }
        gflops = try double("gflops")
        gbps = try double("gbps")
        percentOfPeak = try double("pct_peak")
        speedupVsNaive = try double("speedup_vs_naive")
        speedupVsOneThread = try double("speedup_vs_t1")
        workspaceBytes = try field("workspace_bytes").isEmpty ? nil : try int("workspace_bytes")
        tensorBytes = try int("tensor_bytes")
        pusUsed = try field("pus_used")
        cpuUtilization = try double("cpu_utilization")
        referenceSeconds = try double("reference_s")
        instructions = try field("instructions").isEmpty ? nil : try int("instructions")
        migratedSamples = try int("migrated_samples")
        preemptedSamples = try int("preempted_samples")
        host = try field("host")
        cpuModel = try field("cpu_model")
        configID = try field("config_id")
        timestamp = try field("timestamp")
    }
}

/// One timed sample: a row of `…-samples.csv`.
public struct SampleRow: Equatable, Sendable {
    public var runID: String
    public var name: String
    public var index: Int
    /// Wall time of the sample divided by its iterations.
    public var secondsPerIteration: Double
    public var iterations: Int
    public var cpuSeconds: Double
    public var migrated: Bool
    /// The reference kernel's time just before this sample.
    public var referenceSeconds: Double

    public static let header = ["schema_version", "run_id", "name", "sample", "seconds", "iterations", "cpu_seconds",
                                "migrated", "reference_seconds"]

    public var fields: [String] {
        ["\(ResultRow.schemaVersion)", runID, name, "\(index)", "\(secondsPerIteration)", "\(iterations)",
         "\(cpuSeconds)", migrated ? "1" : "0", "\(referenceSeconds)"]
    }

    public init(runID: String, name: String, index: Int, secondsPerIteration: Double, iterations: Int, cpuSeconds: Double,
                migrated: Bool, referenceSeconds: Double) {
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
        // The samples file's columns are the same in every readable version.
        guard let version = r["schema_version"].flatMap(Int.init), ResultRow.readableVersions.contains(version) else {
            throw BenchError("\(source): schema_version '\(r["schema_version"] ?? "")', this dcnbench reads \(ResultRow.readableVersions.map(String.init).joined(separator: " and "))")
        }
        guard let runID = r["run_id"], let name = r["name"], let index = r["sample"].flatMap(Int.init),
              let seconds = r["seconds"].flatMap(Double.init), let iterations = r["iterations"].flatMap(Int.init),
              let cpu = r["cpu_seconds"].flatMap(Double.init), let migrated = r["migrated"], ["0", "1"].contains(migrated),
              let reference = r["reference_seconds"].flatMap(Double.init)
        else { throw BenchError("\(source): malformed sample record for '\(r["name"] ?? "?")'") }
        guard seconds.isFinite, seconds > 0, reference.isFinite, reference > 0 else {
            throw BenchError("\(source): sample \(index) of \(name) has a non-positive or non-finite time")
        }
        self.init(runID: runID, name: name, index: index, secondsPerIteration: seconds, iterations: iterations,
                  cpuSeconds: cpu, migrated: migrated == "1", referenceSeconds: reference)
    }
}
