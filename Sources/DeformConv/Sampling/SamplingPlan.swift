/// The sampling plan of one pixel block: the ``BilinearTap`` of every (offset group, kernel tap,
/// pixel), built once and then applied to every input channel of the offset group, as ONNX
/// Runtime and OpenVINO do (torchvision recomputes the taps per channel): `blockedGather` reads
/// it through ``CornerQuad``, for channels-last vector gathers, and the im2col designs through
/// ``CornerSet``, for columns of NCHW channels.
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

    /// The rows, then the integer sampling origins (oy·sh − ph, ox·sw − pw) of the block's pixels.
    static func bytes(geometry: DeformConvGeometry, capacity: Int) -> Int {
        (geometry.offsetGroups * geometry.taps * 8 + 2) * capacity * 4
    }

    /// oy·sh − ph (`axis` 0) or ox·sw − pw (1) of the block's pixels, filled by `build`.
    @inline(__always)
    private func origins(_ axis: Int) -> UnsafeMutablePointer<Float> {
        (storage + ((rows * 8 + axis) * capacity) * 4).assumingMemoryBound(to: Float.self)
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

    /// Entry `q` of row r = og·kh·kw + t, as raw bytes: corner c's offset (`Int32`) at byte
    /// c·``entryStride``, its weight (`Float`) at (4 + c)·``entryStride``; row r + 1's entry q
    /// is 8·``entryStride`` bytes on. For gathers that walk entries without forming a ``Row``.
    @inline(__always)
    func entry(row r: Int, q: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(storage + (r &* 8 &* capacity &+ q) &* 4)
    }

    /// Bytes from one corner array of a row to the next (``entry(row:q:)``).
    var entryStride: Int { capacity &* 4 }

    /// The four offset and four weight arrays of row (og, t), fetched once per row by the gathers.
    struct Row {
        let o0, o1, o2, o3: UnsafeMutablePointer<Int32>
        let w0, w1, w2, w3: UnsafeMutablePointer<Float>
    }

    @inline(__always)
    func row(og: Int, t: Int) -> Row {
        Row(
            o0: offsets(og: og, t: t, corner: 0), o1: offsets(og: og, t: t, corner: 1),
            o2: offsets(og: og, t: t, corner: 2), o3: offsets(og: og, t: t, corner: 3),
            w0: weights(og: og, t: t, corner: 0), w1: weights(og: og, t: t, corner: 1),
            w2: weights(og: og, t: t, corner: 2), w3: weights(og: og, t: t, corner: 3))
    }

    /// Plans pixels `first ..< first + count` of image `n`; returns the entries built.
    func build(_ p: ConvolutionCall, n: Int, first: Int, count: Int) -> Int {
        if Self.vectorizable(p.geometry) {
            buildVectors(p, n: n, first: first, count: count)
        } else {
            buildScalar(p, n: n, first: first, count: count)
        }
        return rows * count
    }

    /// Whether every sampling origin, oy·sh − ph + i·dh and its x twin, and the plane's sides are
    /// below 2^21, so ``BilinearTap8`` applies and Float sums of the origins' parts are exact.
    static func vectorizable(_ g: DeformConvGeometry) -> Bool {
        let reach = max(
            g.height + 2 * g.padding.h + g.dilation.h * (g.kernel.h - 1),
            g.width + 2 * g.padding.w + g.dilation.w * (g.kernel.w - 1))
        return reach < BilinearTap8.maxSide
    }

    /// Eight pixels at a time (``BilinearTap8``): a block's pixels are consecutive in the
    /// flattened output, so their offsets and mask values are 8 consecutive floats of each
    /// offset and mask channel. Lanes past `count`, up to the next multiple of 32, are the zero tap.
    func buildVectors(_ p: ConvolutionCall, n: Int, first: Int, count: Int) {
        let padded = min((count + 31) / 32 * 32, capacity)
        let originY = origins(0), originX = origins(1)
        p.samplingOrigins(first: first, count: count, y: originY, x: originX)
        let lanes = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
        for og in 0..<p.offsetGroups {
            for t in 0..<p.taps {
                let r = row(og: og, t: t)
                let point = (n * p.offsetGroups + og) * p.taps + t  // as in ConvolutionCall.tap
                let dyRow = p.offset + (2 * point) * p.outPixels + first, dxRow = dyRow + p.outPixels
                let maskRow = p.mask.map { $0 + point * p.outPixels + first }
                let i = t / p.kernelWidth, j = t - i * p.kernelWidth
                let tapY = SIMD8<Float>(repeating: Float(i * p.dilationH))
                let tapX = SIMD8<Float>(repeating: Float(j * p.dilationW))
                for q in stride(from: 0, to: padded, by: 8) {
                    let present = count - q  // lanes from it on are padding
                    let live = lanes .< Float(min(present, 8))
                    let dy = Self.load(dyRow + q, present, or: 0), dx = Self.load(dxRow + q, present, or: 0)
                    let scale = maskRow.map { Self.load($0 + q, present, or: 0) } ?? SIMD8(repeating: 1)
                    let y = (Self.load(UnsafePointer(originY + q), present, or: 0) + tapY) + dy
                    let x = (Self.load(UnsafePointer(originX + q), present, or: 0) + tapX) + dx
                    let taps = BilinearTap8(y: y, x: x, height: p.height, width: p.width, scale: scale, live: live)
                    Self.store(taps.o0, r.o0 + q); Self.store(taps.o1, r.o1 + q)
                    Self.store(taps.o2, r.o2 + q); Self.store(taps.o3, r.o3 + q)
                    Self.store(taps.w0, r.w0 + q); Self.store(taps.w1, r.w1 + q)
                    Self.store(taps.w2, r.w2 + q); Self.store(taps.w3, r.w3 + q)
                }
            }
        }
    }

    /// One ``BilinearTap`` per entry: planes too large for ``BilinearTap8``.
    func buildScalar(_ p: ConvolutionCall, n: Int, first: Int, count: Int) {
        let padded = min((count + 31) / 32 * 32, capacity)
        for og in 0..<p.offsetGroups {
            for t in 0..<p.taps {
                let r = row(og: og, t: t)
                var oy = first / p.outWidth, ox = first - oy * p.outWidth
                for q in 0..<count {
                    let tap = p.tap(n: n, og: og, t: t, oy: oy, ox: ox)
                    r.o0[q] = tap.offsets[0]; r.o1[q] = tap.offsets[1]; r.o2[q] = tap.offsets[2];
                    r.o3[q] = tap.offsets[3]
                    r.w0[q] = tap.weights[0]; r.w1[q] = tap.weights[1]; r.w2[q] = tap.weights[2];
                    r.w3[q] = tap.weights[3]
                    ox += 1
                    if ox == p.outWidth { ox = 0; oy += 1 }
                }
                for corner in 0..<4 {  // the padding: weight 0, offset 0
                    (offsets(og: og, t: t, corner: corner) + count).update(repeating: 0, count: padded - count)
                    (weights(og: og, t: t, corner: corner) + count).update(repeating: 0, count: padded - count)
                }
            }
        }
    }

    /// 8 values from `source`, of which only the first `present` are read (the rest `fill`).
    @inline(__always)
    private static func load<T: SIMDScalar>(_ source: UnsafePointer<T>, _ present: Int, or fill: T) -> SIMD8<T> {
        if present >= 8 { return UnsafeRawPointer(source).loadUnaligned(as: SIMD8<T>.self) }
        var v = SIMD8<T>(repeating: fill)
        for lane in 0..<max(present, 0) { v[lane] = source[lane] }
        return v
    }

    @inline(__always)
    private static func store<T: SIMDScalar>(_ value: SIMD8<T>, _ destination: UnsafeMutablePointer<T>) {
        UnsafeMutableRawPointer(destination).storeBytes(of: value, as: SIMD8<T>.self)
    }
}

extension ConvolutionCall {
    /// oy·sh − ph and ox·sw − pw of output pixels `first ..< first + count` (of one image), as
    /// Floats into `y` and `x`: for the vector builds (``BilinearTap8``, ``BilinearCell16``),
    /// which add a tap's offset and the learned offset to them. Exact where
    /// ``SamplingPlan/vectorizable(_:)`` holds (below 2^21), so an origin plus a tap's offset is
    /// the Float of the integer sum that ``tap(n:og:t:oy:ox:)`` and ``cell(n:og:t:oy:ox:)``
    /// convert.
    func samplingOrigins(first: Int, count: Int, y: UnsafeMutablePointer<Float>, x: UnsafeMutablePointer<Float>) {
        var oy = first / outWidth, ox = first - oy * outWidth
        for q in 0..<count {
            y[q] = Float(oy * strideH - padH)
            x[q] = Float(ox * strideW - padW)
            ox += 1
            if ox == outWidth { ox = 0; oy += 1 }
        }
    }
}
