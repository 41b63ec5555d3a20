/// ``MicroKernel`` for 32 vector registers (AVX-512): 8 rows × 32 columns.
///
/// Sixteen `SIMD16<Float>` accumulators (8 rows × 2 vectors) stay in registers for the whole k
/// loop; each step loads two B vectors, broadcasts eight A values and issues sixteen FMAs, so
/// two FMA pipes with 4-cycle latency have the chains they need and loads stay under the FMAs.
enum MicroKernel8x32: MicroKernel {
    static let rows = 8
    static let columns = 32
    /// A 256×32 B slice is 32 KiB, inside a 48 KiB L1.
    static let kSlice = 256

    @inline(__always)
    static func run(
        rows: Int, cols: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, rowBias: SIMD8<Float>?
    ) {
        let last = rows - 1
        let a0 = a, a1 = a + min(1, last) * lda, a2 = a + min(2, last) * lda, a3 = a + min(3, last) * lda
        let a4 = a + min(4, last) * lda, a5 = a + min(5, last) * lda, a6 = a + min(6, last) * lda,
            a7 = a + min(7, last) * lda
        // Prior partial sums (the accumulating use): whole vectors, or the `cols` that exist.
        @inline(__always) func load(_ r: Int, _ half: Int) -> SIMD16<Float> {
            guard accumulate && r < rows else { return SIMD16<Float>() }
            let row = c + r * ldc + 16 * half
            if cols == columns { return UnsafeRawPointer(row).loadUnaligned(as: SIMD16<Float>.self) }
            var partial = SIMD16<Float>()
            for j in 0..<max(0, min(16, cols - 16 * half)) { partial[j] = row[j] }
            return partial
        }
        var c00 = load(0, 0), c01 = load(0, 1), c10 = load(1, 0), c11 = load(1, 1)
        var c20 = load(2, 0), c21 = load(2, 1), c30 = load(3, 0), c31 = load(3, 1)
        var c40 = load(4, 0), c41 = load(4, 1), c50 = load(5, 0), c51 = load(5, 1)
        var c60 = load(6, 0), c61 = load(6, 1), c70 = load(7, 0), c71 = load(7, 1)
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
        @inline(__always) func store(_ r: Int, _ low: SIMD16<Float>, _ high: SIMD16<Float>) {
            let bias = rowBias.map { $0[r] } ?? 0
            let (low, high) = (low + bias, high + bias)
            let row = c + r * ldc
            if cols == columns {
                UnsafeMutableRawPointer(row).storeBytes(of: low, as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(row).storeBytes(of: high, toByteOffset: 64, as: SIMD16<Float>.self)
            } else {
                for j in 0..<min(cols, 16) { row[j] = low[j] }
                for j in 16..<max(cols, 16) { row[j] = high[j - 16] }
            }
        }
        store(0, c00, c01)
        if rows > 1 { store(1, c10, c11) }
        if rows > 2 { store(2, c20, c21) }
        if rows > 3 { store(3, c30, c31) }
        if rows > 4 { store(4, c40, c41) }
        if rows > 5 { store(5, c50, c51) }
        if rows > 6 { store(6, c60, c61) }
        if rows > 7 { store(7, c70, c71) }
    }
}
