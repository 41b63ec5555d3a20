/// The sampling plan of one pixel block: the ``BilinearTap`` of every (offset group, kernel tap,
/// pixel), built once and then applied to every input channel of the offset group, as ONNX
/// Runtime and OpenVINO do (torchvision recomputes the taps per channel): `blockedGather` reads
/// it through ``CornerSet``, for channels-last vector gathers or, in the im2col designs, for
/// columns of NCHW channels.
///
/// Structure of arrays, so a gather can load 16 pixels' offsets and weights as vectors: row
/// r = og·kh·kw + t holds four offset arrays (corners 00, 01, 10, 11) and four weight arrays,
/// `capacity` entries each. Entries past a block's pixels, up to the next multiple of 32, are
/// zero (weight 0, offset 0), so vector gathers and the micro-kernel need no tail code.
struct SamplingPlan {
    let capacity: Int
    let taps: Int
    let rows: Int
    private let storage: UnsafeMutableRawPointer

    /// Room for blocks of up to `capacity` pixels (a multiple of 32) of `geometry`.
    init(geometry: DeformConvGeometry, capacity: Int) {
        self.capacity = capacity
        taps = geometry.taps
        rows = geometry.offsetGroups * geometry.taps
        let bytes = Self.bytes(geometry: geometry, capacity: capacity)
        storage = .allocate(byteCount: bytes, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
    }

    func deallocate() { storage.deallocate() }

    static func bytes(geometry: DeformConvGeometry, capacity: Int) -> Int {
        geometry.offsetGroups * geometry.taps * 8 * capacity * 4
    }

    /// Plane offsets of `corner` (0…3) for row (og, t).
    @inline(__always)
    func offsets(og: Int, t: Int, corner: Int) -> UnsafeMutablePointer<Int32> {
        (storage + (((og * taps + t) * 8 + corner) * capacity) * 4).assumingMemoryBound(to: Int32.self)
    }

    /// Weights (mask folded in) of `corner` for row (og, t).
    @inline(__always)
    func weights(og: Int, t: Int, corner: Int) -> UnsafeMutablePointer<Float> {
        (storage + (((og * taps + t) * 8 + 4 + corner) * capacity) * 4).assumingMemoryBound(to: Float.self)
    }

    /// The four offset and four weight arrays of row (og, t), fetched once per row by the gathers.
    struct Row {
        let o0, o1, o2, o3: UnsafeMutablePointer<Int32>
        let w0, w1, w2, w3: UnsafeMutablePointer<Float>
    }

    @inline(__always)
    func row(og: Int, t: Int) -> Row {
        Row(o0: offsets(og: og, t: t, corner: 0), o1: offsets(og: og, t: t, corner: 1),
            o2: offsets(og: og, t: t, corner: 2), o3: offsets(og: og, t: t, corner: 3),
            w0: weights(og: og, t: t, corner: 0), w1: weights(og: og, t: t, corner: 1),
            w2: weights(og: og, t: t, corner: 2), w3: weights(og: og, t: t, corner: 3))
    }

    /// Plans pixels `first ..< first + count` of image `n`; returns the entries built.
    func build(_ p: ForwardProblem, n: Int, first: Int, count: Int) -> Int {
        let padded = min((count + 31) / 32 * 32, capacity)
        for og in 0..<p.offsetGroups {
            for t in 0..<p.taps {
                let r = row(og: og, t: t)
                var oy = first / p.outWidth, ox = first - oy * p.outWidth
                for q in 0..<count {
                    let tap = p.tap(n: n, og: og, t: t, oy: oy, ox: ox)
                    r.o0[q] = tap.offsets[0]; r.o1[q] = tap.offsets[1]; r.o2[q] = tap.offsets[2]; r.o3[q] = tap.offsets[3]
                    r.w0[q] = tap.weights[0]; r.w1[q] = tap.weights[1]; r.w2[q] = tap.weights[2]; r.w3[q] = tap.weights[3]
                    ox += 1
                    if ox == p.outWidth { ox = 0; oy += 1 }
                }
                for corner in 0..<4 {  // the padding: weight 0, offset 0
                    (offsets(og: og, t: t, corner: corner) + count).update(repeating: 0, count: padded - count)
                    (weights(og: og, t: t, corner: corner) + count).update(repeating: 0, count: padded - count)
                }
            }
        }
        return rows * count
    }
}
