import DeformConv

/// deform_conv2d evaluated in float64 one output element at a time, written from the golden
/// README's formula and sharing nothing with the kernels (not even `BilinearTap`), so it can
/// judge them. Used by the tests for whole outputs and by the benchmark's correctness gate for
/// a sample of elements (cheap at any size: (C_in/G)·kh·kw terms each).
public struct ReferenceEvaluator {
    public let geometry: DeformConvGeometry
    private let input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, bias: Tensor?

    /// One element's exact value and the sizes that bound a float32 kernel's error on it.
    public struct Element: Sendable {
        public var value: Double
        /// |bias| + Σ |w·m|·Σ_k β_k·|I_k|: the size of the summands.
        public var magnitude: Double
        /// Σ |w·m|·(|y| + |x|)·Σ_k |I_k| over in-range samples: how far rounding the float32
        /// sampling coordinate y = (o·s − p + i·d) + dy (by at most u·|y|) can move the result.
        public var coordinateSensitivity: Double
        /// Summands, (C_in/G)·kh·kw.
        public var terms: Int

        /// (|y| + |x|)·Σ_k |I_k| of one sample: 0 when no corner is on the image (an off-image
        /// or non-finite coordinate reads zero whatever its value), never ∞·0 = NaN, so a
        /// tolerance is always a number.
        static func coordinateTerm(y: Double, x: Double, cornerSum: Double) -> Double {
            cornerSum == 0 ? 0 : (abs(y) + abs(x)) * cornerSum
        }

        /// Largest float32 error accepted against the exact value:
        /// 8u·√(T+1)·magnitude + u·coordinateSensitivity, u = 2^−24 the unit roundoff.
        /// - Each of the T+1 summands (bias included) carries a handful of roundings of relative
        ///   size u (corner weights β·m, β·I, the weight product, the accumulation step, the final
        ///   rounding); summed in any order their errors behave like a random walk, growing as
        ///   √(T+1), and 8 covers the ~5 roundings per term with room for the walk's spread.
        /// - Rounding a float32 sampling coordinate moves the sample by at most u·|y| (and u·|x|),
        ///   which changes v by at most that times Σ|I_k|: a deterministic bound, summed linearly.
        public var tolerance: Double {
            let u = 0x1p-24
            return 8 * u * Double(terms + 1).squareRoot() * magnitude + u * coordinateSensitivity
        }
    }

    /// Checks every shape as `DeformConvolution.forward` does.
    public init(
        geometry: DeformConvGeometry, input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, bias: Tensor?
    ) throws {
        let op = try DeformConvolution(geometry: geometry, variant: .naive)
        try op.checkShapes(input: input, offset: offset, mask: mask, weight: weight, bias: bias, output: nil)
        self.geometry = geometry
        self.input = input
        self.offset = offset
        self.mask = mask
        self.weight = weight
        self.bias = bias
    }

    /// Output element (n, co, oy, ox), i.e. flat index ((n·C_out + co)·H_out + oy)·W_out + ox.
    public func element(_ index: Int) -> Element {
        let g = geometry
        let ox = index % g.outWidth, oy = (index / g.outWidth) % g.outHeight
        let co = (index / g.outPixels) % g.outChannels, n = index / (g.outPixels * g.outChannels)
        let cg = g.groupInChannels, kk = g.taps, pixel = oy * g.outWidth + ox
        let group = co / g.groupOutChannels
        let b = bias.map { Double($0.data[co]) } ?? 0
        var sum = b, size = abs(b), moves = 0.0
        for cl in 0..<cg {
            let ci = group * cg + cl
            let og = ci / g.offsetGroupChannels
            for i in 0..<g.kernel.h {
                for j in 0..<g.kernel.w {
                    let t = i * g.kernel.w + j
                    let dyChannel = n * 2 * g.offsetGroups * kk + 2 * (og * kk + t)
                    let dy = Double(offset.data[dyChannel * g.outPixels + pixel])
                    let dx = Double(offset.data[(dyChannel + 1) * g.outPixels + pixel])
                    let m =
                        mask.map { Double($0.data[(n * g.offsetGroups * kk + og * kk + t) * g.outPixels + pixel]) } ?? 1
                    let w = Double(weight.data[(co * cg + cl) * kk + t])
                    let y = Double(oy * g.stride.h - g.padding.h + i * g.dilation.h) + dy
                    let x = Double(ox * g.stride.w - g.padding.w + j * g.dilation.w) + dx
                    // torchvision: 0 outright unless −1 < y < H and −1 < x < W (NaN fails too).
                    guard y > -1, y < Double(g.height), x > -1, x < Double(g.width) else { continue }
                    let y0 = y.rounded(.down), x0 = x.rounded(.down)
                    let ly = y - y0, lx = x - x0
                    var v = 0.0, absV = 0.0, corners = 0.0
                    for (r, c, beta) in [
                        (y0, x0, (1 - ly) * (1 - lx)), (y0, x0 + 1, (1 - ly) * lx),
                        (y0 + 1, x0, ly * (1 - lx)), (y0 + 1, x0 + 1, ly * lx),
                    ]
                    where r >= 0 && r < Double(g.height) && c >= 0 && c < Double(g.width) && beta != 0 {
                        let p = Double(input.data[((n * g.inChannels + ci) * g.height + Int(r)) * g.width + Int(c)])
                        v += beta * p
                        absV += beta * abs(p)
                        corners += abs(p)
                    }
                    sum += w * m * v
                    size += abs(w * m) * absV
                    moves += abs(w * m) * Element.coordinateTerm(y: y, x: x, cornerSum: corners)
                }
            }
        }
        return Element(value: sum, magnitude: size, coordinateSensitivity: moves, terms: g.reductionLength)
    }
}
