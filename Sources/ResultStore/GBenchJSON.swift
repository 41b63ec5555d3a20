import Bench
import Foundation
import Topology

/// A run in google/benchmark's JSON (its `JSONReporter`: a `context` object and a list of
/// `benchmarks`), so that tools made for it — github-action-benchmark, Bencher, Conbench — can
/// read our runs.
///
/// One benchmark per point, named by the point's name, `run_type` "iteration": `real_time` is
/// the median of process medians per call and `cpu_time` that times the CPU utilization and the
/// threads (the CPU time per call), both in `time_unit` "ns"; `iterations` the calls timed in
/// all samples. Our columns go along as counters (numbers at the benchmark's top level, as
/// google/benchmark writes its user counters): GFLOP/s, % of peak, processes, the median's 95 %
/// interval. A point that failed or was skipped is a benchmark with `error_occurred` and its
/// message. Only timed runs: an instruction count or a dry run has no time to report.
public enum GBenchJSON {
    public static func document(context: RunContext, records: [[String: String]]) throws -> Data {
        guard [.timed, .interleaved].contains(context.timing.mode) else {
            throw BenchError(
                "run \(context.runID) is a \(context.timing.mode.rawValue) run: google/benchmark's JSON carries times; export a timed run")
        }
        let benchmarks: [[String: Any]] = records.enumerated().map { index, r in
            let name = r["name"] ?? ""
            var b: [String: Any] = [
                "name": name, "run_name": name, "family_index": index, "per_family_instance_index": 0,
                "run_type": "iteration", "repetitions": 1, "repetition_index": 0,
                "threads": Int(r["threads"] ?? "") ?? 1, "time_unit": "ns",
            ]
            let median = Double(r["median_s"] ?? "")
            guard r["status"] == "ok", let median else {
                b["error_occurred"] = true
                b["error_message"] = "\(r["status"] ?? "?"): \(r["error"] ?? "")"
                b["iterations"] = 0
                b["real_time"] = 0.0
                b["cpu_time"] = 0.0
                return b
            }
            let samples = Int(r["samples"] ?? "") ?? 0, perSample = Int(r["iterations_per_sample"] ?? "") ?? 0
            b["iterations"] = samples * perSample
            b["real_time"] = median * 1e9
            let threads = Double(b["threads"] as! Int)
            b["cpu_time"] = median * 1e9 * (Double(r["cpu_utilization"] ?? "").map { $0 * threads } ?? 1)
            for (column, counter) in [
                ("gflops", "GFLOPS"), ("pct_peak", "pct_peak"), ("processes", "processes"),
                ("median_low_s", "median_low_ns"), ("median_high_s", "median_high_ns"),
            ] {
                guard let value = Double(r[column] ?? ""), value.isFinite else { continue }
                b[counter] = column.hasSuffix("_s") ? value * 1e9 : value
            }
            return b
        }
        let document: [String: Any] = [
            "context": [
                "date": context.date, "host_name": context.host, "executable": "dcnbench \(context.dcnbenchVersion)",
                "num_cpus": context.machine.pus, "mhz_per_cpu": 0, "cpu_scaling_enabled": false,
                "caches": context.machine.caches.map { c in
                    [
                        "type": c.kind == "data" ? "Data" : c.kind == "instruction" ? "Instruction" : "Unified",
                        "level": c.level, "size": c.sizeBytes, "num_sharing": c.pusPerInstance,
                    ] as [String: Any]
                },
                "load_avg": context.loadAverage, "library_build_type": context.buildConfiguration,
                "json_schema_version": 1,
                "dcnbench_run_id": context.runID, "dcnbench_git_commit": context.gitCommit ?? "",
                "dcnbench_cpu_model": context.cpuModel, "dcnbench_build_flags": context.buildFlags,
            ] as [String: Any],
            "benchmarks": benchmarks,
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
