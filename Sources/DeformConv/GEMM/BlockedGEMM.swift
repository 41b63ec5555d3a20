/// C[m×n] = A[m×k]·B[k×n] + bias[row], all row-major with leading dimensions: the GEMM of the
/// im2col designs (`tiled`, `dispatch`: A = the weights as given, B = a column matrix) and of
/// `blockedGather`'s few-pixel path.
///
/// Blocked like BLIS over k-slices of the micro-kernel's `kSlice`: per slice, each `rows`-row block
/// of A (in L1) passes over every `columns`-wide panel of B's slice (kSlice × n, in L2), the
/// micro-kernel holding its C tile in registers for the slice and adding the previous slices'
/// sums (the bias comes with the first). So A, when it is larger than L2 (the weights of a wide
/// layer), streams through once per call, not once per panel. B must hold n rounded up to the
/// tile's columns readable columns per row (the extra columns are computed and dropped).
/// With `accumulate`, C += A·B instead (the backward's grad_weight sums over pixel blocks).
/// `panelsOuter` swaps the two inner loops: each `columns`-wide panel of B's slice (in L1) passes
/// over every row block of A (in L2), so a B wider than L2 streams through once per slice, not
/// once per row block (the backward's columns' gradient: B = the weights, n = (C_in/G)·kh·kw).
enum BlockedGEMM {
    static func multiply(
        _ tile: MicroKernelTile, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        bias: UnsafePointer<Float>?, accumulate: Bool = false, panelsOuter: Bool = false
    ) {
        precondition(bias == nil || !panelsOuter, "panelsOuter takes no bias")
        switch tile {
        case .tile8x32:
            multiply(
                MicroKernel8x32.self, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
                bias: bias, accumulate: accumulate, panelsOuter: panelsOuter)
        case .tile6x16:
            multiply(
                MicroKernel6x16.self, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
                bias: bias, accumulate: accumulate, panelsOuter: panelsOuter)
        }
    }

    private static func multiply<Kernel: MicroKernel>(
        _: Kernel.Type, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        bias: UnsafePointer<Float>?, accumulate: Bool, panelsOuter: Bool
    ) {
        if panelsOuter {
            return multiplyPanelsOuter(
                Kernel.self, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
                accumulate: accumulate)
        }
        for k0 in stride(from: 0, to: k, by: Kernel.kSlice) {
            for i in stride(from: 0, to: m, by: Kernel.rows) {
                let rows = min(Kernel.rows, m - i)
                var rowBias = SIMD8<Float>()
                if let bias, k0 == 0 { for r in 0..<rows { rowBias[r] = bias[i + r] } }
                for j in stride(from: 0, to: n, by: Kernel.columns) {
                    Kernel.run(
                        rows: rows, cols: min(Kernel.columns, n - j), k: min(Kernel.kSlice, k - k0),
                        a: a + i * lda + k0, lda: lda, b: b + k0 * ldb + j, ldb: ldb,
                        c: c + i * ldc + j, ldc: ldc, accumulate: accumulate || k0 > 0, rowBias: rowBias)
                }
            }
        }
    }

    /// `panelsOuter`'s loop order (no bias: the backward's use has none).
    private static func multiplyPanelsOuter<Kernel: MicroKernel>(
        _: Kernel.Type, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool
    ) {
        for k0 in stride(from: 0, to: k, by: Kernel.kSlice) {
            for j in stride(from: 0, to: n, by: Kernel.columns) {
                for i in stride(from: 0, to: m, by: Kernel.rows) {
                    Kernel.run(
                        rows: min(Kernel.rows, m - i), cols: min(Kernel.columns, n - j), k: min(Kernel.kSlice, k - k0),
                        a: a + i * lda + k0, lda: lda, b: b + k0 * ldb + j, ldb: ldb,
                        c: c + i * ldc + j, ldc: ldc, accumulate: accumulate || k0 > 0, rowBias: nil)
                }
            }
        }
    }
}
