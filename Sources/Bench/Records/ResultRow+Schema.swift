import DeformConv
import Topology

/// The main CSV's schema as one table: each column's name, what it means, how a row writes it and
/// how a record sets it. The header, a row's fields, the reading of a record and the manual's
/// schema table (checked by a test) all come from `columns`, so they cannot disagree.
extension ResultRow {
    struct Column: Sendable {
        let name: String
        let meaning: String
        let write: @Sendable (ResultRow) -> String
        /// Sets the column's field of a row being read; nil for the columns read as a group
        /// before the rest: the point's (name and axes) and the statistics' (by `samples`).
        let read: (@Sendable (inout ResultRow, Reader) throws -> Void)?
    }

    /// Typed access to a record, with errors naming the source and the column.
    struct Reader {
        let record: [String: String]
        let source: String
        let version: Int

        func text(_ name: String) throws -> String {
            guard let value = record[name] else { throw BenchError("\(source): missing column '\(name)'") }
            return value
        }
        func int(_ name: String) throws -> Int {
            guard let value = Int(try text(name)) else {
                throw BenchError("\(source): column '\(name)' is not an integer: '\(record[name] ?? "")'")
            }
            return value
        }
        /// Empty means absent.
        func optionalInt(_ name: String) throws -> Int? { try text(name).isEmpty ? nil : try int(name) }
        func double(_ name: String) throws -> Double? {
            let value = try text(name)
            if value.isEmpty { return nil }
            guard let number = Double(value) else {
                throw BenchError("\(source): column '\(name)' is not a number: '\(value)'")
            }
            return number
        }
    }

    /// Numbers in Swift's shortest round-trip form: reading them back gives the same Double.
    private static func num(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }

    private static func string(
        _ name: String, _ meaning: String, _ key: WritableKeyPath<ResultRow, String> & Sendable
    ) -> Column {
        Column(
            name: name, meaning: meaning, write: { $0[keyPath: key] },
            read: { row, r in row[keyPath: key] = try r.text(name) })
    }
    private static func int(
        _ name: String, _ meaning: String, _ key: WritableKeyPath<ResultRow, Int> & Sendable
    ) -> Column {
        Column(
            name: name, meaning: meaning, write: { "\($0[keyPath: key])" },
            read: { row, r in row[keyPath: key] = try r.int(name) })
    }
    private static func optionalInt(
        _ name: String, _ meaning: String, _ key: WritableKeyPath<ResultRow, Int?> & Sendable
    ) -> Column {
        Column(
            name: name, meaning: meaning, write: { $0[keyPath: key].map(String.init) ?? "" },
            read: { row, r in row[keyPath: key] = try r.optionalInt(name) })
    }
    private static func double(
        _ name: String, _ meaning: String, _ key: WritableKeyPath<ResultRow, Double?> & Sendable
    ) -> Column {
        Column(
            name: name, meaning: meaning, write: { num($0[keyPath: key]) },
            read: { row, r in row[keyPath: key] = try r.double(name) })
    }
    /// A two-level column, absent (nil) before schema 4.
    private static func processDouble(
        _ name: String, _ meaning: String, _ key: WritableKeyPath<ResultRow, Double?> & Sendable
    ) -> Column {
        Column(
            name: name, meaning: meaning, write: { num($0[keyPath: key]) },
            read: { row, r in
                guard r.version >= 4 else { return }
                row[keyPath: key] = try r.double(name)
            })
    }
    /// The columns schema 4 added.
    static let processColumns: Set<String> = [
        "processes", "median_low_s", "median_high_s", "between_process_cv", "within_process_cv",
    ]

    /// A column of the point, read with the others by `point(reading:)`.
    private static func point(
        _ name: String, _ meaning: String, _ write: @escaping @Sendable (BenchPoint) -> String
    ) -> Column {
        Column(name: name, meaning: meaning, write: { write($0.point) }, read: nil)
    }
    /// A column of the statistics, read with the others by the `samples` column.
    private static func statistic(
        _ name: String, _ meaning: String, _ value: @escaping @Sendable (Statistics) -> Double
    ) -> Column {
        Column(name: name, meaning: meaning, write: { num($0.statistics.map(value)) }, read: nil)
    }

