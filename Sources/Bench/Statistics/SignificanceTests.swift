import Foundation

/// Welch's t-test of two samples' means with unequal variances: applied to the logarithms of
/// per-process medians, it asks whether the two builds' typical process differs, with the
/// process as the unit of repetition (samples inside one process are not independent draws).
public struct WelchTest: Equatable, Sendable {
    /// mean(y) − mean(x).
    public var difference: Double
    public var standardError: Double
    /// Welch–Satterthwaite degrees of freedom.
    public var degreesOfFreedom: Double
    public var pValue: Double

    /// Nil unless both samples have at least two finite values.
    public init?(_ x: [Double], _ y: [Double]) {
        guard x.count >= 2, y.count >= 2, (x + y).allSatisfy(\.isFinite) else { return nil }
        func meanVariance(_ v: [Double]) -> (Double, Double) {
            let mean = v.reduce(0, +) / Double(v.count)
            return (mean, v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1))
        }
        let (mx, vx) = meanVariance(x), (my, vy) = meanVariance(y)
        let (ax, ay) = (vx / Double(x.count), vy / Double(y.count))
        difference = my - mx
        standardError = (ax + ay).squareRoot()
        degreesOfFreedom = welchDegreesOfFreedom([(ax, x.count), (ay, y.count)])
        // Identical values on both sides: no evidence of a difference (or, for different
        // constants, all of it).
        if standardError == 0 {
            pValue = difference == 0 ? 1 : 0
        } else {
            pValue = StudentT.twoSidedP(difference / standardError, df: degreesOfFreedom)
        }
    }
}

/// Welch–Satterthwaite: the degrees of freedom of a sum of variance estimates, each the
/// variance of a mean (or median) of `count` independent units; at least 1.
func welchDegreesOfFreedom(_ parts: [(variance: Double, count: Int)]) -> Double {
    let total = parts.reduce(0) { $0 + $1.variance }
    let denominator = parts.reduce(0) { $0 + $1.variance * $1.variance / Double(max($1.count - 1, 1)) }
    guard total > 0, denominator > 0 else { return Double(max(parts.reduce(0) { $0 + $1.count } - parts.count, 1)) }
    return max(1, total * total / denominator)
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
