/// Applies one row of a ``SamplingPlan`` to one input plane: out[q] = Σ_k w_k[q]·plane[o_k[q]]
/// for q < `count` (a multiple of 16). The two paths compute the same function for finite input.
enum PlanGather {
    /// 16 pixels at a time, all four corners read: a corner of weight 0 multiplies its pixel by
    /// 0, which is exact only for a finite pixel, so this is for planes known to be finite.
    @inline(__always)
    static func finite(_ plan: SamplingPlan, og: Int, t: Int, plane: UnsafePointer<Float>,
                       count: Int, into out: UnsafeMutablePointer<Float>) {
        let o0 = UnsafeRawPointer(plan.offsets(og: og, t: t, corner: 0)), o1 = UnsafeRawPointer(plan.offsets(og: og, t: t, corner: 1))
        let o2 = UnsafeRawPointer(plan.offsets(og: og, t: t, corner: 2)), o3 = UnsafeRawPointer(plan.offsets(og: og, t: t, corner: 3))
        let w0 = UnsafeRawPointer(plan.weights(og: og, t: t, corner: 0)), w1 = UnsafeRawPointer(plan.weights(og: og, t: t, corner: 1))
        let w2 = UnsafeRawPointer(plan.weights(og: og, t: t, corner: 2)), w3 = UnsafeRawPointer(plan.weights(og: og, t: t, corner: 3))
        for q in stride(from: 0, to: count, by: 16) {
            let byte = q * 4
            var v = SIMD16<Float>(repeating: 0)
            v = v.addingProduct(w0.loadUnaligned(fromByteOffset: byte, as: SIMD16<Float>.self),
                                load(plane, o0.loadUnaligned(fromByteOffset: byte, as: SIMD16<Int32>.self)))
            v = v.addingProduct(w1.loadUnaligned(fromByteOffset: byte, as: SIMD16<Float>.self),
                                load(plane, o1.loadUnaligned(fromByteOffset: byte, as: SIMD16<Int32>.self)))
            v = v.addingProduct(w2.loadUnaligned(fromByteOffset: byte, as: SIMD16<Float>.self),
                                load(plane, o2.loadUnaligned(fromByteOffset: byte, as: SIMD16<Int32>.self)))
            v = v.addingProduct(w3.loadUnaligned(fromByteOffset: byte, as: SIMD16<Float>.self),
                                load(plane, o3.loadUnaligned(fromByteOffset: byte, as: SIMD16<Int32>.self)))
            UnsafeMutableRawPointer(out).storeBytes(of: v, toByteOffset: byte, as: SIMD16<Float>.self)
        }
    }

    /// 16 pixels of `plane` at `offsets` (every offset is inside the plane: the plan's rule).
    @inline(__always)
    static func load(_ plane: UnsafePointer<Float>, _ offsets: SIMD16<Int32>) -> SIMD16<Float> {
        var v = SIMD16<Float>()
        for lane in 0..<16 { v[lane] = plane[Int(offsets[lane])] }
        return v
    }

    /// Corner by corner, skipping weights of 0: a NaN or infinite pixel reaches only the samples
    /// that weigh it (`BilinearTap`'s rule), whatever else the plane holds.
    static func general(_ plan: SamplingPlan, og: Int, t: Int, plane: UnsafePointer<Float>,
                        count: Int, into out: UnsafeMutablePointer<Float>) {
        let o = (0..<4).map { plan.offsets(og: og, t: t, corner: $0) }
        let w = (0..<4).map { plan.weights(og: og, t: t, corner: $0) }
        for q in 0..<count {
            var value: Float = 0
            for k in 0..<4 where w[k][q] != 0 { value += w[k][q] * plane[Int(o[k][q])] }
            out[q] = value
        }
    }

    /// Whether every element of `values` is finite (no NaN, no ±∞): x − x is 0 exactly for those.
    static func allFinite(_ values: UnsafePointer<Float>, count: Int) -> Bool {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            let x = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD16<Float>.self)
            acc += x - x
            i += 16
        }
        var tail: Float = 0
        while i < count { tail += values[i] - values[i]; i += 1 }
        return acc.sum() == 0 && tail == 0
    }
}
