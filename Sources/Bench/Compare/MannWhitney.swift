import DeformConvReference
import Foundation

/// The two-sided Mann–Whitney U test (Wilcoxon rank-sum): do two samples come from the same
/// distribution? Assumes nothing about the shape, which suits timing samples (skewed, with
/// outliers from interrupts).
public enum MannWhitney {
    public struct Result: Equatable, Sendable {
        /// U of the first sample: the number of (x, y) pairs with x > y, ties counting ½.
        public var u: Double
        public var pValue: Double
        /// Whether `pValue` is exact (no ties, both samples ≤ `exactLimit`) or the normal
        /// approximation with tie and continuity corrections.
        public var exact: Bool
    }

    /// Largest sample size for the exact distribution.
    public static let exactLimit = 50

    public static func test(_ x: [Double], _ y: [Double]) -> Result? {
        let n1 = x.count, n2 = y.count
        guard n1 > 0, n2 > 0, (x + y).allSatisfy(\.isFinite) else { return nil }
        // Mid-ranks of the pooled sample; tie groups for the variance correction.
        let pooled = (x.map { ($0, 0) } + y.map { ($0, 1) }).sorted { $0.0 < $1.0 }
        var ranks = [Double](repeating: 0, count: pooled.count)
        var tieTerm = 0.0
        var i = 0
        while i < pooled.count {
            var j = i
            while j + 1 < pooled.count && pooled[j + 1].0 == pooled[i].0 { j += 1 }
            let rank = Double(i + j + 2) / 2  // ranks i+1 … j+1, averaged
            for k in i...j { ranks[k] = rank }
            let t = Double(j - i + 1)
            tieTerm += t * t * t - t
            i = j + 1
        }
        let r1 = zip(pooled, ranks).filter { $0.0.1 == 0 }.reduce(0) { $0 + $1.1 }
        let u1 = r1 - Double(n1 * (n1 + 1)) / 2
        let mean = Double(n1 * n2) / 2
        if tieTerm == 0 && n1 <= exactLimit && n2 <= exactLimit {
            // P(U ≤ min(U1, U2)) by counting rank arrangements, doubled for two sides.
            let tail = cumulative(Int(min(u1, Double(n1 * n2) - u1)), n1, n2)
            return Result(u: u1, pValue: min(1, 2 * tail), exact: true)
        }
        let n = Double(n1 + n2)
        let variance = Double(n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return Result(u: u1, pValue: 1, exact: false) }  // all values equal
        let z = max(abs(u1 - mean) - 0.5, 0) / variance.squareRoot()
        return Result(u: u1, pValue: min(1, erfc(z / 2.0.squareRoot())), exact: false)
    }

    /// P(U ≤ u) for samples of n1 and n2 without ties: the share of the C(n1+n2, n1)
    /// arrangements with U ≤ u. With w(u; m, n) the arrangements of m first- and n second-sample
    /// values giving U = u, the largest value is either from the first sample (it beats all n
    /// others: U drops by n) or from the second: w(u; m, n) = w(u − n; m − 1, n) + w(u; m, n − 1),
    /// and w(0; m, 0) = w(0; 0, n) = 1.
    static func cumulative(_ u: Int, _ n1: Int, _ n2: Int) -> Double {
        guard u >= 0 else { return 0 }
        // previous[n] = w(·; m − 1, n), current[n] = w(·; m, n), each an array over U.
        var previous = [[Double]](repeating: [1], count: n2 + 1)
        for m in 1...n1 {
            var current = [[Double]](repeating: [1], count: n2 + 1)
            for n in 1...max(n2, 1) where n <= n2 {
                current[n] = (0...(m * n)).map { v in
                    let largestFirst = v >= n && v - n < previous[n].count ? previous[n][v - n] : 0
                    let largestSecond = v < current[n - 1].count ? current[n - 1][v] : 0
                    return largestFirst + largestSecond
                }
            }
            previous = current
        }
        let distribution = previous[n2]
        return distribution.prefix(u + 1).reduce(0, +) / distribution.reduce(0, +)
    }
}

/// Benjamini–Hochberg adjusted p-values (false discovery rate): sorted ascending, p_(k)·m/k,
/// made monotone from the largest down, capped at 1; returned in the input's order.
public func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
    let m = pValues.count
    guard m > 0 else { return [] }
    let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
    var adjusted = [Double](repeating: 1, count: m)
    var running = 1.0
    for rank in stride(from: m, through: 1, by: -1) {
        let index = order[rank - 1]
        running = min(running, pValues[index] * Double(m) / Double(rank))
        adjusted[index] = min(running, 1)
    }
    return adjusted
}

/// Percentile bootstrap interval of median(current) / median(baseline): each resample draws
/// both samples with replacement; `level` 0.95 gives the 2.5th and 97.5th percentiles.
public func bootstrapRatioInterval(baseline: [Double], current: [Double], resamples: Int = 2000,
                                   level: Double = 0.95, seed: UInt64 = 42) -> (low: Double, high: Double)? {
    guard !baseline.isEmpty, !current.isEmpty else { return nil }
    var rng = SeededGenerator(seed: seed)
    func resampledMedian(_ values: [Double]) -> Double {
        let draw = (0..<values.count).map { _ in values[Int(rng.next() % UInt64(values.count))] }.sorted()
        return Statistics.percentile(draw, 0.5)
    }
    let ratios = (0..<resamples).map { _ in resampledMedian(current) / resampledMedian(baseline) }.sorted()
    let tail = (1 - level) / 2
    return (Statistics.percentile(ratios, tail), Statistics.percentile(ratios, 1 - tail))
}
