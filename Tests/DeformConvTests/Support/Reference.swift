import DeformConv

/// An independent float64 evaluation of deform_conv2d written from the golden README's formula
/// (not from the package's sampler), returning for every output element the value and the two
/// magnitudes that bound a float32 kernel's rounding error (see ``Reference/tolerance(_:)``).
struct Reference {
    var value: [Double]
    /// |bias| + Σ |w·m|·Σ_k β_k·|I_k|: the size of the summands.
    var magnitude: [Double]
    /// Σ |w·m|·(|y| + |x|)·Σ_k |I_k| over finite in-range samples: how far a sample moves when its
    /// float32 coordinate y = (o·s − p + i·d) + dy is rounded (by at most u·|y|).
    var coordinateSensitivity: [Double]
    /// Summands per output element, (C_in/G)·kh·kw.
    var terms: Int

    init(_ g: DeformConvGeometry, input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, bias: Tensor?) {
        let count = g.outputShape.reduce(1, *)
        value = Array(repeating: 0, count: count)
        magnitude = Array(repeating: 0, count: count)
        coordinateSensitivity = Array(repeating: 0, count: count)
        terms = g.reductionLength
        let kk = g.kernel.h * g.kernel.w
        let hw = g.outHeight * g.outWidth
        for n in 0..<g.batch {
            for co in 0..<g.outChannels {
                let group = co / (g.outChannels / g.groups)
                for oy in 0..<g.outHeight {
                    for ox in 0..<g.outWidth {
                        let b = bias.map { Double($0.data[co]) } ?? 0
                        var sum = b, size = abs(b), moves = 0.0
                        for cl in 0..<(g.inChannels / g.groups) {
                            let ci = group * (g.inChannels / g.groups) + cl
                            let og = ci / (g.inChannels / g.offsetGroups)
                            for i in 0..<g.kernel.h {
                                for j in 0..<g.kernel.w {
                                    let t = i * g.kernel.w + j
                                    let oc = n * 2 * g.offsetGroups * kk + 2 * (og * kk + t)
                                    let dy = Double(offset.data[oc * hw + oy * g.outWidth + ox])
                                    let dx = Double(offset.data[(oc + 1) * hw + oy * g.outWidth + ox])
                                    let m = mask.map { Double($0.data[(n * g.offsetGroups * kk + og * kk + t) * hw + oy * g.outWidth + ox]) } ?? 1
                                    let w = Double(weight.data[(co * (g.inChannels / g.groups) + cl) * kk + t])
                                    let y = Double(oy * g.stride.h - g.padding.h + i * g.dilation.h) + dy
                                    let x = Double(ox * g.stride.w - g.padding.w + j * g.dilation.w) + dx
                                    // torchvision: 0 outright unless −1 < y < H and −1 < x < W (NaN fails too).
                                    guard y > -1, y < Double(g.height), x > -1, x < Double(g.width) else { continue }
                                    let y0 = y.rounded(.down), x0 = x.rounded(.down)
                                    let ly = y - y0, lx = x - x0
                                    var v = 0.0, absV = 0.0, corners = 0.0
                                    for (r, c, beta) in [(y0, x0, (1 - ly) * (1 - lx)), (y0, x0 + 1, (1 - ly) * lx),
                                                         (y0 + 1, x0, ly * (1 - lx)), (y0 + 1, x0 + 1, ly * lx)]
                                    where r >= 0 && r < Double(g.height) && c >= 0 && c < Double(g.width) && beta != 0 {
                                        let pixel = Double(input.data[((n * g.inChannels + ci) * g.height + Int(r)) * g.width + Int(c)])
                                        v += beta * pixel
                                        absV += beta * abs(pixel)
                                        corners += abs(pixel)
                                    }
                                    sum += w * m * v
                                    size += abs(w * m) * absV
                                    moves += abs(w * m) * (abs(y) + abs(x)) * corners
                                }
                            }
                        }
                        let index = ((n * g.outChannels + co) * g.outHeight + oy) * g.outWidth + ox
                        value[index] = sum
                        magnitude[index] = size
                        coordinateSensitivity[index] = moves
                    }
                }
            }
        }
    }

    /// Largest float32 error we accept at `index`, against the exact result:
    /// 8u·√(T+1)·magnitude + u·coordinateSensitivity, u = 2^−24 the unit roundoff.
    /// - Each of the T+1 summands (bias included) carries a handful of roundings of relative size u
    ///   (corner weights β·m, β·I, the weight product, the accumulation step, the final rounding);
    ///   summed in any order their errors behave like a random walk, so they grow as √(T+1), and 8
    ///   covers the ~5 roundings per term with room for the walk's spread.
    /// - Rounding the float32 sampling coordinate moves the sample by at most u·|y| (and u·|x|),
    ///   which changes v by at most that times Σ|I_k|: a deterministic bound, summed linearly.
    func tolerance(_ index: Int) -> Double {
        let u = 0x1p-24
        return 8 * u * (Double(terms + 1)).squareRoot() * magnitude[index] + u * coordinateSensitivity[index]
    }
}
