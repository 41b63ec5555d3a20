/// One bilinear sample of an H×W plane as the backward pass needs it: the cell
/// [y0, y0+1] × [x0, x0+1] around (y, x), with per corner the weight of the value (as in
/// ``BilinearTap``, mask not folded in) and the coefficients of the value's derivatives along y
/// and x.
///
/// The rule is torchvision's (the golden README's "What the numbers mean"):
/// - the value v = Σ β_k·I_k is ``BilinearTap``'s, corner for corner and bit for bit (the tests
///   compare them), so grad_input spreads a gradient with the forward's weights;
/// - ∂v/∂y = (1−lx)(I₁₀ − I₀₀) + lx(I₁₁ − I₀₁) and ∂v/∂x = (1−ly)(I₀₁ − I₀₀) + ly(I₁₁ − I₁₀) on
///   the cell, with a corner off the image read as 0: the right-hand derivative at integer
///   coordinates. The cell exists for −1 ≤ y < H and −1 ≤ x < W, one more value on each axis
///   than the tap's −1 < y: at exactly −1 the value is 0 but ∂v/∂y generally is not, because
///   torchvision's `get_coordinate_weight` checks corners only, not the coordinate (mmcv's
///   checks it and gives 0: pytorch/vision issue 6885);
/// - a coordinate outside those ranges, NaN or ±∞ (huge offsets included) gives no corner:
///   every gradient gets 0 from it, and no `Float`→`Int` conversion happens on it.
struct BilinearCell {
    /// Plane offsets y·W + x of the four corners (00, 01, 10, 11); 0 for corners off the image.
    var offsets: SIMD4<Int32>
    /// Which corners are on the image: only those are ever read.
    var onImage: SIMDMask<SIMD4<Int32>>
    /// β_k: the value's corner weights, 0 off the image.
    var value: SIMD4<Float>
    /// ∂v/∂y = Σ dy_k·I_k and ∂v/∂x = Σ dx_k·I_k, coefficients 0 off the image.
    var dy: SIMD4<Float>
    var dx: SIMD4<Float>

    /// The cell that contributes nothing.
    static let empty = BilinearCell(
        offsets: .zero, onImage: .init(repeating: false), value: .zero, dy: .zero, dx: .zero)

    /// Whether no corner is on the image (nothing to read, nothing to spread).
    var isEmpty: Bool { !any(onImage) }

    init(
        offsets: SIMD4<Int32>, onImage: SIMDMask<SIMD4<Int32>>, value: SIMD4<Float>, dy: SIMD4<Float>, dx: SIMD4<Float>
    ) {
        self.offsets = offsets
        self.onImage = onImage
        self.value = value
        self.dy = dy
        self.dx = dx
    }

    /// The cell at (y, x) of a `height`×`width` plane.
    @inline(__always)
    init(y: Float, x: Float, height: Int, width: Int) {
        // Negated so that NaN, which fails every comparison, also lands here.
        guard y >= -1, y < Float(height), x >= -1, x < Float(width) else {
            self = .empty
            return
        }
        let yFloor = y.rounded(.down), xFloor = x.rounded(.down)
        let y0 = Int(yFloor), x0 = Int(xFloor)  // in −1..<H and −1..<W: exact, no trap
        let ly = y - yFloor, lx = x - xFloor
        let hy = 1 - ly, hx = 1 - lx
        let top = y0 >= 0, bottom = y0 + 1 < height
        let left = x0 >= 0, right = x0 + 1 < width
        let on: SIMDMask<SIMD4<Int32>> = [top && left, top && right, bottom && left, bottom && right]
        let zero = SIMD4<Float>()
        // The products in BilinearTap's order (scale 1), so the weights are its weights.
        value = zero.replacing(with: SIMD4(hy * hx, hy * lx, ly * hx, ly * lx), where: on)
        dy = zero.replacing(with: SIMD4(-hx, -lx, hx, lx), where: on)
        dx = zero.replacing(with: SIMD4(-hy, hy, -ly, ly), where: on)
        let base = Int32(truncatingIfNeeded: y0 * width + x0), w = Int32(truncatingIfNeeded: width)
        offsets = SIMD4<Int32>().replacing(with: SIMD4(base, base &+ 1, base &+ w, base &+ w &+ 1), where: on)
        onImage = on
    }

