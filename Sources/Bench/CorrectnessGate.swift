import DeformConv

/// Checks a kernel's output against the float64 `ReferenceEvaluator` on a sample of elements:
/// cheap at any size ((C_in/G)·kh·kw terms each), and enough to catch a wrong index, a wrong
/// border or a lost tile, which corrupt far more than a few hundred elements would miss.
public enum CorrectnessGate {
    public static let sampleSize = 256

    /// Nil if every sampled element is within the reference's float32 tolerance; otherwise a
    /// message naming the worst element.
    public static func check(
        geometry: DeformConvGeometry, input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor,
        bias: Tensor? = nil, output: Tensor, seed: UInt64
    ) throws -> String? {
        let reference = try ReferenceEvaluator(geometry: geometry, input: input, offset: offset, mask: mask, weight: weight, bias: bias)
        var worst: (ratio: Double, index: Int, expected: Double, actual: Float)?
        var failures = 0
        // Both ends of the output always, then a hashed spread of the rest.
        let indices = [0, output.count - 1] + (0..<sampleSize).map {
            Int(stableHash("\(seed)/\($0)") % UInt64(output.count))
        }
        for index in indices {
            let e = reference.element(index)
            let actual = output.data[index]
            let error = abs(Double(actual) - e.value)
            let ratio = error.isNaN ? .infinity : error / max(e.tolerance, .leastNonzeroMagnitude)
            if ratio > 1 { failures += 1 }
            if ratio > (worst?.ratio ?? 1) { worst = (ratio, index, e.value, actual) }
        }
        guard let worst, failures > 0 else { return nil }
        return "\(failures) of \(indices.count) sampled outputs out of tolerance; worst at index \(worst.index): expected \(worst.expected), got \(worst.actual)"
    }
}
