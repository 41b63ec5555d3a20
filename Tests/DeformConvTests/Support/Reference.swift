import DeformConv
import DeformConvReference

/// The package's float64 `ReferenceEvaluator` over a whole output.
struct Reference {
    let elements: [ReferenceEvaluator.Element]
    let value: [Double]

    init(_ g: DeformConvGeometry, input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, bias: Tensor?) {
        let evaluator = try! ReferenceEvaluator(
            geometry: g, input: input, offset: offset, mask: mask, weight: weight, bias: bias)
        elements = (0..<g.outputShape.reduce(1, *)).map(evaluator.element)
        value = elements.map(\.value)
    }

    func tolerance(_ index: Int) -> Double { elements[index].tolerance }
}

/// The package's float64 `ReferenceGradients` over whole gradients.
struct GradientReference {
    let evaluator: ReferenceGradients

    init(_ p: Problem, gradOutput: Tensor) {
        evaluator = try! ReferenceGradients(
            geometry: p.geometry, input: p.input, offset: p.offset, mask: p.mask,
            weight: p.weight, gradOutput: gradOutput)
    }

    /// Every element of `gradient`.
    func elements(_ gradient: GradientSelection, count: Int) -> [ReferenceGradients.Element] {
        (0..<count).map { evaluator.element(gradient, $0) }
    }
}
