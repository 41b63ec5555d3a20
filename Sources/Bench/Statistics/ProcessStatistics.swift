import DeformConvReference
import Foundation

/// One point's samples grouped by the process that took them: the two-level view.
///
/// On the project's VMs one build measured in two processes can differ by 15 % while the samples
/// inside each agree within 1 %: each process has its own memory layout, page placement and
/// neighbours. The samples of a process are therefore not independent draws of "the speed of
/// this build"; the processes are. Every figure here treats the process as the unit of
/// repetition and the samples as a measurement of that unit (Kalibera & Jones, "Rigorous
/// benchmarking in reasonable time", 2013).
public struct ProcessGroups: Sendable {
    /// Each process's samples, sorted; processes without samples are left out.
    public let groups: [[Double]]
    public let medians: [Double]

    public init(_ groups: [[Double]]) {
        self.groups = groups.filter { !$0.isEmpty }.map { $0.sorted() }
        medians = self.groups.map { Statistics.percentile($0, 0.5) }
    }

    /// `samples` grouped by their process (run and index), in first-seen order, each sample
    /// as `value` (seconds per call, or normalised).
    public init(_ samples: [SampleRow], value: (SampleRow) -> Double = { $0.secondsPerIteration }) {
        var order: [String] = [], groups: [String: [Double]] = [:]
        for sample in samples {
            if groups[sample.processKey] == nil { order.append(sample.processKey) }
            groups[sample.processKey, default: []].append(value(sample))
        }
        self.init(order.map { groups[$0]! })
    }

    public var count: Int { groups.count }

    /// The median of the per-process medians: the typical process's typical sample.
    public var medianOfMedians: Double? { medians.isEmpty ? nil : Statistics.percentile(medians.sorted(), 0.5) }

    /// Sample standard deviation of the process medians over their mean; nil below 2 processes.
    public var betweenProcessCV: Double? {
        guard medians.count >= 2 else { return nil }
        let mean = medians.reduce(0, +) / Double(medians.count)
        let variance = medians.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(medians.count - 1)
        return mean > 0 ? variance.squareRoot() / mean : nil
    }

    /// The median over processes of each one's robust coefficient of variation (1.4826·MAD/median).
    public var withinProcessCV: Double? {
        let cvs = groups.compactMap { Statistics($0)?.robustCV }.sorted()
        return cvs.isEmpty ? nil : Statistics.percentile(cvs, 0.5)
    }

    /// The geometric mean of the per-process medians: what a comparison's ratio compares. With
    /// process effects that fall into clusters (OpenVINO's two, this VM's fast and slow
    /// processes) the median of a few medians jumps from one cluster to the other, while the
    /// mean of their logarithms moves by the share of processes in each.
    public var geometricMeanOfMedians: Double? {
        medians.isEmpty || medians.contains { $0 <= 0 }
            ? nil : exp(medians.reduce(0) { $0 + log($1) } / Double(medians.count))
    }

    /// Which statistic of the process medians a bootstrap resamples.
    public enum Center: Sendable { case median, geometricMean }

    /// The variance of log(`center` of the process medians) over hierarchical bootstrap
    /// resamples (processes drawn with replacement, then each drawn process's samples with
    /// replacement), scaled by K/(K − 1): the bootstrap's plug-in variance is that much too
    /// small for K units, which matters at K = 3 to 10. Nil below 2 processes, where nothing
    /// measures the spread between processes.
    public func logVariance(
        of center: Center = .median, resamples: Int = ProcessGroups.resamples, seed: UInt64
    ) -> Double? {
        guard count >= 2 else { return nil }
        var rng = SeededGenerator(seed: seed)
        let k = count
        var medianBuffer = [Double](repeating: 0, count: k)
        var draw = [Double](repeating: 0, count: groups.map(\.count).max() ?? 0)
        var sum = 0.0, sumSquares = 0.0
        for _ in 0..<resamples {
            for slot in 0..<k {
                let group = groups[Int(rng.next() % UInt64(k))]
                let n = group.count
                for j in 0..<n { draw[j] = group[Int(rng.next() % UInt64(n))] }
                draw[0..<n].sort()
                medianBuffer[slot] = n % 2 == 1 ? draw[n / 2] : (draw[n / 2 - 1] + draw[n / 2]) / 2
            }
            let value: Double
            switch center {
            case .median:
                medianBuffer.sort()
                value = log(k % 2 == 1 ? medianBuffer[k / 2] : (medianBuffer[k / 2 - 1] + medianBuffer[k / 2]) / 2)
            case .geometricMean:
                value = medianBuffer.reduce(0) { $0 + log($1) } / Double(k)
            }
            sum += value
            sumSquares += value * value
        }
        let n = Double(resamples)
        let variance = max(0, sumSquares / n - (sum / n) * (sum / n)) * n / (n - 1)
        return variance * Double(k) / Double(k - 1)
    }

    /// The `level` interval of the median of medians: exp(log m ± t(K − 1)·se), se from
    /// `logVariance`. Nil below 2 processes.
    public func medianInterval(level: Double = 0.95, seed: UInt64) -> (low: Double, high: Double)? {
        interval(of: .median, level: level, seed: seed)
    }

    /// The `level` interval of `center` of the process medians: exp(log c ± t(K − 1)·se), se
    /// from `logVariance`. Nil below 2 processes.
    public func interval(of center: Center, level: Double = 0.95, seed: UInt64) -> (low: Double, high: Double)? {
        let value = center == .median ? medianOfMedians : geometricMeanOfMedians
        guard let value, value > 0, let variance = logVariance(of: center, seed: seed) else { return nil }
        let half = StudentT.quantile(1 - (1 - level) / 2, df: Double(count - 1)) * variance.squareRoot()
        return (value * exp(-half), value * exp(half))
    }

    /// Bootstrap resamples per estimate: the variance (not a far tail) is estimated, for which
    /// 1000 give it within a few per cent.
    public static let resamples = 1000
}

/// current / baseline of the geometric means of process medians, with its interval and power.
public struct ProcessRatio: Equatable, Sendable {
    /// > 1: the current side is slower.
    public var ratio: Double
    public var low: Double
    public var high: Double
    /// Standard error of log(ratio): the two sides' bootstrap variances added (the geometric
    /// mean's, as the ratio's).
    public var logStandardError: Double
    /// Welch–Satterthwaite degrees of freedom of that error.
    public var degreesOfFreedom: Double
    /// The smallest relative change this data would detect with 80 % power at the 5 % level
    /// (exp((t₀.₉₇₅ + t₀.₈₀)·se) − 1): what "unchanged" means here.
    public var detectable: Double

    /// Nil unless both sides have at least two processes with positive medians.
    public init?(baseline: ProcessGroups, current: ProcessGroups, level: Double = 0.95, seed: UInt64) {
        guard let a = baseline.geometricMeanOfMedians, let b = current.geometricMeanOfMedians,
            let va = baseline.logVariance(of: .geometricMean, seed: seed),
            let vb = current.logVariance(of: .geometricMean, seed: seed &+ 1)
        else { return nil }
        ratio = b / a
        logStandardError = (va + vb).squareRoot()
        degreesOfFreedom = welchDegreesOfFreedom([(va, baseline.count), (vb, current.count)])
        let half = StudentT.quantile(1 - (1 - level) / 2, df: degreesOfFreedom) * logStandardError
        low = ratio * exp(-half)
        high = ratio * exp(half)
        detectable =
            exp(
                (StudentT.quantile(0.975, df: degreesOfFreedom) + StudentT.quantile(0.8, df: degreesOfFreedom))
                    * logStandardError) - 1
    }
}
