/// One bilinear sample of an H×W plane: the four corners as plane offsets and weights.
///
/// This is the single definition of the sampling rule that every kernel variant uses, directly
/// (`naive`, `tiled`) or stored in a ``SamplingPlan`` (`blockedGather`):
/// - corners are (y0, x0), (y0, x0+1), (y0+1, x0), (y0+1, x0+1) with y0 = ⌊y⌋, x0 = ⌊x⌋, and
///   weights (1−ly)(1−lx), (1−ly)lx, ly(1−lx), ly·lx times `scale` (the DCNv2 mask);
/// - a corner off the image has weight 0 and offset 0, so y in (−1, 0) or (H−1, H) blends with
///   zero, as torchvision does;
/// - a coordinate ≤ −1 or ≥ the size, or NaN or ±∞ (huge offsets included), gives no corner at
///   all: the tap contributes 0, and no `Float`→`Int` conversion happens on it;
/// - a corner contributes only when its weight is non-zero, so a zero weight never multiplies a
///   pixel (0·NaN would otherwise leak a NaN pixel into a sample that does not depend on it).
///   A NaN or infinite pixel at a corner with non-zero weight, or a non-finite mask, propagates.
public struct BilinearTap: Equatable, Sendable {
    /// Plane offsets y·W + x of the four corners; 0 where the weight is 0.
    public var offsets: SIMD4<Int32>
    /// Corner weights, the mask folded in; 0 for corners off the image.
    public var weights: SIMD4<Float>

    /// The tap that contributes nothing.
    public static let zero = BilinearTap(offsets: .zero, weights: .zero)

    @inlinable
    public init(offsets: SIMD4<Int32>, weights: SIMD4<Float>) {
        self.offsets = offsets
        self.weights = weights
    }

    /// The tap at (y, x) of a `height`×`width` plane, weights scaled by `scale`.
    @inlinable
    public init(y: Float, x: Float, height: Int, width: Int, scale: Float) {
        // Negated so that NaN, which fails every comparison, also lands here.
        guard y > -1, y < Float(height), x > -1, x < Float(width) else {
            self = .zero
            return
        }
        let yFloor = y.rounded(.down), xFloor = x.rounded(.down)
        let y0 = Int(yFloor), x0 = Int(xFloor)  // in −1..<H and −1..<W: exact, no trap
        let ly = y - yFloor, lx = x - xFloor
        let hy = 1 - ly, hx = 1 - lx
        let top = y0 >= 0, bottom = y0 + 1 < height
        let left = x0 >= 0, right = x0 + 1 < width
        let w00: Float = top && left ? hy * hx * scale : 0
        let w01: Float = top && right ? hy * lx * scale : 0
        let w10: Float = bottom && left ? ly * hx * scale : 0
        let w11: Float = bottom && right ? ly * lx * scale : 0
        // A corner off the image has weight 0 here, so its (possibly negative) offset is dropped.
        @inline(__always) func offset(_ weight: Float, _ at: Int) -> Int32 {
            weight != 0 ? Int32(truncatingIfNeeded: at) : 0
        }
        let base = y0 * width + x0
        weights = SIMD4<Float>(w00, w01, w10, w11)
        offsets = SIMD4<Int32>(
            offset(w00, base), offset(w01, base + 1), offset(w10, base + width), offset(w11, base + width + 1))
    }

    /// Σ weight·pixel over the corners with non-zero weight.
    @inlinable
    public func sample(_ plane: UnsafePointer<Float>) -> Float {
        var value: Float = 0
        if weights[0] != 0 { value += weights[0] * plane[Int(offsets[0])] }
        if weights[1] != 0 { value += weights[1] * plane[Int(offsets[1])] }
        if weights[2] != 0 { value += weights[2] * plane[Int(offsets[2])] }
        if weights[3] != 0 { value += weights[3] * plane[Int(offsets[3])] }
        return value
    }
}

