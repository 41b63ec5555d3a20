/// The corners with non-zero weight of one plan entry (at most four), blended over NCHW channels
/// one plane apart (`blend(channels:sourceStride:into:outStride:)`, for the im2col designs).
/// Built once per entry, so a zero-weight corner costs no test per channel and is never read
/// (``BilinearTap``'s rule). The channels-last twin, for `blockedGather`, is ``CornerQuad``.
struct CornerSet {
    private var weights = SIMD4<Float>()
    private var sources: (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?)
    private(set) var count = 0

    /// The corners of plan entry `q` of `row`: corner offset o reads `base + o·step` (NHWC: step
    /// C_in; NCHW: step 1).
    @inline(__always)
    init(_ row: SamplingPlan.Row, _ q: Int, base: UnsafePointer<Float>, step: Int) {
        // The corners that count: weight ≠ 0 (a NaN weight counts, and propagates).
        add(row.w0[q], base + Int(row.o0[q]) * step)
        add(row.w1[q], base + Int(row.o1[q]) * step)
        add(row.w2[q], base + Int(row.o2[q]) * step)
        add(row.w3[q], base + Int(row.o3[q]) * step)
    }

    @inline(__always)
    private mutating func add(_ weight: Float, _ source: UnsafePointer<Float>) {
        guard weight != 0 else { return }  // zero-weight corners are not read (BilinearTap's rule)
        weights[count] = weight
        switch count {
        case 0: sources.0 = source
        case 1: sources.1 = source
        case 2: sources.2 = source
        default: sources.3 = source
        }
        count += 1
    }

    /// out[c·outStride] = Σ_corners w·source[c·sourceStride] for c < `channels`: the sample of one
    /// tap and pixel in `channels` NCHW planes `sourceStride` apart, scalar, in `blend`'s order.
    @inline(__always)
    func blend(channels: Int, sourceStride: Int, into out: UnsafeMutablePointer<Float>, outStride: Int) {
        var src = 0, dst = 0
        if count == 4, let s0 = sources.0, let s1 = sources.1, let s2 = sources.2, let s3 = sources.3 {
            let w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3]
            for _ in 0..<channels {  // the interior case: no test per channel
                var v = w0 * s0[src]
                v = v.addingProduct(w1, s1[src]); v = v.addingProduct(w2, s2[src]); v = v.addingProduct(w3, s3[src])
                out[dst] = v
                src += sourceStride
                dst += outStride
            }
            return
        }
        for _ in 0..<channels {
            var v: Float = 0
            if let s0 = sources.0 { v = v.addingProduct(weights[0], s0[src]) }
            if let s1 = sources.1 { v = v.addingProduct(weights[1], s1[src]) }
            if let s2 = sources.2 { v = v.addingProduct(weights[2], s2[src]) }
            if let s3 = sources.3 { v = v.addingProduct(weights[3], s3[src]) }
            out[dst] = v
            src += sourceStride
            dst += outStride
        }
    }
}
