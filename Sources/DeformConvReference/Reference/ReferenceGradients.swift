import DeformConv

/// The gradients of sum(output · grad_output) evaluated in float64 one element at a time, from
/// the golden README's formulas (torchvision's autograd), sharing nothing with the kernels (not
/// even `BilinearCell`), so it can judge them. The tests evaluate whole gradients of small
/// problems; the benchmark's correctness gate a sample of elements of any size.
///
/// Each element comes with the sizes that bound a float32 kernel's error on it
/// (``ReferenceEvaluator/Element``): its terms are the products the gradient sums, each
/// through the column gradient Σ_co grad_output·weight, so a term count includes C_out/G.
/// Sampling coordinates are exact here, as in the golden set; a float32 kernel rounds them, which
/// moves a sample by at most u·|y| (the coordinate sensitivity) unless the rounding crosses an
/// integer, where the derivatives jump: random offsets land that close with probability about
/// u·|y|, which the tests' fixed seeds avoid.
public struct ReferenceGradients {
    public let geometry: DeformConvGeometry
    private let input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, gradOutput: Tensor
    /// Every sampling point, ((n·OG + og)·kh·kw + t)·H_out·W_out + pixel: grad_input's elements
    /// each scan those of their offset group.
    private let points: [Point]
    /// For each input pixel of each (image, offset group), (n·OG + og)·H·W + r·W + s: the
    /// sampling points whose cell has it as a corner, the only ones its grad_input sums over.
    private let touching: [[Int]]
    public typealias Element = ReferenceEvaluator.Element

    /// Checks every shape (NCHW), and the mask's presence, as `DeformConvolution.backward` does.
    public init(
        geometry: DeformConvGeometry, input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, gradOutput: Tensor
    ) throws {
        for (name, tensor, shape) in [
            ("input", input, geometry.inputShape), ("offset", offset, geometry.offsetShape),
            ("weight", weight, geometry.weightShape), ("grad_output", gradOutput, geometry.outputShape),
        ]
        where tensor.shape != shape {
            throw DeformConvError.shapeMismatch(tensor: name, expected: shape, actual: tensor.shape)
        }
        guard (mask != nil) == geometry.hasMask, mask.map({ $0.shape == geometry.maskShape }) ?? true else {
            throw DeformConvError.tensorPresence(
                tensor: "mask",
                reason: "must be given, of shape \(geometry.maskShape), exactly when the geometry hasMask")
        }
        self.geometry = geometry
        self.input = input
        self.offset = offset
        self.mask = mask
        self.weight = weight
        self.gradOutput = gradOutput
        points = (0..<geometry.samplingPoints).map { [offset, mask] index in
            let g = geometry
            let pixel = index % g.outPixels, t = (index / g.outPixels) % g.taps
            let og = (index / (g.outPixels * g.taps)) % g.offsetGroups,
                n = index / (g.outPixels * g.taps * g.offsetGroups)
            let oy = pixel / g.outWidth, ox = pixel % g.outWidth
            let i = t / g.kernel.w, j = t % g.kernel.w
            let channel = n * 2 * g.offsetGroups * g.taps + 2 * (og * g.taps + t)
            let dy = Double(offset.data[channel * g.outPixels + pixel])
            let dx = Double(offset.data[(channel + 1) * g.outPixels + pixel])
            let m = mask.map { Double($0.data[index]) } ?? 1
            return Point(
                y: Double(oy * g.stride.h - g.padding.h + i * g.dilation.h) + dy,
                x: Double(ox * g.stride.w - g.padding.w + j * g.dilation.w) + dx, m: m)
        }
        var touching = [[Int]](
            repeating: [], count: geometry.batch * geometry.offsetGroups * geometry.height * geometry.width)
        let perImageGroup = geometry.taps * geometry.outPixels
        for (index, point) in points.enumerated() {
            for k in Self.corners(point, geometry) {
                touching[(index / perImageGroup) * geometry.height * geometry.width + k.r * geometry.width + k.c]
                    .append(index)
            }
        }
        self.touching = touching
    }

    /// Element `index` (flat, C order) of the gradient `gradient` (one of input, offset, mask,
    /// weight, bias).
    public func element(_ gradient: GradientSelection, _ index: Int) -> Element {
        switch gradient {
        case .bias: bias(index)
        case .weight: weightElement(index)
        case .mask: maskElement(index)
        case .offset: offsetElement(index)
        default: inputElement(index)
        }
    }

    // MARK: - The sample, in float64

