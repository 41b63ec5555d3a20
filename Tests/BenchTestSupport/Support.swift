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

/// Writes `rows` and their samples as a sweep's files; returns the main CSV's path.
public func writeResult(_ rows: [(ResultRow, [SampleRow])], cpuModel: String = "test CPU", host: String = "h",
                 context: Bool = true) throws -> String {
    let path = try temporaryDirectory().appendingPathComponent("r.csv").path
    let main = try CSVAppender(path: path, header: ResultRow.header)
    let paths = OutputPaths(results: path)
    let samples = try CSVAppender(path: paths.samples, header: SampleRow.header)
    for (row, rowSamples) in rows {
        try main.append(row.fields)
        for s in rowSamples { try samples.append(s.fields) }
    }
    if context {  // compare refuses absolute times without both contexts
        let c = RunContext(runID: "x", dcnbenchVersion: "0", date: "d", host: host, cpuModel: cpuModel,
                           machine: MachineSummary(try MachineTopology.shared()), allowedCPUs: "0", usedCPUs: nil,
                           loadAverage: [], stealTicksBefore: nil, stealTicksAfter: nil, swiftVersion: "6",
                           buildConfiguration: "debug", buildFlags: "f", gitCommit: nil, gitDirty: nil, sweep: "s",
                           timing: TimingOptions(), cacheBytes: 1, maxMemoryBytes: 1, configID: "c", probes: nil)
        try JSONEncoder().encode(c).write(to: URL(fileURLWithPath: paths.context))
    }
    return path
}

/// A row of `point` whose samples are `times` (reference kernel 1 ms each, or `reference`).
public func syntheticRow(_ point: BenchPoint, _ times: [Double], reference: [Double]? = nil, cpuModel: String = "test CPU") -> (ResultRow, [SampleRow]) {
    var row = ResultRow(runID: "x", point: point, status: .ok, tensorBytes: 1, host: "h", cpuModel: cpuModel, configID: "c", timestamp: "t")
    row.statistics = Statistics(times)
    row.iterationsPerSample = 1
    let samples = times.enumerated().map { i, t in
        SampleRow(runID: "x", name: point.name, index: i, secondsPerIteration: t, iterations: 1, cpuSeconds: t,
                  migrated: false, referenceSeconds: reference?[i] ?? 1e-3)
    }
    return (row, samples)
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
