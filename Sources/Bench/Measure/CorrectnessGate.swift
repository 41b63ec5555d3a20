import DeformConv
import DeformConvReference

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
        let reference = try ReferenceEvaluator(
            geometry: geometry, input: input, offset: offset, mask: mask, weight: weight, bias: bias)
        // Both ends of the output always, then a hashed spread of the rest.
        let indices =
            [0, output.count - 1]
            + (0..<sampleSize).map {
                Int(stableHash("\(seed)/\($0)") % UInt64(output.count))
            }
        // Each sampled element evaluated once, for its value and its tolerance.
        let elements = Dictionary(indices.map { ($0, reference.element($0)) }, uniquingKeysWith: { a, _ in a })
        let comparison = OutputComparison(
            actual: output, indices: indices, expected: { elements[$0]!.value },
            tolerance: { elements[$0]!.tolerance })
        guard !comparison.passed else { return nil }
        return
            "\(comparison.failures) of \(comparison.checked) sampled outputs out of tolerance; worst at index \(comparison.worstIndex): expected \(comparison.expected), got \(comparison.actual)"
    }

    /// The same for every gradient present in `gradients` (NCHW), against `ReferenceGradients`:
    /// a quarter of `sampleSize` elements of each, both ends included.
    public static func check(
        geometry: DeformConvGeometry, input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor,
        gradOutput: Tensor, gradients: DeformConvGradients, seed: UInt64
    ) throws -> String? {
        let reference = try ReferenceGradients(
            geometry: geometry, input: input, offset: offset, mask: mask, weight: weight,
            gradOutput: gradOutput)
        for (name, gradient) in GradientSelection.named {
            guard let actual = gradients[name] else { continue }
            let indices =
                [0, actual.count - 1]
                + (0..<sampleSize / 4).map {
                    Int(stableHash("\(seed)/\(name)/\($0)") % UInt64(actual.count))
                }
            // A grad_weight element sums N·H_out·W_out terms: evaluated once, not per use.
            let elements = Dictionary(
                indices.map { ($0, reference.element(gradient, $0)) }, uniquingKeysWith: { a, _ in a })
            let comparison = OutputComparison(
                actual: actual, indices: indices, expected: { elements[$0]!.value },
                tolerance: { elements[$0]!.tolerance })
            guard !comparison.passed else { continue }
            return
                "grad_\(name): \(comparison.failures) of \(comparison.checked) sampled elements out of tolerance; worst at index \(comparison.worstIndex): expected \(comparison.expected), got \(comparison.actual)"
        }
        return nil
    }
}
