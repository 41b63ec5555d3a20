/// C[rows×cols] = bias + A[rows×k]·B[k×32] for rows ≤ 4 and cols ≤ 32: the register-blocked
/// micro-kernel of `blockedGather`.
///
/// Eight `SIMD16<Float>` accumulators (4 rows × 2 vectors) stay in registers for the whole k loop;
/// each step loads two B vectors, broadcasts four A values and issues eight FMAs (with the
/// host's vector width, see Package.swift). B must hold 32 readable columns (the caller pads its
/// column block); rows past `rows` recompute the last row and are not stored.
enum MicroKernel4x32 {
    static let rows = 4
    static let columns = 32

    @inline(__always)
    static func run(
        rows: Int, cols: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        bias: SIMD4<Float>
    ) {
        let a0 = a, a1 = a + min(1, rows - 1) * lda
        let a2 = a + min(2, rows - 1) * lda, a3 = a + min(3, rows - 1) * lda
        var c00 = SIMD16<Float>(), c01 = SIMD16<Float>()
        var c10 = SIMD16<Float>(), c11 = SIMD16<Float>()
        var c20 = SIMD16<Float>(), c21 = SIMD16<Float>()
        var c30 = SIMD16<Float>(), c31 = SIMD16<Float>()
        for kk in 0..<k {
            let bRow = UnsafeRawPointer(b + kk * ldb)
            let b0 = bRow.loadUnaligned(as: SIMD16<Float>.self)
            let b1 = bRow.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            let x0 = SIMD16<Float>(repeating: a0[kk]), x1 = SIMD16<Float>(repeating: a1[kk])
            let x2 = SIMD16<Float>(repeating: a2[kk]), x3 = SIMD16<Float>(repeating: a3[kk])
            c00 = c00.addingProduct(x0, b0); c01 = c01.addingProduct(x0, b1)
            c10 = c10.addingProduct(x1, b0); c11 = c11.addingProduct(x1, b1)
            c20 = c20.addingProduct(x2, b0); c21 = c21.addingProduct(x2, b1)
            c30 = c30.addingProduct(x3, b0); c31 = c31.addingProduct(x3, b1)
        }
        store(c00 + bias[0], c01 + bias[0], to: c, cols: cols)
        if rows > 1 { store(c10 + bias[1], c11 + bias[1], to: c + ldc, cols: cols) }
        if rows > 2 { store(c20 + bias[2], c21 + bias[2], to: c + 2 * ldc, cols: cols) }
        if rows > 3 { store(c30 + bias[3], c31 + bias[3], to: c + 3 * ldc, cols: cols) }
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