    /// (v, ∂v/∂y, ∂v/∂x) of one plane. The value sums only corners of non-zero weight, as
    /// ``BilinearTap/sample(_:)`` does, so a pixel the value does not depend on never reaches it;
    /// the derivatives read every corner on the image (torchvision's do).
    @inline(__always)
    func sample(_ plane: UnsafePointer<Float>) -> (value: Float, dy: Float, dx: Float) {
        var v: Float = 0, gy: Float = 0, gx: Float = 0
        for k in 0..<4 where onImage[k] {
            let pixel = plane[Int(offsets[k])]
            if value[k] != 0 { v += value[k] * pixel }
            gy += dy[k] * pixel
            gx += dx[k] * pixel
        }
        return (v, gy, gx)
    }
}

/// Sixteen ``BilinearCell``s at once, for the backward's fast path: which lanes are *interior*
/// — all four corners on the plane, every value weight β_k and every spread weight β_k·m
/// non-zero, so the value, the slopes and the spread all read and write the same four pixels —
/// and for those the top-left corner and the fractions, lane for lane ``BilinearCell``'s bits
/// (the tests compare them). Every other lane (the border, coordinates off the plane, NaN, ±∞,
/// a zero mask) is left to the scalar cell. For planes below ``BilinearTap8/maxSide`` on each
/// side, whose coordinates ``BilinearTap8/floor(_:)-(SIMD16<Float>)`` floors exactly.
struct BilinearCell16 {
    var interior: SIMDMask<SIMD16<Int32>>
    /// y0·W + x0, the plane offset of corner 00; 0 where not interior.
    var base: SIMD16<Int32>
    /// The fractions ly = y − ⌊y⌋ and lx = x − ⌊x⌋ (meaningful where interior).
    var ly, lx: SIMD16<Float>
    /// β_k of corners 00, 01, 10, 11 (meaningful where interior).
    var w0, w1, w2, w3: SIMD16<Float>

    /// The cells at (y, x) of a `height`×`width` plane with mask values `mask`; lanes outside
    /// `live` are not interior.
    @inline(__always)
    init(
        y: SIMD16<Float>, x: SIMD16<Float>, height: Int, width: Int, mask: SIMD16<Float>,
        live: SIMDMask<SIMD16<Int32>>
    ) {
        // 0 ≤ ⌊y⌋ and ⌊y⌋ + 1 < H exactly when 0 ≤ y < H − 1; NaN fails both.
        let inside = live .& (y .>= 0) .& (y .< Float(height - 1)) .& (x .>= 0) .& (x .< Float(width - 1))
        let zero = SIMD16<Float>()
        let ys = zero.replacing(with: y, where: inside), xs = zero.replacing(with: x, where: inside)
        let (yFloor, y0) = BilinearTap8.floor(ys), (xFloor, x0) = BilinearTap8.floor(xs)
        ly = ys - yFloor
        lx = xs - xFloor
        let hy = 1 - ly, hx = 1 - lx
        // BilinearCell's products, in its order.
        w0 = hy * hx
        w1 = hy * lx
        w2 = ly * hx
        w3 = ly * lx
        let nonZero = (w0 .!= 0) .& (w1 .!= 0) .& (w2 .!= 0) .& (w3 .!= 0)
        let spreads = (w0 * mask .!= 0) .& (w1 * mask .!= 0) .& (w2 * mask .!= 0) .& (w3 * mask .!= 0)
        interior = inside .& nonZero .& spreads
        base = SIMD16<Int32>().replacing(with: y0 &* Int32(width) &+ x0, where: interior)
    }
}

extension ConvolutionCall {
    /// The cell of image `n`, offset group `og`, kernel tap `t` at output pixel (oy, ox): the
    /// sampling position of ``tap(n:og:t:oy:ox:)``, and the mask value (1 without a mask).
    @inline(__always)
    func cell(n: Int, og: Int, t: Int, oy: Int, ox: Int) -> (cell: BilinearCell, mask: Float) {
        let pixel = oy * outWidth + ox
        let point = (n * offsetGroups + og) * taps + t
        let dy = offset[(2 * point) * outPixels + pixel]
        let dx = offset[(2 * point + 1) * outPixels + pixel]
        let i = t / kernelWidth, j = t - i * kernelWidth
        let y = Float(oy * strideH - padH + i * dilationH) + dy
        let x = Float(ox * strideW - padW + j * dilationW) + dx
        return (BilinearCell(y: y, x: x, height: height, width: width), mask.map { $0[point * outPixels + pixel] } ?? 1)
    }
}
