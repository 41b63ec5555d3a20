import Bench
import DeformConv
import DeformConvReference
import Foundation
import Topology

// Helpers shared by the Bench tests and the command-line tests.

/// A new, empty folder under the system's temporary directory.
public func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dcnbench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `rows` and their samples as a sweep's files, with the context of the first row's run
/// (its host and CPU), changed by `edit`; returns the main CSV's path.
public func writeResult(
    _ rows: [(ResultRow, [SampleRow])], context: Bool = true, edit: (inout RunContext) -> Void = { _ in }
) throws -> String {
    let path = try temporaryDirectory().appendingPathComponent("r.csv").path
    let main = try CSVAppender(path: path, header: ResultRow.header)
    let paths = OutputPaths(results: path)
    let samples = try CSVAppender(path: paths.samples, header: SampleRow.header)
    for (row, rowSamples) in rows {
        try main.append(row.fields)
        for s in rowSamples { try samples.append(s.fields) }
    }
    if context {  // compare refuses absolute times without both contexts
        let first = rows.first?.0
        var c = RunContext(
            runID: first?.runID ?? "x", dcnbenchVersion: "0", date: "d", host: first?.host ?? "h",
            cpuModel: first?.cpuModel ?? "test CPU",
            machine: MachineSummary(try MachineTopology.shared()), allowedCPUs: "0", usedCPUs: nil,
            loadAverage: [], stealTicksBefore: nil, stealTicksAfter: nil, swiftVersion: "6",
            buildConfiguration: "debug", buildFlags: "f", gitCommit: nil, gitDirty: nil, sweep: "s",
            timing: TimingOptions(), cacheBytes: 1, maxMemoryBytes: 1, configID: "c", probes: nil)
        edit(&c)
        try JSONEncoder().encode(c).write(to: URL(fileURLWithPath: paths.context))
    }
    return path
}

/// A row of `point` whose samples are `times`, taken by one process (reference kernel 1 ms
/// each, or `reference`).
public func syntheticRow(
    _ point: BenchPoint, _ times: [Double], reference: [Double]? = nil, cpuModel: String = "test CPU",
    runID: String = "x"
) -> (ResultRow, [SampleRow]) {
    syntheticRow(point, processes: [times], reference: reference.map { [$0] }, cpuModel: cpuModel, runID: runID)
}

/// A row of `point` whose samples are `processes[k]` taken by process k.
public func syntheticRow(
    _ point: BenchPoint, processes: [[Double]], reference: [[Double]]? = nil, cpuModel: String = "test CPU",
    runID: String = "x"
) -> (ResultRow, [SampleRow]) {
    var row = ResultRow(
        runID: runID, point: point, status: .ok, tensorBytes: 1, host: "h", cpuModel: cpuModel, configID: "c",
        timestamp: "t")
    row.statistics = Statistics(processes.flatMap { $0 })
    if let median = ProcessGroups(processes).medianOfMedians { row.statistics?.median = median }  // as sweeps write it
    row.processes = processes.filter { !$0.isEmpty }.count
    row.iterationsPerSample = 1
    var samples: [SampleRow] = []
    for (k, times) in processes.enumerated() {
        for (i, t) in times.enumerated() {
            var sample = SampleRow(
                runID: runID, name: point.name, index: i, secondsPerIteration: t, iterations: 1, cpuSeconds: t,
                migrated: false, referenceSeconds: reference?[k][i] ?? 1e-3)
            sample.process = k
            samples.append(sample)
        }
    }
    return (row, samples)
}

/// Seeded two-level timings: K processes, each at `median` times its own process effect
/// (log-normal with standard deviation `between`, or, `bimodal`, ×1 or ×1.5 with equal odds,
/// as OpenVINO's processes fall into two clusters), each sample around its process's level with
/// standard deviation `within` (log-normal), and every 10th sample of a process an outlier
/// 30 % slow (an interrupt).
public func twoLevel(
    _ median: Double, processes: Int, samples: Int, between: Double, within: Double,
    bimodal: Bool = false, rng: inout SeededGenerator
) -> [[Double]] {
    (0..<processes).map { _ in
        let effect = bimodal ? (rng.next() % 2 == 0 ? 0 : log(1.5)) : between * Double(rng.normal())
        return (0..<samples).map { i in
            median * exp(effect + within * Double(rng.normal())) * (i % 10 == 9 ? 1.3 : 1)
        }
    }
}

/// Log-normal-ish noise around `median` with coefficient of variation about `cv`, reproducible.
public func noisy(_ median: Double, cv: Double, count: Int, seed: UInt64) -> [Double] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        let u = Double(rng.next() % 1_000_000) / 1_000_000 - 0.5
        return median * (1 + cv * 3.4 * u)  // uniform on ±1.7·cv: stddev ≈ cv
    }
}

/// Fast timing for tests: correctness of the harness, not speed, is under test.
public var quickTiming: TimingOptions {
    var t = TimingOptions()
    t.samples = 3
    t.minSampleSeconds = 0.001
    t.warmupSeconds = 0
    t.referenceSteps = 1 << 8  // debug builds run SIMD code slowly; the harness logic is under test
    t.probes = false
    return t
}

public func tinyPoints(_ variants: [KernelVariant] = [.tiled, .blockedGather]) -> [BenchPoint] {
    SweepAxes(variants: variants, versions: [.v2], shapes: [Shape(channels: 4, size: 6)], threads: [1]).points
}
