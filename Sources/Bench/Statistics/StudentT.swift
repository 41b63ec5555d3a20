import Foundation

/// Student's t distribution: what the intervals and tests on a handful of process medians need.
/// With 3 to 10 processes a side the normal distribution's quantiles would make intervals too
/// narrow (1.96 where t with 4 degrees of freedom needs 2.78).
public enum StudentT {
    /// P(T ≤ t) for `df` > 0 degrees of freedom (not necessarily an integer: Welch's are not),
    /// through the regularized incomplete beta function: P(|T| > t) = I_{df/(df+t²)}(df/2, 1/2).
    public static func cdf(_ t: Double, df: Double) -> Double {
        guard t.isFinite else { return t > 0 ? 1 : 0 }
        let tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5)
        return t > 0 ? 1 - tail : tail
    }

    /// The p-quantile (0 < p < 1), by bisection on `cdf`: 200 halvings of [−1e6, 1e6] resolve it
    /// far below a double's precision, and a quantile is asked for a few times per point.
    public static func quantile(_ p: Double, df: Double) -> Double {
        precondition(p > 0 && p < 1 && df > 0, "StudentT.quantile needs 0 < p < 1 and df > 0")
        var low = -1e6, high = 1e6
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if cdf(middle, df: df) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// The two-sided p-value of a t statistic.
    public static func twoSidedP(_ t: Double, df: Double) -> Double {
        guard !t.isNaN else { return 1 }
        return min(1, 2 * cdf(-abs(t), df: df))
    }

    /// I_x(a, b), by the continued fraction of Numerical Recipes §6.4 (modified Lentz), on
    /// whichever side of the mean (a + 1)/(a + b + 2) it converges quickly.
    static func incompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let front = exp(logGammas + logPowers)
        if x < (a + 1) / (a + b + 2) { return front * continuedFraction(x, a, b) / a }
        return 1 - front * continuedFraction(1 - x, b, a) / b
    }

    private static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...300 {
            let m = Double(m), m2 = 2 * m
            // Even step, then odd step of the fraction.
            var numerator = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            numerator = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            result *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return result
    }
}
