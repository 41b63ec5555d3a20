import DeformConv
import DeformConvReference

/// The package's float64 `ReferenceEvaluator` over a whole output.
struct Reference {
    let elements: [ReferenceEvaluator.Element]
    let value: [Double]

    init(_ g: DeformConvGeometry, input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, bias: Tensor?) {
        let evaluator = try! ReferenceEvaluator(geometry: g, input: input, offset: offset, mask: mask, weight: weight, bias: bias)
        elements = (0..<g.outputShape.reduce(1, *)).map(evaluator.element)
        value = elements.map(\.value)
    }

    func tolerance(_ index: Int) -> Double { elements[index].tolerance }
}
