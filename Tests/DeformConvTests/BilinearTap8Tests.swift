import DeformConvReference
import Testing

@testable import DeformConv

/// The plan build's 8-lane form of the border rule must be the scalar rule exactly: every
/// variant's results and the plan-reuse guarantees rest on one rule.
@Suite("BilinearTap8 is BilinearTap lane for lane, bit for bit")
struct BilinearTap8Tests {
    /// Coordinates where the rule changes branch (the open range's ends, integers, either side
    /// of them, the far side of the plane), non-finite and huge values, and plain fractions.
    static func coordinate(_ size: Int, _ rng: inout SeededGenerator) -> Float {
        let s = Float(size)
        let special: [Float] = [
            -1, (-1 as Float).nextUp, (-1 as Float).nextDown, -0.5, -0.0, 0, 0.5, 1,
            s - 1, (s - 1).nextUp, (s - 1).nextDown, s - 0.5, s, s.nextDown, s.nextUp, s + 1,
            .nan, .infinity, -.infinity, 1e30, -1e30, .greatestFiniteMagnitude,
            -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
        ]
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return special.randomElement(using: &rng)!
        case 1: return Float(Int.random(in: -2...(size + 1), using: &rng))
        default: return Float.random(in: -2...(s + 1), using: &rng)
        }
    }

    @Test(
        "random and edge coordinates, masks and live lanes; planes from 1×1 to the largest side allowed",
        arguments: [(1, 1), (1, 7), (5, 3), (13, 11), (1000, 3), (BilinearTap8.maxSide - 1, 2)])
    func matchesScalarRule(height: Int, width: Int) {
        var rng = SeededGenerator(seed: UInt64(height * 31 + width))
        // 4,000 vectors of 8 lanes: the 32,000 lanes per plane the 16-lane test drew, so edge
        // and non-finite values come up as often as they did.
        for _ in 0..<4000 {
            var y = SIMD8<Float>(), x = SIMD8<Float>(), scale = SIMD8<Float>(), live = SIMDMask<SIMD8<Int32>>()
            for lane in 0..<8 {
                y[lane] = Self.coordinate(height, &rng)
                x[lane] = Self.coordinate(width, &rng)
                scale[lane] =
                    [1, 0, .nan, .infinity, Float.random(in: 0...1, using: &rng)][Int.random(in: 0..<5, using: &rng)]
                live[lane] = Int.random(in: 0..<8, using: &rng) != 0
            }
            let taps = BilinearTap8(y: y, x: x, height: height, width: width, scale: scale, live: live)
            let offsets = [taps.o0, taps.o1, taps.o2, taps.o3], weights = [taps.w0, taps.w1, taps.w2, taps.w3]
            for lane in 0..<8 {
                let expected =
                    live[lane]
                    ? BilinearTap(y: y[lane], x: x[lane], height: height, width: width, scale: scale[lane]) : .zero
                for corner in 0..<4 {
                    #expect(
                        offsets[corner][lane] == expected.offsets[corner],
                        "offset \(corner) of y \(y[lane]) x \(x[lane]) in \(height)×\(width)")
                    #expect(
                        weights[corner][lane].bitPattern == expected.weights[corner].bitPattern,
                        "weight \(corner) of y \(y[lane]) x \(x[lane]) scale \(scale[lane]) in \(height)×\(width)")
                }
            }
        }
    }

    @Test("planes at or above the vector form's limit are planned by the scalar rule")
    func largePlanesTakeScalarPath() throws {
        let small = try DeformConvGeometry(
            batch: 1, inChannels: 1, height: 64, width: 64, outChannels: 1,
            kernel: Extent2(3, 3), padding: Extent2(1), hasMask: false, hasBias: false)
        let wide = try DeformConvGeometry(
            batch: 1, inChannels: 1, height: 1, width: BilinearTap8.maxSide, outChannels: 1,
            kernel: Extent2(1, 1), hasMask: false, hasBias: false)
        #expect(SamplingPlan.vectorizable(small))
        #expect(!SamplingPlan.vectorizable(wide))
    }

    @Test(
        "vector and scalar plan builds give the same plan: strides, dilation, offset groups, blocks crossing rows",
        arguments: [false, true])
    func planBuildsAgree(mask: Bool) throws {
        let g = try DeformConvGeometry(
            batch: 2, inChannels: 4, height: 9, width: 7, outChannels: 2, kernel: Extent2(3, 2),
            stride: Extent2(2, 1), padding: Extent2(2, 1), dilation: Extent2(1, 2), offsetGroups: 2,
            hasMask: mask, hasBias: false)
        var p = try Problem(g, seed: 5, offsetScale: 3)
        for i in stride(from: 0, to: p.offset.count, by: 17) { p.offset.data[i] = [.nan, .infinity, 1e30, -1][i % 4] }
        let output = try Tensor(shape: g.outputShape)
        let problem = ConvolutionCall(
            geometry: g, input: p.input.data, offset: p.offset.data, mask: p.mask?.data,
            weight: p.weight.data, bias: nil, output: output.data)
        let vector = SamplingPlan(geometry: g, capacity: 64), scalar = SamplingPlan(geometry: g, capacity: 64)
        defer { vector.deallocate(); scalar.deallocate() }
        for (n, first, count) in [(0, 0, g.outPixels), (1, 3, 17), (1, g.outPixels - 5, 5)] {
            vector.buildVectors(problem, n: n, first: first, count: count)
            scalar.buildScalar(problem, n: n, first: first, count: count)
            let padded = (count + 31) / 32 * 32
            for og in 0..<g.offsetGroups {
                for t in 0..<g.taps {
                    for corner in 0..<4 {
                        let vo = vector.offsets(og: og, t: t, corner: corner),
                            so = scalar.offsets(og: og, t: t, corner: corner)
                        let vw = vector.weights(og: og, t: t, corner: corner),
                            sw = scalar.weights(og: og, t: t, corner: corner)
                        for q in 0..<padded {
                            #expect(vo[q] == so[q], "n \(n) og \(og) t \(t) corner \(corner) q \(q)")
                            #expect(
                                vw[q].bitPattern == sw[q].bitPattern, "n \(n) og \(og) t \(t) corner \(corner) q \(q)")
                        }
                    }
                }
            }
        }
    }
}