    static let columns: [Column] = [
        Column(
            name: "schema_version", meaning: "version of this column layout (\(schemaVersion))",
            write: { _ in "\(schemaVersion)" }, read: nil),
        string("run_id", "id of the sweep run (shared with the samples and context files)", \.runID),
        point("name", "the point's stable name") { $0.name },
        point("variant", "kernel design") { $0.variant.rawValue },
        point("direction", "fwd (forward), bwd (backward, every gradient) or fwd+bwd (both in turn)") {
            $0.direction.rawValue
        },
        point("version", "v1 (no mask) or v2 (mask)") { $0.version.rawValue },
        point("batch", "N") { "\($0.batch)" },
        point("in_channels", "C_in") { "\($0.inChannels)" },
        point("out_channels", "C_out") { "\($0.outChannels)" },
        point("height", "H") { "\($0.height)" },
        point("width", "W") { "\($0.width)" },
        point("kernel_h", "kh") { "\($0.kernel.h)" },
        point("kernel_w", "kw") { "\($0.kernel.w)" },
        point("stride", "stride (both axes)") { "\($0.stride)" },
        point("padding", "padding (both axes)") { "\($0.padding)" },
        point("dilation", "dilation (both axes)") { "\($0.dilation)" },
        point("groups", "G") { "\($0.groups)" },
        point("offset_groups", "OG") { "\($0.offsetGroups)" },
        point("threads", "threads") { "\($0.threads)" },
        point("placement", "close, spread, none or pus:LIST") { $0.placement.description },
        point("layout", "nchw, or nhwc (input and output channels-last; the name ends in /nhwc)") {
            $0.layout.rawValue
        },
        point(
            "weights",
            "call (given with every call), or prepared (given once before the calls; the name ends in /prepared)"
        ) {
            $0.weights.rawValue
        },
        Column(
            name: "status",
            meaning: "ok, wrong (failed the correctness gate, not timed), skipped (e.g. over --max-memory), error",
            write: { $0.status.rawValue },
            read: { row, r in
                guard let status = Status(rawValue: try r.text("status")) else {
                    throw BenchError(
                        "\(r.source): unknown status '\(r.record["status"] ?? "")' in row '\(r.record["name"] ?? "")'")
                }
                row.status = status
            }),
        string("error", "why, when status is not ok", \.error),
        Column(
            name: "samples", meaning: "timed samples", write: { "\($0.statistics?.count ?? 0)" },
            read: { row, r in
                let count = try r.int("samples")
                guard count >= 0 else { throw BenchError("\(r.source): column 'samples' is negative: \(count)") }
                let values = try statisticColumns.map { try r.double($0) }
                guard count > 0 else { return }
                let v = values.compactMap { $0 }
                guard v.count == values.count, v.allSatisfy(\.isFinite) else {
                    throw BenchError(
                        "\(r.source): row '\(r.record["name"] ?? "")' has \(count) samples but incomplete statistics")
                }
                row.statistics = Statistics(
                    count: count, min: v[0], max: v[1], median: v[2], mean: v[3], p10: v[4], p90: v[5],
                    stddev: v[6], mad: v[7], cv: v[8])
            }),
        Column(
            name: "processes", meaning: "processes that took the samples (`sweep --processes`; one before schema 4)",
            write: { "\($0.processes)" },
            read: { row, r in
                guard r.version >= 4 else { row.processes = row.statistics == nil ? 0 : 1; return }
                let count = try r.int("processes")
                guard count >= 0, count <= row.statistics?.count ?? 0, (count == 0) == (row.statistics == nil) else {
                    throw BenchError(
                        "\(r.source): row '\(r.record["name"] ?? "")' has \(count) processes for \(row.statistics?.count ?? 0) samples"
                    )
                }
                row.processes = count
            }),
        int("iterations_per_sample", "kernel calls per sample (the fewest of any process)", \.iterationsPerSample),
        statistic("min_s", "fastest sample, seconds per call") { $0.min },
        statistic("median_s", "median of the per-process medians (with one process, of the samples)") { $0.median },
        processDouble(
            "median_low_s",
            "95% interval of median_s, low end: t(K − 1) × the hierarchical bootstrap's standard error (2 or more processes)",
            \.medianLow),
        processDouble("median_high_s", "95% interval of median_s, high end", \.medianHigh),
        processDouble(
            "between_process_cv", "standard deviation of the process medians / their mean (2 or more processes)",
            \.betweenProcessCV),
        processDouble(
            "within_process_cv", "median over processes of each one's robust CV (1.4826·MAD / median)",
            \.withinProcessCV),
        statistic("mean_s", "mean of all samples (as are the columns down to cv)") { $0.mean },
        statistic("p10_s", "10th percentile") { $0.p10 },
        statistic("p90_s", "90th percentile") { $0.p90 },
        statistic("max_s", "slowest sample") { $0.max },
        statistic("stddev_s", "sample standard deviation") { $0.stddev },
        statistic("mad_s", "median absolute deviation (unscaled)") { $0.mad },
        statistic("cv", "stddev / mean") { $0.cv },
        double("gflops", "2·N·C_out·(C_in/G)·kh·kw·H_out·W_out × (1 fwd, 2 bwd, 3 fwd+bwd) / median_s / 1e9", \.gflops),
        double(
            "gbps",
            "compulsory bytes (tensors read once, results written once: output, or a gradient per input) / median_s / 1e9",
            \.gbps),
        double(
            "pct_peak",
            "gflops as % of the fp32 FMA peak measured in the same run for as many threads (`dcnbench probe`)",
            \.percentOfPeak),
        double("speedup_vs_naive", "naive's median (same shape, 1 thread) / this median", \.speedupVsNaive),
        double("speedup_vs_t1", "the same variant's median at 1 thread / this median", \.speedupVsOneThread),
        optionalInt("workspace_bytes", "workspace the kernel allocated (outside the timed region)", \.workspaceBytes),
        int(
            "tensor_bytes",
            "bytes of input, offset, mask, weight and output (twice that with a backward: grad_output and the gradients)",
            \.tensorBytes),
        string("pus_used", "PUs the workers ran on", \.pusUsed),
        double("cpu_utilization", "process CPU time / (wall time × threads), mean over samples", \.cpuUtilization),
        double(
            "reference_s",
            "median time of the fixed reference kernel (compute-bound FMA loop) run on the calling thread before each sample; `compare --normalize` divides by it",
            \.referenceSeconds),
        optionalInt(
            "instructions",
            "instructions of one kernel call counted by valgrind (`sweep --instructions`, single-thread points, portable build)",
            \.instructions),
        int("migrated_samples", "samples in which a worker changed PU or left its binding", \.migratedSamples),
        int(
            "preempted_samples", "samples with cpu_utilization below 0.8 (another process took the CPU)",
            \.preemptedSamples),
        string("host", "host name", \.host),
        string("cpu_model", "CPU model string", \.cpuModel),
        string("config_id", "hash of timing options, build and machine: --resume skips rows with the same", \.configID),
        string("timestamp", "UTC time the row was written", \.timestamp),
    ]

