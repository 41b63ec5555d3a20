import CTargetFeatures

/// A register-blocked GEMM tile: C[rows×cols] (+)= A[rows×k]·B[k×columns] (+ a bias per row),
/// rows ≤ `rows`, cols ≤ `columns`, all row-major. Every accumulator lives in a vector register
/// for the whole k loop, so the tile's shape is set by the register file: see ``MicroKernelTile``.
///
/// Used two ways (both by `blockedGather`, the second also by `tiled` and `dispatch` through
/// ``BlockedGEMM``):
/// - A = a block of deformable columns (one row per output pixel, channels-last), B = a k-slice
///   of the packed weights, C = an accumulator tile carried across k-slices (`accumulate`);
/// - A = the weights as given (a row per output channel), B = a column matrix (a row of pixels
///   per k), C = rows of the NCHW output planes, bias per row on the first k-slice.
///
/// B must hold `columns` readable columns; rows past `rows` recompute the last row and are not stored.
protocol MicroKernel {
    static var rows: Int { get }
    static var columns: Int { get }
    /// k per call for the accumulating use, so that a k-slice of B stays in a 32–48 KiB L1.
    static var kSlice: Int { get }

    static func run(
        rows: Int, cols: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, rowBias: SIMD8<Float>?
    )
}

/// Which micro-kernel the GEMMs use. Results agree to fp32 rounding whichever is chosen (both
/// sum k in the same order); only speed differs, and the wrong one for the register file spills.
public enum MicroKernelTile: String, Sendable, CaseIterable {
    /// ``MicroKernel8x32``: 16 `SIMD16<Float>` accumulators, for 32 vector registers (AVX-512).
    case tile8x32 = "8x32"
    /// ``MicroKernel6x16``: 12 `SIMD8<Float>` accumulators, for 16 vector registers (AVX2).
    case tile6x16 = "6x16"

    /// The tile for the instruction set the kernels were compiled for (`-target-cpu native` in
    /// Package.swift): 8×32 with 32 vector registers, 6×16 otherwise. On a 16-register AVX2 core
    /// the 8×32 tile needs 32 ymm accumulators and spills (docs/design-measurements.md).
    public static let native: MicroKernelTile = dcn_target_vector_registers() >= 32 ? .tile8x32 : .tile6x16

    /// The micro-kernel itself, for its sizes (the hot paths switch once and call it statically).
    private var kernel: any MicroKernel.Type {
        switch self {
        case .tile8x32: MicroKernel8x32.self
        case .tile6x16: MicroKernel6x16.self
        }
    }

    /// Rows of the tile (output pixels per micro-kernel call in `blockedGather`).
    var rows: Int { kernel.rows }
    /// k per micro-kernel call over a slice (``MicroKernel/kSlice``).
    var kSlice: Int { kernel.kSlice }
    /// Columns of the tile (the width of `blockedGather`'s packed weight panels).
    var columns: Int { kernel.columns }

    /// Columns of the packed weights: the widest tile's, so one packing serves every tile.
    static let packColumns = 32
}
