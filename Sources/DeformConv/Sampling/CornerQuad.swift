/// The four corners of one plan entry, blended over consecutive channels-last channels as
/// vectors: `blockedGather`'s gather.
///
/// Branch-free: every corner is read and multiplied, and a corner of weight 0 reads a row of
/// zeros instead of the input, so it adds exactly +0 and never touches a pixel (``BilinearTap``'s
/// rule: 0·NaN must not leak into a sample). Adding a zero product changes a sum only from −0 to
/// +0, so the result equals (==) the sum over the non-zero corners in corner order, as
/// ``CornerSet`` forms it, and differs at most in the sign of a zero. (The compacted form tested
/// each corner per 16 channels and switched on the corner count per entry.)
struct CornerQuad {
    private let s0, s1, s2, s3: UnsafePointer<Float>
    private let w0, w1, w2, w3: SIMD16<Float>

    /// The corners of the plan entry at `entry` (``SamplingPlan/entry(row:q:)``, corner arrays
    /// `stride` bytes apart): corner offset o reads `base + o·step` when its weight is non-zero
    /// (a NaN weight counts, and propagates), else `zeros`, which must hold as many readable
    /// zeros as the channels any `blend` asks for.
    @inline(__always)
    init(entry: UnsafeRawPointer, stride: Int, base: UnsafePointer<Float>, step: Int, zeros: UnsafePointer<Float>) {
        @inline(__always) func corner(_ c: Int) -> (UnsafePointer<Float>, SIMD16<Float>) {
            let weight = entry.load(fromByteOffset: (4 &+ c) &* stride, as: Float.self)
            let offset = Int(entry.load(fromByteOffset: c &* stride, as: Int32.self))
            return (weight != 0 ? base + offset &* step : zeros, SIMD16(repeating: weight))
        }
        (s0, w0) = corner(0)
        (s1, w1) = corner(1)
        (s2, w2) = corner(2)
        (s3, w3) = corner(3)
    }

    /// out[j] = Σ_corners w·source[start + j] for j < length, 16 channels at a time.
    @inline(__always)
    func blend(from start: Int, count length: Int, into out: UnsafeMutablePointer<Float>) {
        @inline(__always) func load(_ s: UnsafePointer<Float>, _ j: Int) -> SIMD16<Float> {
            UnsafeRawPointer(s + (start &+ j)).loadUnaligned(as: SIMD16<Float>.self)
        }
        var j = 0
        while j &+ 16 <= length {
            var v = SIMD16<Float>().addingProduct(w0, load(s0, j))
            v = v.addingProduct(w1, load(s1, j))
            v = v.addingProduct(w2, load(s2, j))
            v = v.addingProduct(w3, load(s3, j))
            UnsafeMutableRawPointer(out + j).storeBytes(of: v, as: SIMD16<Float>.self)
            j &+= 16
        }
        while j < length {
            var v = Float(0).addingProduct(w0[0], s0[start &+ j])
            v = v.addingProduct(w1[0], s1[start &+ j])
            v = v.addingProduct(w2[0], s2[start &+ j])
            v = v.addingProduct(w3[0], s3[start &+ j])
            out[j] = v
            j &+= 1
        }
    }
}
