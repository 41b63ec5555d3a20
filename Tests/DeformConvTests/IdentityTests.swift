import DeformConv
import Testing

/// A plain (non-deformable) convolution in float64 with zero padding: the identities' yardstick,
/// written without any sampling.
func plainConvolution(
    _ g: DeformConvGeometry, input: (Int, Int, Int, Int) -> Double, weight: Tensor, bias: Tensor?
) -> [Double] {
    var out: [Double] = []
    let cg = g.inChannels / g.groups
    for n in 0..<g.batch {
        for co in 0..<g.outChannels {
            let group = co / (g.outChannels / g.groups)
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    var sum = bias.map { Double($0.data[co]) } ?? 0
                    for cl in 0..<cg {
                        for i in 0..<g.kernel.h {
                            for j in 0..<g.kernel.w {
                                let y = oy * g.stride.h - g.padding.h + i * g.dilation.h
                                let x = ox * g.stride.w - g.padding.w + j * g.dilation.w
                                let w = Double(weight.data[((co * cg + cl) * g.kernel.h + i) * g.kernel.w + j])
                                sum += w * input(n, group * cg + cl, y, x)
                            }
                        }
                    }
                    out.append(sum)
                }
            }
        }
    }
    return out
}

@Suite("Identities")
struct IdentityTests {
    static let geometry = try! DeformConvGeometry(
        batch: 2, inChannels: 6, height: 9, width: 7, outChannels: 4, kernel: Extent2(3, 3),
        stride: Extent2(1, 2), padding: Extent2(1, 2), dilation: Extent2(2, 1),
        groups: 2, offsetGroups: 3, hasMask: true, hasBias: true)

    /// Input pixel (n, c, y, x), 0 off the image.
    static func pixel(_ t: Tensor, _ g: DeformConvGeometry) -> (Int, Int, Int, Int) -> Double {
        { n, c, y, x in
            guard y >= 0, y < g.height, x >= 0, x < g.width else { return 0 }
            return Double(t.data[((n * g.inChannels + c) * g.height + y) * g.width + x])
        }
    }

    @Test("zero offsets and an all-ones mask give the plain convolution")
    func zeroOffsets() throws {
        let p = try Problem(Self.geometry, seed: 1)
        p.offset.fill(0)
        p.mask!.fill(1)
        let expected = plainConvolution(
            p.geometry, input: Self.pixel(p.input, p.geometry), weight: p.weight, bias: p.bias)
        let tolerance = p.reference
        for (label, variant, options) in variantConfigurations {
            let result = Comparison(
                actual: try p.run(variant, options: options), expected: { expected[$0] },
                tolerance: tolerance.tolerance)
            #expect(result.passed, "\(label): \(result)")
        }
    }

    @Test("a constant integer offset (a, b) gives the convolution of the input shifted by (a, b)")
    func integerOffsets() throws {
        for (a, b) in [(1, -2), (-3, 0), (2, 5), (0, 0), (12, 0)] {
            let p = try Problem(Self.geometry, seed: UInt64(100 + a * 10 + b))
            for k in 0..<p.offset.count {
                // Channel 2·(og·kh·kw + t) holds dy, the next one dx.
                let channel = (k / p.geometry.outPixels) % (2 * p.geometry.offsetGroups * p.geometry.taps)
                p.offset.data[k] = Float(channel % 2 == 0 ? a : b)
            }
            p.mask!.fill(1)
            let source = Self.pixel(p.input, p.geometry)
            let expected = plainConvolution(
                p.geometry, input: { source($0, $1, $2 + a, $3 + b) },
                weight: p.weight, bias: p.bias)
            let tolerance = p.reference
            for (label, variant, options) in variantConfigurations {
                let result = Comparison(
                    actual: try p.run(variant, options: options), expected: { expected[$0] },
                    tolerance: tolerance.tolerance)
                #expect(result.passed, "shift (\(a), \(b)), \(label): \(result)")
            }
        }
    }

    @Test("an all-zero mask gives the bias alone, exactly")
    func zeroMask() throws {
        let p = try Problem(Self.geometry, seed: 7)
        p.mask!.fill(0)
        for (label, variant, options) in variantConfigurations {
            let output = try p.run(variant, options: options)
            let g = p.geometry
            let mismatches = (0..<output.count).filter {
                output.data[$0] != p.bias!.data[($0 / g.outPixels) % g.outChannels]
            }
            #expect(
                mismatches.isEmpty,
                "\(label): \(mismatches.count) outputs differ from the bias, first at \(mismatches.first ?? -1)")
        }
    }
}