/// Eight ``BilinearTap``s at once, for the plan build: lane for lane the scalar rule's offsets
/// and weights, bit for bit (the tests compare them on border, non-finite and huge
/// coordinates), without a branch or a conversion of an unchecked coordinate. For planes below
/// ``maxSide`` on each side only, where the floor and its integer come from adding and
/// subtracting 1.5·2^23 (exact below 2^22; the stdlib's SIMD rounding and conversions are
/// generic calls, not vector instructions).
///
/// Eight lanes, one AVX2 register: the rule combines comparison masks, and LLVM combines the
/// masks of 16 lanes on AVX2 (two registers each) as packed bytes, unpacking them again for
/// every select.
struct BilinearTap8 {
    var o0, o1, o2, o3: SIMD8<Int32>
    var w0, w1, w2, w3: SIMD8<Float>

    /// Height and width must stay below this (coordinates inside a plane then are below 2^21).
    static let maxSide = 1 << 21

    /// The taps at (y, x) of a `height`×`width` plane (both below ``maxSide``), weights scaled
    /// by `scale`; lanes outside `live` are the zero tap. Transparent: with `@inline(__always)`
    /// the plan build still called it, passing every vector through the stack.
    @_transparent
    init(
        y: SIMD8<Float>, x: SIMD8<Float>, height: Int, width: Int, scale: SIMD8<Float>,
        live: SIMDMask<SIMD8<Float>.MaskStorage>
    ) {
        // As the scalar guard: NaN fails every comparison, so it lands outside.
        let inside = live .& (y .> -1) .& (y .< Float(height)) .& (x .> -1) .& (x .< Float(width))
        let zero = SIMD8<Float>()
        let ys = zero.replacing(with: y, where: inside), xs = zero.replacing(with: x, where: inside)
        let (yFloor, y0) = Self.floor(ys), (xFloor, x0) = Self.floor(xs)
        let ly = ys - yFloor, lx = xs - xFloor
        let hy = 1 - ly, hx = 1 - lx
        // Compared as Float (exact here): SIMD integer comparisons compile to lane loops.
        let top = inside .& (yFloor .>= 0), bottom = inside .& (yFloor + 1 .< Float(height))
        let left = xFloor .>= 0, right = xFloor + 1 .< Float(width)
        w0 = zero.replacing(with: hy * hx * scale, where: top .& left)
        w1 = zero.replacing(with: hy * lx * scale, where: top .& right)
        w2 = zero.replacing(with: ly * hx * scale, where: bottom .& left)
        w3 = zero.replacing(with: ly * lx * scale, where: bottom .& right)
        // A corner of weight 0 gets offset 0, as in the scalar rule.
        let w = Int32(width), base = y0 &* w &+ x0, none = SIMD8<Int32>()
        o0 = none.replacing(with: base, where: w0 .!= 0)
        o1 = none.replacing(with: base &+ 1, where: w1 .!= 0)
        o2 = none.replacing(with: base &+ w, where: w2 .!= 0)
        o3 = none.replacing(with: base &+ w &+ 1, where: w3 .!= 0)
    }

    /// ⌊v⌋ as Float and as Int32, for |v| < 2^22: v + 1.5·2^23 rounds v to an integer (to
    /// nearest) in the low bits of the sum's significand; one less where that went up.
    @inline(__always)
    static func floor(_ v: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Int32>) {
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let magicBits = unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let rounded = (v + magic) - magic
        // ⌊±0⌋ = ±0 as `rounded(.down)` gives it (the sum would turn −0 into +0).
        let floor = (rounded - zeroOr(rounded .> v)).replacing(with: v, where: v .== 0)
        return (floor, unsafeBitCast(floor + magic, to: SIMD8<Int32>.self) &- magicBits)
    }

    /// ``floor(_:)`` of 16 lanes, eight at a time, for ``BilinearCell16``. Transparent, as the
    /// init: `@inline(__always)` left it a call with its vectors on the stack.
    @_transparent
    static func floor(_ v: SIMD16<Float>) -> (SIMD16<Float>, SIMD16<Int32>) {
        let (lowFloor, low) = floor(v.lowHalf), (highFloor, high) = floor(v.highHalf)
        return (SIMD16(lowHalf: lowFloor, highHalf: highFloor), SIMD16(lowHalf: low, highHalf: high))
    }

    @inline(__always)
    private static func zeroOr(_ mask: SIMDMask<SIMD8<Int32>>) -> SIMD8<Float> {
        SIMD8<Float>().replacing(with: 1, where: mask)
    }
}
