import DeformConv
import DeformConvReference
import Foundation

/// `dcnbench verify`: every variant on every case of a golden directory, against the stored
/// outputs, with the float64 reference's per-element tolerance (see `ReferenceEvaluator`).
public enum Verify {
    public struct Outcome: Sendable {
        public var caseName: String
        public var variant: KernelVariant
        public var maxAbsError: Double
        public var maxRelError: Double
        /// Largest error / tolerance over the output; ≤ 1 passes.
        public var worstRatio: Double
        public var passed: Bool { worstRatio <= 1 }
    }

    public static func run(directory: URL, variants: [KernelVariant] = KernelVariant.allCases,
                           options: ForwardOptions = ForwardOptions()) throws -> [Outcome] {
        let set = try GoldenSet(directory: directory)
        var outcomes: [Outcome] = []
        for golden in set.cases {
            let g = golden.geometry
            let input = try golden.tensor("input"), offset = try golden.tensor("offset"), weight = try golden.tensor("weight")
            let mask = g.hasMask ? try golden.tensor("mask") : nil
            let bias = g.hasBias ? try golden.tensor("bias") : nil
            let stored = try golden.tensor("output")
            let reference = try ReferenceEvaluator(geometry: g, input: input, offset: offset, mask: mask, weight: weight, bias: bias)
            let tolerances = (0..<stored.count).map { reference.element($0).tolerance }
            for variant in variants {
                let output = try DeformConvolution(geometry: g, variant: variant, options: options)
                    .forward(input: input, offset: offset, mask: mask, weight: weight, bias: bias)
                let comparison = OutputComparison(actual: output, expected: { Double(stored.data[$0]) },
                                                  tolerance: { tolerances[$0] })
                let outcome = Outcome(caseName: golden.name, variant: variant, maxAbsError: comparison.maxAbs,
                                      maxRelError: comparison.maxRel, worstRatio: comparison.worstRatio)
                outcomes.append(outcome)
            }
        }
        return outcomes
    }

    /// Case × variant table plus each variant's maximum over the set.
    public static func table(_ outcomes: [Outcome]) -> String {
        var lines = [["case", "variant", "max abs err", "max rel err", "err/tol", "ok"]]
        for o in outcomes {
            lines.append([o.caseName, o.variant.rawValue, String(format: "%.3g", o.maxAbsError),
                          String(format: "%.3g", o.maxRelError), String(format: "%.3f", o.worstRatio), o.passed ? "yes" : "NO"])
        }
        for variant in KernelVariant.allCases {
            let mine = outcomes.filter { $0.variant == variant }
            guard !mine.isEmpty else { continue }
            lines.append(["(all cases)", variant.rawValue, String(format: "%.3g", mine.map(\.maxAbsError).max()!),
                          String(format: "%.3g", mine.map(\.maxRelError).max()!),
                          String(format: "%.3f", mine.map(\.worstRatio).max()!), mine.allSatisfy(\.passed) ? "yes" : "NO"])
        }
        return TextTable.render(lines)
    }
}