    /// The statistics' columns, in the order `Statistics` takes them.
    private static let statisticColumns = [
        "min_s", "max_s", "median_s", "mean_s", "p10_s", "p90_s", "stddev_s", "mad_s", "cv",
    ]

    public static var header: [String] { columns.map(\.name) }

    /// Throws unless `table` (read from `path`) has every column its schema version needs.
    static func checkColumns(of table: CSVTable, path: String) throws {
        let version = table.records.first?["schema_version"] ?? "?"
        let missing = requiredColumns(version: Int(version) ?? schemaVersion).filter { !table.header.contains($0) }
        guard missing.isEmpty else {
            throw BenchError(
                "\(path): missing column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) (schema_version \(version); this dcnbench writes \(schemaVersion))"
            )
        }
    }

    /// The schema table of docs/results-files.md, row for row (a test holds the page to it).
    public static var markdownTable: String {
        (["| column | meaning |", "| --- | --- |"] + columns.map { "| `\($0.name)` | \($0.meaning) |" }).joined(
            separator: "\n")
    }

    /// The fields in `header` order.
    public var fields: [String] { Self.columns.map { $0.write(self) } }

    /// A row read back from a CSV record, with the source named in errors.
    public init(record: [String: String], source: String) throws {
        let probe = Reader(record: record, source: source, version: 0)
        let version = try probe.int("schema_version")
        guard Self.readableVersions.contains(version) else {
            throw BenchError("\(source): schema_version \(version), this dcnbench reads \(Self.readableVersionsText)")
        }
        let r = Reader(record: record, source: source, version: version)
        var row = ResultRow(
            runID: "", point: try Self.point(reading: r), status: .ok, tensorBytes: 0, host: "", cpuModel: "",
            configID: "", timestamp: "")
        for column in Self.columns { try column.read?(&row, r) }
        self = row
    }

    /// The point of a record, from its axis columns, checked against its `name`.
    private static func point(reading r: Reader) throws -> BenchPoint {
        guard let variant = KernelVariant(rawValue: try r.text("variant")),
            let dcn = DCNVersion(rawValue: try r.text("version"))
        else {
            throw BenchError("\(r.source): unknown variant or version in row '\(r.record["name"] ?? "")'")
        }
        let placement: Placement
        do { placement = try Placement(parsing: try r.text("placement")) } catch {
            throw BenchError("\(r.source): \(error)")
        }
        guard let layout = TensorLayout(rawValue: try r.text("layout")) else {
            throw BenchError("\(r.source): layout '\(r.record["layout"] ?? "")' is not nchw or nhwc")
        }
        // Version 1 had no weights column: its rows are weights given per call.
        var weights = WeightsMode.call
        if r.version >= 2 {
            guard let mode = WeightsMode(rawValue: try r.text("weights")) else {
                throw BenchError("\(r.source): weights '\(r.record["weights"] ?? "")' is not call or prepared")
            }
            weights = mode
        }
        // Before version 3 every row timed the forward pass.
        var direction = Direction.fwd
        if r.version >= 3 {
            guard let d = Direction(rawValue: try r.text("direction")) else {
                throw BenchError("\(r.source): direction '\(r.record["direction"] ?? "")' is not fwd, bwd or fwd+bwd")
            }
            direction = d
        }
        let point = BenchPoint(
            variant: variant, version: dcn, batch: try r.int("batch"), inChannels: try r.int("in_channels"),
            outChannels: try r.int("out_channels"), height: try r.int("height"), width: try r.int("width"),
            kernel: Extent2(try r.int("kernel_h"), try r.int("kernel_w")), stride: try r.int("stride"),
            padding: try r.int("padding"), dilation: try r.int("dilation"), groups: try r.int("groups"),
            offsetGroups: try r.int("offset_groups"), threads: try r.int("threads"), placement: placement,
            layout: layout,
            weights: weights, direction: direction)
        guard point.name == (try r.text("name")) else {
            throw BenchError("\(r.source): row '\(r.record["name"] ?? "")' does not match its own columns")
        }
        return point
    }
}
