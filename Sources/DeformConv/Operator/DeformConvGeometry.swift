/// A pair of spatial extents, height first, as torchvision writes `(h, w)` tuples.
public struct Extent2: Hashable, Sendable, Codable, CustomStringConvertible {
    public let h: Int
    public let w: Int

    public init(_ h: Int, _ w: Int) {
        self.h = h
        self.w = w
    }

    /// The same extent on both axes.
    public init(_ both: Int) { self.init(both, both) }

    public var description: String { "\(h)x\(w)" }
}

/// One deformable-convolution problem: every size that fixes the tensor shapes and the work.
///
/// Construction validates; a value of this type is always a computable problem. The limits:
/// - every size is at least 1 (padding at least 0), and at most ``maxExtent`` (2^24), so that
///   integer sampling coordinates are exact in `Float` and a product of two fields fits `Int`;
/// - `inChannels` and `outChannels` divisible by `groups`, `inChannels` by `offsetGroups`;
/// - a non-empty output;
/// - every tensor at most `Int32.max` elements, so a plane offset fits the `Int32` indices of the
///   sampling plan and no index arithmetic in `Int` can overflow.
public struct DeformConvGeometry: Hashable, Sendable, Codable, CustomStringConvertible {
    public let batch: Int
    public let inChannels: Int
    public let height: Int
    public let width: Int
    public let outChannels: Int
    public let kernel: Extent2
    public let stride: Extent2
    public let padding: Extent2
    public let dilation: Extent2
    public let groups: Int
    public let offsetGroups: Int
    /// DCNv2: a modulation mask multiplies each sample.
    public let hasMask: Bool
    public let hasBias: Bool

    /// Largest value of any single size field (2^24: integers up to it are exact in `Float`).
    public static let maxExtent = 1 << 24
    /// Largest element count of any one tensor.
    public static let maxElements = Int(Int32.max)

    public let outHeight: Int
    public let outWidth: Int

    public init(
        batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
        kernel: Extent2, stride: Extent2 = Extent2(1), padding: Extent2 = Extent2(0),
        dilation: Extent2 = Extent2(1), groups: Int = 1, offsetGroups: Int = 1,
        hasMask: Bool, hasBias: Bool
    ) throws {
        func check(_ field: String, _ value: Int, min: Int) throws {
            guard value >= min else {
                throw DeformConvError.invalidGeometry(
                    field: field, reason: "must be at least \(min), got \(value)")
            }
            guard value <= Self.maxExtent else {
                throw DeformConvError.invalidGeometry(
                    field: field, reason: "must be at most \(Self.maxExtent), got \(value)")
            }
        }
        try check("batch", batch, min: 1)
        try check("inChannels", inChannels, min: 1)
        try check("height", height, min: 1)
        try check("width", width, min: 1)
        try check("outChannels", outChannels, min: 1)
        try check("kernel.h", kernel.h, min: 1)
        try check("kernel.w", kernel.w, min: 1)
        try check("stride.h", stride.h, min: 1)
        try check("stride.w", stride.w, min: 1)
        try check("padding.h", padding.h, min: 0)
        try check("padding.w", padding.w, min: 0)
        try check("dilation.h", dilation.h, min: 1)
        try check("dilation.w", dilation.w, min: 1)
        try check("groups", groups, min: 1)
        try check("offsetGroups", offsetGroups, min: 1)
        guard inChannels % groups == 0 else {
            throw DeformConvError.invalidGeometry(
                field: "inChannels", reason: "(\(inChannels)) must be divisible by groups (\(groups))")
        }
        guard outChannels % groups == 0 else {
            throw DeformConvError.invalidGeometry(
                field: "outChannels", reason: "(\(outChannels)) must be divisible by groups (\(groups))")
        }
        guard inChannels % offsetGroups == 0 else {
            throw DeformConvError.invalidGeometry(
                field: "inChannels",
                reason: "(\(inChannels)) must be divisible by offsetGroups (\(offsetGroups))")
        }
        // out = floor((in + 2·pad − dilation·(k − 1) − 1) / stride) + 1; every term ≤ 2^25 here.
        func outExtent(_ axis: String, _ size: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int) throws -> Int {
            let span = size + 2 * p - d * (k - 1) - 1
            guard span >= 0 else {
                throw DeformConvError.invalidGeometry(
                    field: "kernel.\(axis)",
                    reason:
                        "extent \(d * (k - 1) + 1) (dilation \(d)) exceeds the padded input \(size + 2 * p): the output would be empty"
                )
            }
            return span / s + 1
        }
        let outHeight = try outExtent("h", height, kernel.h, stride.h, padding.h, dilation.h)
        let outWidth = try outExtent("w", width, kernel.w, stride.w, padding.w, dilation.w)
        // Sampling coordinates o·s − p + i·d must stay exact in Float too.
        // The output's extent comes from the input, padding, kernel, stride and dilation together:
        // the message names them all, with the values, rather than blame one.
        for (axis, out, last, p, s, d) in [
            ("h", outHeight, (outHeight - 1) * stride.h + (kernel.h - 1) * dilation.h, padding.h, stride.h, dilation.h),
            ("w", outWidth, (outWidth - 1) * stride.w + (kernel.w - 1) * dilation.w, padding.w, stride.w, dilation.w),
        ]
        where last > Self.maxExtent {
            throw DeformConvError.invalidGeometry(
                field: "padding.\(axis)/stride.\(axis)/dilation.\(axis)",
                reason:
                    "(\(p)/\(s)/\(d)) give \(out) outputs whose sampling coordinates reach \(last), past \(Self.maxExtent) (the integers float32 holds exactly): make them smaller"
            )
        }

        self.batch = batch
        self.inChannels = inChannels
        self.height = height
        self.width = width
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.offsetGroups = offsetGroups
        self.hasMask = hasMask
        self.hasBias = hasBias
        self.outHeight = outHeight
        self.outWidth = outWidth

        for (name, shape) in tensorShapes {
            guard let count = Self.elementCount(shape), count <= Self.maxElements else {
                throw DeformConvError.invalidGeometry(
                    field: name, reason: "tensor of shape \(shape) exceeds \(Self.maxElements) elements")
            }
        }
    }

    /// Product of the extents, or nil if it overflows `Int`.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            count = product
        }
        return count
    }

    public var description: String {
        "N\(batch) C\(inChannels) \(height)x\(width) -> K\(outChannels) k\(kernel) s\(stride) p\(padding) d\(dilation) g\(groups) og\(offsetGroups)\(hasMask ? " mask" : "")\(hasBias ? " bias" : "")"
    }
}
