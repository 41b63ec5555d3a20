/// ``MicroKernel`` for 16 vector registers (AVX2): 6 rows × 16 columns.
///
/// Twelve `SIMD8<Float>` accumulators (6 rows × 2 vectors) plus two B vectors and one broadcast
/// fill 15 of the 16 ymm registers; each k step loads two B vectors, broadcasts six A values and
/// issues twelve FMAs, enough independent chains for two FMA pipes with 4-cycle latency.
enum MicroKernel6x16: MicroKernel {
    static let rows = 6
    static let columns = 16
    /// A 256×16 B slice is 16 KiB, half a 32 KiB L1, so the A rows streaming past do not evict
    /// it (a 512-deep slice halves the L1 hits: docs/design-measurements.md).
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
        let a0 = a, a1 = a + min(1, last) * lda, a2 = a + min(2, last) * lda
        let a3 = a + min(3, last) * lda, a4 = a + min(4, last) * lda, a5 = a + min(5, last) * lda
        // Prior partial sums (the accumulating use): whole vectors, or the `cols` that exist.
        @inline(__always) func load(_ r: Int, _ half: Int) -> SIMD8<Float> {
            guard accumulate && r < rows else { return SIMD8<Float>() }
            let row = c + r * ldc + 8 * half
            if cols == columns { return UnsafeRawPointer(row).loadUnaligned(as: SIMD8<Float>.self) }
            var partial = SIMD8<Float>()
            for j in 0..<max(0, min(8, cols - 8 * half)) { partial[j] = row[j] }
            return partial
        }
        var c00 = load(0, 0), c01 = load(0, 1), c10 = load(1, 0), c11 = load(1, 1)
        var c20 = load(2, 0), c21 = load(2, 1), c30 = load(3, 0), c31 = load(3, 1)
        var c40 = load(4, 0), c41 = load(4, 1), c50 = load(5, 0), c51 = load(5, 1)
        for kk in 0..<k {
            let bRow = UnsafeRawPointer(b + kk * ldb)
            let b0 = bRow.loadUnaligned(as: SIMD8<Float>.self)
            let b1 = bRow.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            var x = SIMD8<Float>(repeating: a0[kk])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = SIMD8<Float>(repeating: a1[kk])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = SIMD8<Float>(repeating: a2[kk])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = SIMD8<Float>(repeating: a3[kk])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = SIMD8<Float>(repeating: a4[kk])
            c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = SIMD8<Float>(repeating: a5[kk])
            c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
        }
        @inline(__always) func store(_ r: Int, _ low: SIMD8<Float>, _ high: SIMD8<Float>) {
            let bias = rowBias.map { $0[r] } ?? 0
            let (low, high) = (low + bias, high + bias)
            let row = c + r * ldc
            if cols == columns {
                UnsafeMutableRawPointer(row).storeBytes(of: low, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(row).storeBytes(of: high, toByteOffset: 32, as: SIMD8<Float>.self)
            } else {
                for j in 0..<min(cols, 8) { row[j] = low[j] }
                for j in 8..<max(cols, 8) { row[j] = high[j - 8] }
            }
        }
        store(0, c00, c01)
        if rows > 1 { store(1, c10, c11) }
        if rows > 2 { store(2, c20, c21) }
        if rows > 3 { store(3, c30, c31) }
        if rows > 4 { store(4, c40, c41) }
        if rows > 5 { store(5, c50, c51) }
    }
}
