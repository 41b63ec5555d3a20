/// The kernel designs of the forward pass; all compute the same function (see `BilinearTap`
/// for the sampling rule) and differ only in how they organise the work.
public enum KernelVariant: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// Direct loops from the definition; resamples for every output channel. The specification.
    case naive
    /// im2col + GEMM on one thread (ONNX Runtime's design): a sampling plan per pixel tile, the
    /// deformable columns filled from it, then the register-blocked GEMM.
    case tiled
    /// The `tiled` blocks (image × group × pixel tile) spread with `DispatchQueue.concurrentPerform`.
    case dispatch
    /// Channels-last: sampling plan per offset group reused across its channels, L2-sized pixel
    /// blocks, the micro-kernel of the register file (``MicroKernelTile``), on the caller's
    /// ``ParallelExecutor``.
    case blockedGather

    /// The variant called `name`, or an error listing the valid names.
    public init(named name: String) throws {
        guard let variant = KernelVariant(rawValue: name) else {
            throw DeformConvError.unknownVariant(name: name, valid: Self.allCases.map(\.rawValue))
        }
        self = variant
    }

    public var description: String { rawValue }

    /// Whether the design uses more than one thread (`naive` and `tiled` run on the caller's).
    public var isMultiThreaded: Bool { self == .dispatch || self == .blockedGather }

    /// Whether its threads are the caller's to create and pin: `blockedGather` runs on a
    /// ``ParallelExecutor`` the caller gives it; `dispatch` on Dispatch's own threads, which
    /// nobody can pin; the single-threaded designs on the calling thread.
    public var runsOnExecutor: Bool { self == .blockedGather }

    /// Whether its threads can be bound to PUs (all but `dispatch`'s).
    public var canBePinned: Bool { self != .dispatch }

    /// Whether the design has a backward pass: `naive` (the specification) and `blockedGather`
    /// (its channels-last machinery run the other way). The im2col designs have none of their own.
    public var hasBackward: Bool { self == .naive || self == .blockedGather }

    /// One line on the design, for `dcnbench list`.
    public var summary: String {
        switch self {
        case .naive: "direct loops from the definition, one thread; samples again for every output channel"
        case .tiled:
            "im2col of a pixel tile from a sampling plan + register-blocked GEMM, one thread (ONNX Runtime's design)"
        case .dispatch: "tiled blocks over image x group x tile on DispatchQueue.concurrentPerform"
        case .blockedGather:
            "channels-last: sampling plan shared by an offset group's channels, L2-sized blocks, vector gather, micro-kernel sized by the register file, on an executor"
        }
    }
}
