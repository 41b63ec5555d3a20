/// The kernel designs of the forward pass; all compute the same function (see `BilinearTap`
/// for the sampling rule) and differ only in how they organise the work.
public enum KernelVariant: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// Direct loops from the definition; resamples for every output channel. The specification.
    case naive
    /// im2col + GEMM on one thread: deformable columns of a pixel tile, then a cache-blocked GEMM.
    case tiled
    /// The `tiled` blocks (image × group × pixel tile) spread with `DispatchQueue.concurrentPerform`.
    case dispatch
    /// Sampling plan per offset group reused across its channels, L2-sized pixel blocks, a
    /// register-blocked micro-GEMM, on the caller's ``ParallelExecutor``.
    case blockedGather

    /// The variant called `name`, or an error listing the valid names.
    public init(named name: String) throws {
        guard let variant = KernelVariant(rawValue: name) else {
            throw DeformConvError.unknownVariant(name: name, valid: Self.allCases.map(\.rawValue))
        }
        self = variant
    }

    public var description: String { rawValue }

    /// One line on the design, for `dcnbench list`.
    public var summary: String {
        switch self {
        case .naive: "direct loops from the definition, one thread; samples again for every output channel"
        case .tiled: "im2col of a pixel tile + cache-blocked GEMM, one thread (torchvision/mmcv design)"
        case .dispatch: "tiled blocks over image x group x tile on DispatchQueue.concurrentPerform"
        case .blockedGather: "sampling plan shared by an offset group's channels, L2-sized blocks, vector gather, 8x32 micro-GEMM, on an executor"
        }
    }
}
