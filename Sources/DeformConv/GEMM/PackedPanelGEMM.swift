/// tile[pixels × width] (+)= A[pixels × depth] · B[depth × width]: the GEMM of `blockedGather`.
/// A is a block of deformable columns (a row per output pixel, `lda` apart, channels-last), B
/// one group's packed weight panels (`width` columns in panels of the tile's `columns`, each
/// depth × columns with row k at k·columns, panel j at j·depth), the tile row-major `width` apart.
///
/// Blocked like a BLIS GEMM: for each k-slice, each panel's slice (in L1) is reused by every
/// pixel tile of the block, the partial sums carried in the tile across slices.
enum PackedPanelGEMM {
    @inline(__always)
    static func multiply<Kernel: MicroKernel>(
        _: Kernel.Type, pixels: Int, depth: Int, width: Int,
        a: UnsafePointer<Float>, lda: Int, panels: UnsafePointer<Float>, tile: UnsafeMutablePointer<Float>
    ) {
        // Slices of equal depth, none deeper than kSlice: a short last slice (depth 288 as 256
        // + 32) would load and store the whole tile for a few k.
        let slices = (depth + Kernel.kSlice - 1) / Kernel.kSlice
        let slice = (depth + slices - 1) / slices
        for k0 in stride(from: 0, to: depth, by: slice) {
            let k = min(slice, depth - k0)
            for co in stride(from: 0, to: width, by: Kernel.columns) {
                let panelSlice = panels + co * depth + k0 * Kernel.columns
                for q in stride(from: 0, to: pixels, by: Kernel.rows) {
                    Kernel.run(
                        rows: min(Kernel.rows, pixels - q), cols: Kernel.columns, k: k,
                        a: a + q * lda + k0, lda: lda, b: panelSlice, ldb: Kernel.columns,
                        c: tile + q * width + co, ldc: width, accumulate: k0 > 0, rowBias: nil)
                }
            }
        }
    }
}
