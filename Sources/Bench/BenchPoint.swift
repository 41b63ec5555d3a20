import DeformConv
import Topology

/// DCNv1 (no mask) or DCNv2 (modulation mask).
public enum DCNVersion: String, CaseIterable, Codable, Sendable {
    case v1, v2
    var hasMask: Bool { self == .v2 }
}

/// One measurement: a kernel variant on one problem with a thread count and placement.
public struct BenchPoint: Hashable, Sendable {
    public var variant: KernelVariant
    public var version: DCNVersion
    public var batch: Int
    public var inChannels: Int
    public var outChannels: Int
    public var height: Int
    public var width: Int
    public var kernel: Extent2
    public var stride: Int
    public var padding: Int
    public var dilation: Int
    public var groups: Int
    public var offsetGroups: Int
    public var threads: Int
    public var placement: Placement

    public init(variant: KernelVariant, version: DCNVersion, batch: Int, inChannels: Int, outChannels: Int,
                height: Int, width: Int, kernel: Extent2, stride: Int, padding: Int, dilation: Int, groups: Int,
                offsetGroups: Int, threads: Int, placement: Placement) {
        self.variant = variant
        self.version = version
        self.batch = batch
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.height = height
        self.width = width
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.offsetGroups = offsetGroups
        self.threads = threads
        self.placement = placement
    }

    /// A stable name in google/benchmark style:
    /// `blockedGather/fwd/v2/N1/C64/K64/56x56/k3x3/s1/p1/d1/g1/og1/t2/close`.
    public var name: String { "\(variant)/fwd/\(shapeName)/t\(threads)/\(placement)" }

    /// The problem without variant, threads and placement: rows with equal shape names compute
    /// the same thing.
    public var shapeName: String {
        "\(version)/N\(batch)/C\(inChannels)/K\(outChannels)/\(height)x\(width)/k\(kernel.h)x\(kernel.w)/s\(stride)/p\(padding)/d\(dilation)/g\(groups)/og\(offsetGroups)"
    }

    /// The operator's geometry (no bias: benchmarks time the convolution itself).
    public func geometry() throws -> DeformConvGeometry {
        try DeformConvGeometry(
            batch: batch, inChannels: inChannels, height: height, width: width, outChannels: outChannels,
            kernel: kernel, stride: Extent2(stride), padding: Extent2(padding), dilation: Extent2(dilation),
            groups: groups, offsetGroups: offsetGroups, hasMask: version.hasMask, hasBias: false)
    }

    /// Threads the point's pool binds: the variant's workers for `blockedGather`, the calling
    /// thread alone for the single-threaded designs and for `dispatch` (whose threads are
    /// Dispatch's and cannot be pinned).
    var poolThreads: Int { variant == .blockedGather ? threads : 1 }
}
