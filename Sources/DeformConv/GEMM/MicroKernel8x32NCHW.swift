/// C[rows×cols] = bias + A[rows×k]·B[k×32] for rows ≤ 8 and cols ≤ 32, C row-major: the
/// micro-kernel of `blockedGather` for layers with few output pixels and many weights, where A
/// is the weights as given (8 output channels, rows of (C_in/G)·kh·kw), B a transposed column
/// block (32 pixels per row) and C rows of NCHW output planes, so no weight packing is needed.
///
/// Sixteen `SIMD16<Float>` accumulators (8 rows × 2 vectors) stay in registers for the whole k
/// loop; each step loads two B vectors, broadcasts eight A values and issues sixteen FMAs, so
/// loads (10) stay well under the FMAs and two FMA pipes with 4-cycle latency have the 8+
/// independent chains they need. B must hold 32 readable columns (the caller pads its column
/// block); rows past `rows` recompute the last row and are not stored.
enum MicroKernel8x32NCHW {
    static let rows = 8
    static let columns = 32

    @inline(__always)
    static func run(
        rows: Int, cols: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        bias: SIMD8<Float>
    ) {
        let last = rows - 1
        let a0 = a, a1 = a + min(1, last) * lda, a2 = a + min(2, last) * lda, a3 = a + min(3, last) * lda
        let a4 = a + min(4, last) * lda, a5 = a + min(5, last) * lda, a6 = a + min(6, last) * lda, a7 = a + min(7, last) * lda
        var c00 = SIMD16<Float>(), c01 = SIMD16<Float>(), c10 = SIMD16<Float>(), c11 = SIMD16<Float>()
        var c20 = SIMD16<Float>(), c21 = SIMD16<Float>(), c30 = SIMD16<Float>(), c31 = SIMD16<Float>()
        var c40 = SIMD16<Float>(), c41 = SIMD16<Float>(), c50 = SIMD16<Float>(), c51 = SIMD16<Float>()
        var c60 = SIMD16<Float>(), c61 = SIMD16<Float>(), c70 = SIMD16<Float>(), c71 = SIMD16<Float>()
        for kk in 0..<k {
            let bRow = UnsafeRawPointer(b + kk * ldb)
            let b0 = bRow.loadUnaligned(as: SIMD16<Float>.self)
            let b1 = bRow.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            var x = SIMD16<Float>(repeating: a0[kk])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = SIMD16<Float>(repeating: a1[kk])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = SIMD16<Float>(repeating: a2[kk])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = SIMD16<Float>(repeating: a3[kk])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = SIMD16<Float>(repeating: a4[kk])
            c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = SIMD16<Float>(repeating: a5[kk])
            c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            x = SIMD16<Float>(repeating: a6[kk])
            c60 = c60.addingProduct(x, b0); c61 = c61.addingProduct(x, b1)
            x = SIMD16<Float>(repeating: a7[kk])
            c70 = c70.addingProduct(x, b0); c71 = c71.addingProduct(x, b1)
        }
        store(c00 + bias[0], c01 + bias[0], to: c, cols: cols)
        if rows > 1 { store(c10 + bias[1], c11 + bias[1], to: c + ldc, cols: cols) }
        if rows > 2 { store(c20 + bias[2], c21 + bias[2], to: c + 2 * ldc, cols: cols) }
        if rows > 3 { store(c30 + bias[3], c31 + bias[3], to: c + 3 * ldc, cols: cols) }
        if rows > 4 { store(c40 + bias[4], c41 + bias[4], to: c + 4 * ldc, cols: cols) }
        if rows > 5 { store(c50 + bias[5], c51 + bias[5], to: c + 5 * ldc, cols: cols) }
        if rows > 6 { store(c60 + bias[6], c61 + bias[6], to: c + 6 * ldc, cols: cols) }
        if rows > 7 { store(c70 + bias[7], c71 + bias[7], to: c + 7 * ldc, cols: cols) }
    }

    @inline(__always)
    private static func store(_ low: SIMD16<Float>, _ high: SIMD16<Float>, to row: UnsafeMutablePointer<Float>, cols: Int) {
        if cols == columns {
            let raw = UnsafeMutableRawPointer(row)
            raw.storeBytes(of: low, as: SIMD16<Float>.self)
            raw.storeBytes(of: high, toByteOffset: 64, as: SIMD16<Float>.self)
        } else {
            for j in 0..<min(cols, 16) { row[j] = low[j] }
            for j in 16..<max(cols, 16) { row[j] = high[j - 16] }
        }
    }
}
