import DeformConv

/// A kernel's output against expected values (the float64 reference, or stored golden outputs)
/// with a tolerance per element: the one check behind the harness's correctness gate,
/// `dcnbench verify` and the tests. An element fails when |actual − expected| exceeds its
/// tolerance; a NaN error fails (ratio ∞).
public struct OutputComparison: CustomStringConvertible, Sendable {
    /// Elements checked and those out of tolerance.
    public private(set) var checked = 0
    public private(set) var failures = 0
    /// The element with the largest error / tolerance (the first one when none fails).
    public private(set) var worstIndex = 0
    public private(set) var worstRatio = 0.0
    public private(set) var expected = 0.0
    public private(set) var actual: Float = 0
    /// Largest |actual − expected| (∞ with a NaN) and largest error relative to |expected|.
    public private(set) var maxAbs = 0.0
    public private(set) var maxRel = 0.0

    /// Compares `actual[i]` with `expected(i)` within `tolerance(i)` for each i of `indices`.
    public init(actual: Tensor, indices: some Sequence<Int>, expected: (Int) -> Double, tolerance: (Int) -> Double) {
        for i in indices {
            let e = expected(i), a = actual.data[i]
            let error = abs(Double(a) - e)
            let ratio = error.isNaN ? .infinity : error / max(tolerance(i), .leastNonzeroMagnitude)
            maxAbs = max(maxAbs, error.isNaN ? .infinity : error)
            maxRel = max(maxRel, error.isNaN ? .infinity : error / max(abs(e), 1e-30))
            if ratio > 1 { failures += 1 }
            if ratio > worstRatio || checked == 0 {
                (worstRatio, worstIndex, self.expected, self.actual) = (ratio, i, e, a)
            }
            checked += 1
        }
    }

    /// Every element of `actual`.
    public init(actual: Tensor, expected: (Int) -> Double, tolerance: (Int) -> Double) {
        self.init(actual: actual, indices: 0..<actual.count, expected: expected, tolerance: tolerance)
    }

    public var passed: Bool { failures == 0 }

    public var description: String {
        "\(failures) of \(checked) outputs out of tolerance; worst at index \(worstIndex): expected \(expected), got \(actual) (error/tolerance \(worstRatio)); max abs error \(maxAbs)"
    }
}
