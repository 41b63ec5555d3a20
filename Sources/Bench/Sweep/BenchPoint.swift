import DeformConv
import Topology

/// DCNv1 (no mask) or DCNv2 (modulation mask).
public enum DCNVersion: String, CaseIterable, Codable, Sendable {
    case v1, v2
    var hasMask: Bool { self == .v2 }
}

/// When the weights reach the operator: with every call (`call`, the default: an operator whose
/// weights may change, as in training, and the peers' deformable operators as measured), or once
/// before the calls (`prepared`: `DeformConvolution.prepare(weight:)`, constant weights as in
/// inference; `blockedGather` then packs them once instead of every call).
public enum WeightsMode: String, CaseIterable, Codable, Sendable {
    case call, prepared
}

/// Which pass a point times: the forward call (`fwd`), the backward call computing every
/// gradient (`bwd`: grad_input, grad_offset, grad_mask with a mask, grad_weight), or both in turn
/// (`fwd+bwd`, a training step's share). The second part of a point's name.
public enum Direction: String, CaseIterable, Codable, Sendable {
    case fwd, bwd
    case fwdBwd = "fwd+bwd"

    /// Multiples of the forward's multiply-add FLOPs: the backward's two GEMMs (grad_weight =
    /// grad_output × columns, the columns' gradient = weightsᵀ × grad_output) each do as many
    /// multiply-adds as the forward's one; the sampling work is counted in none of them.
    public var flopMultiple: Double {
        switch self {
        case .fwd: 1
        case .bwd: 2
        case .fwdBwd: 3
        }
    }

    var runsBackward: Bool { self != .fwd }
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
    /// Input and output layout; NHWC points carry a `/nhwc` suffix in their names.
    public var layout: TensorLayout
    /// When the weights are given; points with prepared weights end in `/prepared`.
    public var weights: WeightsMode
    /// The pass timed: the name's second part.
    public var direction: Direction

    public init(
        variant: KernelVariant, version: DCNVersion, batch: Int, inChannels: Int, outChannels: Int,
        height: Int, width: Int, kernel: Extent2, stride: Int, padding: Int, dilation: Int, groups: Int,
        offsetGroups: Int, threads: Int, placement: Placement, layout: TensorLayout = .nchw,
        weights: WeightsMode = .call, direction: Direction = .fwd
    ) {
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
        self.layout = layout
        self.weights = weights
        self.direction = direction
    }

    /// A stable name in google/benchmark style:
    /// `blockedGather/fwd/v2/N1/C64/K64/56x56/k3x3/s1/p1/d1/g1/og1/t2/close`.
    public var name: String { "\(variant)/" + nameWithoutVariant }

    /// The name after its variant: what a peer's row is named by after `peer:NAME/`.
    public var nameWithoutVariant: String {
        "\(direction.rawValue)/\(shapeName)/t\(threads)/\(placement)" + (layout == .nchw ? "" : "/\(layout)")
            + (weights == .call ? "" : "/\(weights)")
    }

    /// What computes the point: the variant, with its layout, weights and direction where they
    /// are not NCHW, per call and forward (`blockedGather nhwc prepared`, `naive bwd`).
    public var design: String {
        variant.rawValue + (layout == .nchw ? "" : " \(layout)") + (weights == .call ? "" : " \(weights)")
            + (direction == .fwd ? "" : " \(direction.rawValue)")
    }

    /// The problem without variant, threads and placement: rows with equal shape names compute
    /// the same thing.
    public var shapeName: String {
        "\(version)/N\(batch)/C\(inChannels)/K\(outChannels)/\(height)x\(width)/k\(kernel.h)x\(kernel.w)/s\(stride)/p\(padding)/d\(dilation)/g\(groups)/og\(offsetGroups)"
    }

    /// Multiply-add FLOPs of one call: the forward's (``DeformConvGeometry/multiplyAddFLOPs``)
    /// times the direction's ``Direction/flopMultiple``.
    public func flops(_ g: DeformConvGeometry) -> Double { direction.flopMultiple * g.multiplyAddFLOPs }

    /// Compulsory bytes of one call: the forward reads its inputs once and writes the output;
    /// the backward reads the inputs and grad_output and writes a gradient the size of each input.
    public func compulsoryBytes(_ g: DeformConvGeometry) -> Int {
        let output = g.bytes(of: "output"), forward = g.compulsoryBytes
        let backward = 2 * (forward - output) + output
        switch direction {
        case .fwd: return forward
        case .bwd: return backward
        case .fwdBwd: return forward + backward
        }
    }

    /// Bytes of the tensors a point allocates: inputs and output, and for a backward grad_output
    /// and the gradients.
    public func tensorBytes(_ g: DeformConvGeometry) -> Int {
        direction == .fwd ? g.compulsoryBytes : 2 * g.compulsoryBytes
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
    var poolThreads: Int { variant.runsOnExecutor ? threads : 1 }
}

extension BenchPoint {
    /// The point a name describes (the inverse of `name`).
    public init(name: String) throws {
        let invalid = BenchError(
            "'\(name)' is not a point name (expected e.g. blockedGather/fwd/v2/N1/C64/K64/56x56/k3x3/s1/p1/d1/g1/og1/t2/close)"
        )
        let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // Optional suffixes, in this order: the layout (/nhwc), the weights (/prepared).
        let suffixes = parts.dropFirst(15)
        guard parts.count >= 15, parts.count <= 17, let direction = Direction(rawValue: parts[1]),
            let version = DCNVersion(rawValue: parts[2]),
            suffixes.allSatisfy({ $0 == "nhwc" || $0 == "prepared" })
        else { throw invalid }
        let variant: KernelVariant
        do { variant = try KernelVariant(named: parts[0]) } catch { throw BenchError("\(error)") }
        func number(_ part: String, _ prefix: String) throws -> Int {
            guard part.hasPrefix(prefix), let value = Int(part.dropFirst(prefix.count)), value >= 0 else {
                throw invalid
            }
            return value
        }
        func pair(_ part: String, _ prefix: String) throws -> (Int, Int) {
            guard part.hasPrefix(prefix) else { throw invalid }
            let values = part.dropFirst(prefix.count).split(separator: "x").compactMap { Int($0) }
            guard values.count == 2 else { throw invalid }
            return (values[0], values[1])
        }
        let (h, w) = try pair(parts[6], "")
        let (kh, kw) = try pair(parts[7], "k")
        let placement: Placement
        do { placement = try Placement(parsing: parts[14]) } catch { throw invalid }
        self.init(
            variant: variant, version: version, batch: try number(parts[3], "N"), inChannels: try number(parts[4], "C"),
            outChannels: try number(parts[5], "K"), height: h, width: w, kernel: Extent2(kh, kw),
            stride: try number(parts[8], "s"), padding: try number(parts[9], "p"), dilation: try number(parts[10], "d"),
            groups: try number(parts[11], "g"), offsetGroups: try number(parts[12], "og"),
            threads: try number(parts[13], "t"), placement: placement,
            layout: suffixes.contains("nhwc") ? .nhwc : .nchw,
            weights: suffixes.contains("prepared") ? .prepared : .call,
            direction: direction)
        guard self.name == name else { throw invalid }
    }
}
