/// C[m×n] = A[m×k]·B[k×n] + bias[row], all row-major with leading dimensions: the GEMM of the
/// im2col designs (`tiled`, `dispatch`: A = the weights as given, B = a column matrix) and of
/// `blockedGather`'s few-pixel path.
///
/// For each `columns`-wide panel of B (k × columns floats, reused from L1/L2), every `rows`-row
/// block of A passes over it with the micro-kernel, which keeps its whole C tile in registers for
/// all of k, so C is written once and never read. B must hold n rounded up to the tile's columns
/// readable columns per row (the extra columns are computed and dropped).
enum BlockedGEMM {
    static func multiply(
        _ tile: MicroKernelTile, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        bias: UnsafePointer<Float>?
    ) {
        switch tile {
        case .tile8x32: multiply(MicroKernel8x32.self, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, bias: bias)
        case .tile6x16: multiply(MicroKernel6x16.self, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, bias: bias)
        }
    }

    private static func multiply<Kernel: MicroKernel>(
        _: Kernel.Type, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        bias: UnsafePointer<Float>?
    ) {
        for j in stride(from: 0, to: n, by: Kernel.columns) {
            for i in stride(from: 0, to: m, by: Kernel.rows) {
                let rows = min(Kernel.rows, m - i)
                var rowBias = SIMD8<Float>()
                if let bias { for r in 0..<rows { rowBias[r] = bias[i + r] } }
                Kernel.run(
                    rows: rows, cols: min(Kernel.columns, n - j), k: k,
                    a: a + i * lda, lda: lda, b: b + j, ldb: ldb,
                    c: c + i * ldc + j, ldc: ldc, accumulate: false, rowBias: rowBias)
            }
        }
    }
}
