import DeformConv
import DeformConvReference
import Foundation

/// `dcnbench verify`: every variant on every case of a golden directory, against the stored
/// output and, for the designs with a backward pass, every stored gradient, with the float64
/// references' per-element tolerances (see `ReferenceEvaluator`, `ReferenceGradients`).
public enum Verify {
    /// The tensors checked, in the table's column order.
    public static let tensors = ["output"] + GradientSelection.named.map { "grad_\($0.name)" }

    public struct Outcome: Sendable {
        public var caseName: String
        public var variant: KernelVariant
        /// Largest error / tolerance per tensor checked (≤ 1 passes); a tensor the case does
        /// not store, or the variant cannot compute (no backward), is absent.
        public var worstRatios: [String: Double]
        /// Over every tensor checked.
        public var maxAbsError: Double
        public var maxRelError: Double
        public var passed: Bool { worstRatios.values.allSatisfy { $0 <= 1 } }
    }

    public static func run(
        directory: URL, variants: [KernelVariant] = KernelVariant.allCases,
        options: KernelOptions = KernelOptions()
    ) throws -> [Outcome] {
        let set = try GoldenSet(directory: directory)
        var outcomes: [Outcome] = []
        for golden in set.cases {
            let g = golden.geometry
            let input = try golden.tensor("input"), offset = try golden.tensor("offset"),
                weight = try golden.tensor("weight")
            let mask = g.hasMask ? try golden.tensor("mask") : nil
            let bias = g.hasBias ? try golden.tensor("bias") : nil
            // Expected values and tolerances per tensor: the output always, the gradients the case stores.
            var expected: [(name: String, stored: Tensor, tolerances: [Double])] = []
            let stored = try golden.tensor("output")
            let reference = try ReferenceEvaluator(
                geometry: g, input: input, offset: offset, mask: mask, weight: weight, bias: bias)
            expected.append(("output", stored, (0..<stored.count).map { reference.element($0).tolerance }))
            var selection: GradientSelection = []
            var gradOutput: Tensor?
            if golden.has("grad_output") {
                let upstream = try golden.tensor("grad_output")
                gradOutput = upstream
                let gradients = try ReferenceGradients(
                    geometry: g, input: input, offset: offset, mask: mask, weight: weight,
                    gradOutput: upstream)
                for (name, gradient) in GradientSelection.named where golden.has("grad_\(name)") {
                    let values = try golden.tensor("grad_\(name)")
                    expected.append(
                        ("grad_\(name)", values, (0..<values.count).map { gradients.element(gradient, $0).tolerance }))
                    selection.insert(gradient)
                }
            }
            for variant in variants {
                let op = try DeformConvolution(geometry: g, variant: variant, options: options)
                var actual = [
                    "output": try op.forward(input: input, offset: offset, mask: mask, weight: weight, bias: bias)
                ]
                if variant.hasBackward, let gradOutput, !selection.isEmpty {
                    let gradients = try op.backward(
                        input: input, offset: offset, mask: mask, weight: weight,
                        gradOutput: gradOutput, computing: selection)
                    for (name, _) in GradientSelection.named { actual["grad_\(name)"] = gradients[name] }
                }
                var outcome = Outcome(
                    caseName: golden.name, variant: variant, worstRatios: [:], maxAbsError: 0, maxRelError: 0)
                for (name, values, tolerances) in expected {
                    guard let result = actual[name] ?? nil else { continue }
                    let comparison = OutputComparison(
                        actual: result, expected: { Double(values.data[$0]) }, tolerance: { tolerances[$0] })
                    outcome.worstRatios[name] = comparison.worstRatio
                    outcome.maxAbsError = max(outcome.maxAbsError, comparison.maxAbs)
                    outcome.maxRelError = max(outcome.maxRelError, comparison.maxRel)
                }
                outcomes.append(outcome)
            }
        }
        return outcomes
    }

    /// Case × variant table, error/tolerance per tensor ("-" where not checked), plus each
    /// variant's maximum over the set.
    public static func table(_ outcomes: [Outcome]) -> String {
        func ratio(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }
        var lines = [["case", "variant"] + tensors.map { "\($0) err/tol" } + ["max abs err", "max rel err", "ok"]]
        for o in outcomes {
            lines.append(
                [o.caseName, o.variant.rawValue] + tensors.map { ratio(o.worstRatios[$0]) }
                    + [
                        String(format: "%.3g", o.maxAbsError), String(format: "%.3g", o.maxRelError),
                        o.passed ? "yes" : "NO",
                    ])
        }
        for variant in KernelVariant.allCases {
            let mine = outcomes.filter { $0.variant == variant }
            guard !mine.isEmpty else { continue }
            lines.append(
                ["(all cases)", variant.rawValue]
                    + tensors.map { name in ratio(mine.compactMap { $0.worstRatios[name] }.max()) }
                    + [
                        String(format: "%.3g", mine.map(\.maxAbsError).max()!),
                        String(format: "%.3g", mine.map(\.maxRelError).max()!),
                        mine.allSatisfy(\.passed) ? "yes" : "NO",
                    ])
        }
        return TextTable.render(lines)
    }
}
