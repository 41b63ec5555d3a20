import DeformConv
import Foundation

/// What a row says about its samples, computed in one place: by the point runner for a row of
/// one process, and by `ProcessSweep` for a row assembled from K processes' samples.
extension ResultRow {
    /// Sets the statistics, the two-level columns and every figure derived from the median:
    /// GFLOP/s, GB/s, % of `peakGFLOPS`, speed-ups against `medians` (by point name; the row's
    /// own median joins them), CPU utilization, the reference time, migrated and preempted
    /// samples. `samples` are all of the row's, of every process.
    mutating func summarize(
        _ samples: [SampleRow], geometry: DeformConvGeometry, peakGFLOPS: Double?, medians: [String: Double]
    ) {
        let groups = ProcessGroups(samples)
        processes = groups.count
        betweenProcessCV = groups.betweenProcessCV
        withinProcessCV = groups.withinProcessCV
        let interval = groups.medianInterval(seed: stableHash(point.name))
        medianLow = interval?.low
        medianHigh = interval?.high
        guard var stats = Statistics(samples.map(\.secondsPerIteration)), let median = groups.medianOfMedians else {
            statistics = nil
            return
        }
        stats.median = median
        statistics = stats
        if median > 0 {
            gflops = point.flops(geometry) / median / 1e9
            gbps = Double(point.compulsoryBytes(geometry)) / median / 1e9
            percentOfPeak = peakGFLOPS.map { 100 * gflops! / $0 }
            let known = medians.merging([point.name: median]) { _, mine in mine }  // a reference may be the point itself
            speedupVsNaive = Self.median(of: point, variant: .naive, known).map { $0 / median }
            speedupVsOneThread = Self.median(of: point, variant: point.variant, known).map { $0 / median }
        }
        let utilizations = samples.map {
            $0.cpuSeconds / (Double($0.iterations) * $0.secondsPerIteration * Double(point.threads))
        }
        cpuUtilization = utilizations.isEmpty ? nil : utilizations.reduce(0, +) / Double(utilizations.count)
        referenceSeconds = Statistics(samples.map(\.referenceSeconds))?.median
        migratedSamples = samples.filter(\.migrated).count
        // CPU clocks tick coarsely: judge only samples of at least a millisecond.
        preemptedSamples =
            zip(samples, utilizations).filter { sample, u in
                Double(sample.iterations) * sample.secondsPerIteration >= 1e-3 && u < 0.8
            }.count
    }

    /// The median of `variant` at 1 thread of the point's shape, preferring the same placement:
    /// naive's for `speedup_vs_naive`, the point's own variant's for `speedup_vs_t1`.
    static func median(of point: BenchPoint, variant: KernelVariant, _ medians: [String: Double]) -> Double? {
        var reference = point
        reference.variant = variant
        reference.threads = 1
        for placement in [point.placement, .close, .none, .spread] {
            reference.placement = placement
            if let median = medians[reference.name] { return median }
        }
        return nil
    }
}
