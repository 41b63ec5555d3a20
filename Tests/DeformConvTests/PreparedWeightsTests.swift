import DeformConv
import Testing

/// `prepare(weight:)` then `forward` without weights: `blockedGather` multiplies by weights it
/// packed once, and every variant must still compute deform_conv2d.
@Suite("Prepared weights")
struct PreparedWeightsTests {
    /// Few pixels (the as-given path per call, the packed one when prepared) and many; groups,
    /// offset groups, several k-slices.
    static let geometries: [DeformConvGeometry] = [
        try! DeformConvGeometry(
            batch: 2, inChannels: 6, height: 5, width: 4, outChannels: 10, kernel: Extent2(3, 3),
            padding: Extent2(1), groups: 2, offsetGroups: 3, hasMask: true, hasBias: true),
        try! DeformConvGeometry(
            batch: 1, inChannels: 64, height: 13, width: 11, outChannels: 40, kernel: Extent2(3, 3),
            stride: Extent2(1, 2), padding: Extent2(1), hasMask: false, hasBias: true),
    ]

    @Test("every variant and layout, prepared, matches the float64 reference", arguments: [0, 1])
    func preparedMatchesReference(index: Int) throws {
        let g = Self.geometries[index]
        let problem = try Problem(g, seed: 99, offsetScale: 2)
        let reference = problem.reference
        for (label, variant, options) in variantConfigurations {
            for layout in [TensorLayout.nchw, .nhwc] {
                let op = try DeformConvolution(geometry: g, variant: variant, options: options, layout: layout)
                try op.prepare(weight: problem.weight)
                let output = try Tensor(shape: g.outputShape(layout))
                let input =
                    layout == .nchw
                    ? problem.input
                    : try transposed(
                        problem.input, images: g.batch, rows: g.inChannels, columns: g.height * g.width,
                        shape: g.inputShape(.nhwc))
                try op.forward(
                    input: input, offset: problem.offset, mask: problem.mask, bias: problem.bias, output: output)
                let nchw = layout == .nchw ? output : try output.nchwCopy(shape: g.outputShape)
                let result = Comparison(actual: nchw, expected: { reference.value[$0] }, tolerance: reference.tolerance)
                #expect(result.passed, "\(label) \(layout) prepared vs float64: \(result)")
            }
        }
    }

    @Test("the weights are copied when prepared, replaced by preparing again, and calls that pass weights use theirs")
    func copiedReplacedAndBypassed() throws {
        let g = Self.geometries[1]
        let problem = try Problem(g, seed: 5, offsetScale: 2)
        let op = try DeformConvolution(geometry: g, variant: .blockedGather)
        try op.prepare(weight: problem.weight)
        let first = try Tensor(shape: g.outputShape)
        try op.forward(input: problem.input, offset: problem.offset, mask: nil, bias: problem.bias, output: first)
        for i in 0..<problem.weight.count { problem.weight.data[i] *= -1 }  // the caller's tensor changes
        let second = try Tensor(shape: g.outputShape)
        try op.forward(input: problem.input, offset: problem.offset, mask: nil, bias: problem.bias, output: second)
        #expect((0..<first.count).allSatisfy { first.data[$0] == second.data[$0] }, "prepared weights must be a copy")
        // A call with the (negated) weights uses them: the bias-free part flips sign. (1e-4
        // relative: both sides round the same sums of 64·9 products in different orders, at
        // most ~√576·2^-24 relative each, far below it.)
        let given = try op.forward(
            input: problem.input, offset: problem.offset, mask: nil, weight: problem.weight,
            bias: problem.bias)
        let bias = problem.bias!
        let pixels = g.outHeight * g.outWidth
        #expect(
            (0..<first.count).allSatisfy { i in
                let b = bias.data[(i / pixels) % g.outChannels]
                return abs((given.data[i] - b) + (first.data[i] - b)) <= 1e-4 * (1 + abs(first.data[i] - b))
            }, "a call with weights must use them")
        // ... and leaves the prepared ones in place.
        let third = try Tensor(shape: g.outputShape)
        try op.forward(input: problem.input, offset: problem.offset, mask: nil, bias: problem.bias, output: third)
        #expect((0..<first.count).allSatisfy { first.data[$0] == third.data[$0] })
        // Preparing again replaces them.
        try op.prepare(weight: problem.weight)
        let fourth = try Tensor(shape: g.outputShape)
        try op.forward(input: problem.input, offset: problem.offset, mask: nil, bias: problem.bias, output: fourth)
        let close = (0..<first.count).allSatisfy {
            abs(fourth.data[$0] - given.data[$0]) <= 1e-4 * (1 + abs(given.data[$0]))
        }
        #expect(close, "preparing again must replace the weights")
    }

    @Test("a forward without prepared weights, or preparing weights of the wrong shape, is a clear error")
    func errors() throws {
        let g = Self.geometries[0]
        let problem = try Problem(g, seed: 1)
        let op = try DeformConvolution(geometry: g, variant: .blockedGather)
        #expect(
            throws: DeformConvError.tensorPresence(
                tensor: "weight", reason: "was not prepared: call prepare(weight:) first")
        ) {
            try op.forward(
                input: problem.input, offset: problem.offset, mask: problem.mask, bias: problem.bias,
                output: try Tensor(shape: g.outputShape))
        }
        #expect(throws: DeformConvError.self) { try op.prepare(weight: try Tensor(shape: [1, 2, 3, 3])) }
    }
}