    /// One sampling point of channel-independent data: exact coordinates and mask.
    private struct Point {
        var y: Double, x: Double, m: Double
    }

    private func point(n: Int, og: Int, t: Int, pixel: Int) -> Point {
        points[((n * geometry.offsetGroups + og) * geometry.taps + t) * geometry.outPixels + pixel]
    }

    /// The four corners of the cell [⌊y⌋, ⌊y⌋+1] × [⌊x⌋, ⌊x⌋+1] that lie on the image, with
    /// the value's weight β and the derivative coefficients along y and x. Empty unless
    /// −1 ≤ y < H and −1 ≤ x < W (NaN and ±∞ included): torchvision's rule, where the value is 0
    /// at exactly −1 but the derivative is not.
    private func corners(_ p: Point) -> [(r: Int, c: Int, beta: Double, dy: Double, dx: Double)] {
        Self.corners(p, geometry)
    }

    private static func corners(
        _ p: Point, _ g: DeformConvGeometry
    ) -> [(r: Int, c: Int, beta: Double, dy: Double, dx: Double)] {
        guard p.y >= -1, p.y < Double(g.height), p.x >= -1, p.x < Double(g.width) else { return [] }
        let y0 = p.y.rounded(.down), x0 = p.x.rounded(.down)
        let ly = p.y - y0, lx = p.x - x0
        let all = [
            (0, 0, (1 - ly) * (1 - lx), -(1 - lx), -(1 - ly)), (0, 1, (1 - ly) * lx, -lx, 1 - ly),
            (1, 0, ly * (1 - lx), 1 - lx, -ly), (1, 1, ly * lx, lx, ly),
        ]
        return all.compactMap { a, b, beta, dy, dx in
            let r = Int(y0) + a, c = Int(x0) + b
            return r >= 0 && r < g.height && c >= 0 && c < g.width ? (r, c, beta, dy, dx) : nil
        }
    }

    private func inputValue(n: Int, c: Int, r: Int, col: Int) -> Double {
        let g = geometry
        return Double(input.data[((n * g.inChannels + c) * g.height + r) * g.width + col])
    }

    private func upstream(n: Int, co: Int, pixel: Int) -> Double {
        Double(gradOutput.data[(n * geometry.outChannels + co) * geometry.outPixels + pixel])
    }

    /// Σ_co grad_output·weight over the group's output channels, and Σ |·| of the products:
    /// dL/d(m·v) of channel c at tap t and a pixel.
    private func columnGradient(n: Int, c: Int, t: Int, pixel: Int) -> (value: Double, magnitude: Double) {
        let g = geometry
        let group = c / g.groupInChannels, cl = c % g.groupInChannels
        var sum = 0.0, size = 0.0
        for co in group * g.groupOutChannels..<(group + 1) * g.groupOutChannels {
            let term =
                upstream(n: n, co: co, pixel: pixel) * Double(weight.data[(co * g.groupInChannels + cl) * g.taps + t])
            sum += term
            size += abs(term)
        }
        return (sum, size)
    }

    // MARK: - The five gradients

    private func bias(_ co: Int) -> Element {
        let g = geometry
        var e = Element(value: 0, magnitude: 0, coordinateSensitivity: 0, terms: g.batch * g.outPixels)
        for n in 0..<g.batch {
            for p in 0..<g.outPixels {
                e.value += upstream(n: n, co: co, pixel: p)
                e.magnitude += abs(upstream(n: n, co: co, pixel: p))
            }
        }
        return e
    }

    /// grad_weight[co, cl, t] = Σ_{n, pixel} grad_output · m · v.
    private func weightElement(_ index: Int) -> Element {
        let g = geometry
        let t = index % g.taps, cl = (index / g.taps) % g.groupInChannels, co = index / g.reductionLength
        let c = (co / g.groupOutChannels) * g.groupInChannels + cl, og = c / g.offsetGroupChannels
        var e = Element(value: 0, magnitude: 0, coordinateSensitivity: 0, terms: g.batch * g.outPixels)
        for n in 0..<g.batch {
            for pixel in 0..<g.outPixels {
                let p = point(n: n, og: og, t: t, pixel: pixel)
                let go = upstream(n: n, co: co, pixel: pixel)
                var v = 0.0, absV = 0.0, sum = 0.0
                for k in corners(p) where k.beta != 0 {
                    let i = inputValue(n: n, c: c, r: k.r, col: k.c)
                    v += k.beta * i
                    absV += k.beta * abs(i)
                    sum += abs(i)
                }
                e.value += go * p.m * v
                e.magnitude += abs(go * p.m) * absV
                e.coordinateSensitivity += abs(go * p.m) * Element.coordinateTerm(y: p.y, x: p.x, cornerSum: sum)
            }
        }
        return e
    }

