import DeformConv
import DeformConvReference
import Foundation
import Testing

/// [N, A, B] → [N, B, A] for each image: NCHW ↔ NHWC with A·B = channels·pixels.
func transposed(_ t: Tensor, images: Int, rows: Int, columns: Int, shape: [Int]) throws -> Tensor {
    let out = try Tensor(shape: shape)
    for n in 0..<images {
        for r in 0..<rows {
            for c in 0..<columns { out.data[(n * columns + c) * rows + r] = t.data[(n * rows + r) * columns + c] }
        }
    }
    return out
}

@Suite("Channels-last (NHWC) entry point")
struct LayoutTests {
    /// NHWC input in, NHWC output out, compared (transposed back) with the NCHW expectation.
    static func check(_ p: Problem, expected: (Int) -> Double, tolerance: (Int) -> Double, label: String) throws {
        let g = p.geometry
        let input = try transposed(
            p.input, images: g.batch, rows: g.inChannels, columns: g.height * g.width,
            shape: g.inputShape(.nhwc))
        for (name, variant, options) in variantConfigurations {
            let op = try DeformConvolution(geometry: g, variant: variant, options: options, layout: .nhwc)
            let nhwc = try op.forward(input: input, offset: p.offset, mask: p.mask, weight: p.weight, bias: p.bias)
            #expect(nhwc.shape == [g.batch, g.outHeight, g.outWidth, g.outChannels])
            let output = try transposed(
                nhwc, images: g.batch, rows: g.outPixels, columns: g.outChannels, shape: g.outputShape)
            let result = Comparison(actual: output, expected: expected, tolerance: tolerance)
            #expect(result.passed, "\(label), \(name), NHWC: \(result)")
        }
    }

    @Test(
        "every variant in NHWC matches every golden case",
        arguments: try! GoldenSet(directory: goldenDirectory).cases.map(\.name))
    func golden(_ name: String) throws {
        let golden = try #require(try GoldenSet(directory: goldenDirectory).cases.first { $0.name == name })
        let p = try Problem(golden: golden)
        let stored = try golden.tensor("output")
        let reference = p.reference
        try Self.check(p, expected: { Double(stored.data[$0]) }, tolerance: reference.tolerance, label: name)
    }

    @Test("NHWC shapes are checked, and NCHW tensors refused")
    func shapes() throws {
        let g = try DeformConvGeometry(
            batch: 1, inChannels: 3, height: 5, width: 4, outChannels: 2, kernel: Extent2(3),
            padding: Extent2(1), hasMask: false, hasBias: false)
        let p = try Problem(g, seed: 2)
        let op = try DeformConvolution(geometry: g, variant: .blockedGather, layout: .nhwc)
        do {
            _ = try op.forward(input: p.input, offset: p.offset, mask: nil, weight: p.weight, bias: nil)
            Issue.record("an NCHW input was accepted by an NHWC convolution")
        } catch let error as DeformConvError {
            #expect(error.description == "tensor 'input' has shape [1, 3, 5, 4], expected [1, 5, 4, 3]")
        }
        #expect(throws: DeformConvError.invalidOption(name: "layout", reason: "'nchwc' is not nchw or nhwc")) {
            try TensorLayout(named: "nchwc")
        }
    }
}