    /// grad_mask[n, og·kh·kw + t, pixel] = Σ_{c of og} column gradient · v.
    private func maskElement(_ index: Int) -> Element {
        let g = geometry
        let pixel = index % g.outPixels, row = index / g.outPixels
        let t = row % g.taps, og = (row / g.taps) % g.offsetGroups, n = row / (g.taps * g.offsetGroups)
        let p = point(n: n, og: og, t: t, pixel: pixel)
        var e = Element(
            value: 0, magnitude: 0, coordinateSensitivity: 0, terms: g.offsetGroupChannels * g.groupOutChannels)
        let cells = corners(p)
        for c in og * g.offsetGroupChannels..<(og + 1) * g.offsetGroupChannels {
            let gc = columnGradient(n: n, c: c, t: t, pixel: pixel)
            var v = 0.0, absV = 0.0, sum = 0.0
            for k in cells where k.beta != 0 {
                let i = inputValue(n: n, c: c, r: k.r, col: k.c)
                v += k.beta * i
                absV += k.beta * abs(i)
                sum += abs(i)
            }
            e.value += gc.value * v
            e.magnitude += gc.magnitude * absV
            e.coordinateSensitivity += gc.magnitude * Element.coordinateTerm(y: p.y, x: p.x, cornerSum: sum)
        }
        return e
    }

    /// grad_offset[n, 2·(og·kh·kw + t) + axis, pixel] = m · Σ_{c of og} column gradient · ∂v/∂(y or x).
    private func offsetElement(_ index: Int) -> Element {
        let g = geometry
        let pixel = index % g.outPixels, row = index / g.outPixels
        let axis = row % 2, t = (row / 2) % g.taps, og = (row / (2 * g.taps)) % g.offsetGroups
        let n = row / (2 * g.taps * g.offsetGroups)
        let p = point(n: n, og: og, t: t, pixel: pixel)
        var e = Element(
            value: 0, magnitude: 0, coordinateSensitivity: 0, terms: g.offsetGroupChannels * g.groupOutChannels)
        let cells = corners(p)
        for c in og * g.offsetGroupChannels..<(og + 1) * g.offsetGroupChannels {
            let gc = columnGradient(n: n, c: c, t: t, pixel: pixel)
            var d = 0.0, absD = 0.0, sum = 0.0
            for k in cells {
                let i = inputValue(n: n, c: c, r: k.r, col: k.c)
                let coefficient = axis == 0 ? k.dy : k.dx
                d += coefficient * i
                absD += abs(coefficient * i)
                sum += abs(i)
            }
            e.value += p.m * gc.value * d
            e.magnitude += abs(p.m) * gc.magnitude * absD
            e.coordinateSensitivity += abs(p.m) * gc.magnitude * Element.coordinateTerm(y: p.y, x: p.x, cornerSum: sum)
        }
        return e
    }

    /// grad_input[n, c, r, s] = Σ over the sampling points of c's offset group whose cell has
    /// (r, s) as a corner of non-zero weight β: β · m · column gradient.
    private func inputElement(_ index: Int) -> Element {
        let g = geometry
        let s = index % g.width, r = (index / g.width) % g.height
        let c = (index / (g.width * g.height)) % g.inChannels, n = index / (g.width * g.height * g.inChannels)
        let og = c / g.offsetGroupChannels
        var e = Element(value: 0, magnitude: 0, coordinateSensitivity: 0, terms: 0)
        let perImageGroup = g.taps * g.outPixels
        for index in touching[(n * g.offsetGroups + og) * g.height * g.width + r * g.width + s] {
            let p = points[index]
            let t = (index % perImageGroup) / g.outPixels, pixel = index % g.outPixels
            for k in corners(p) where k.r == r && k.c == s && k.beta != 0 {
                let gc = columnGradient(n: n, c: c, t: t, pixel: pixel)
                e.value += k.beta * p.m * gc.value
                e.magnitude += k.beta * abs(p.m) * gc.magnitude
                e.coordinateSensitivity += abs(p.m) * (abs(p.y) + abs(p.x)) * gc.magnitude
                e.terms += g.groupOutChannels
            }
        }
        return e
    }
}
