/// The gradients one backward call computes, by name: what a caller asks for, and what a
/// kernel's ``BackwardWork`` shows it computed.
public struct GradientSelection: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let input = GradientSelection(rawValue: 1)
    public static let offset = GradientSelection(rawValue: 2)
    public static let mask = GradientSelection(rawValue: 4)
    public static let weight = GradientSelection(rawValue: 8)
    public static let bias = GradientSelection(rawValue: 16)

    /// Every gradient of torchvision's autograd: input, offset, mask and bias where the geometry
    /// has them, weight.
    public static func all(_ geometry: DeformConvGeometry) -> GradientSelection {
        var all: GradientSelection = [.input, .offset, .weight]
        if geometry.hasMask { all.insert(.mask) }
        if geometry.hasBias { all.insert(.bias) }
        return all
    }

    /// Names as the golden files spell them, `grad_` prefix left off: input, offset, mask, weight, bias.
    public static let named: [(name: String, gradient: GradientSelection)] =
        [("input", .input), ("offset", .offset), ("mask", .mask), ("weight", .weight), ("bias", .bias)]

    public var description: String {
        Self.named.filter { contains($0.gradient) }.map(\.name).joined(separator: ",")
    }
}

/// The gradient tensors a backward call writes: each one present is overwritten with the
/// gradient of sum(output · grad_output) with respect to that forward argument (the shape of the
/// argument); each nil is not computed, nor anything only it needs.
public struct DeformConvGradients {
    public var input: Tensor?
    public var offset: Tensor?
    public var mask: Tensor?
    public var weight: Tensor?
    public var bias: Tensor?

    public init(
        input: Tensor? = nil, offset: Tensor? = nil, mask: Tensor? = nil, weight: Tensor? = nil, bias: Tensor? = nil
    ) {
        self.input = input
        self.offset = offset
        self.mask = mask
        self.weight = weight
        self.bias = bias
    }

    /// Zeroed tensors for `selection` in the shapes of `geometry` (input in `layout`).
    public init(_ selection: GradientSelection, geometry: DeformConvGeometry, layout: TensorLayout = .nchw) throws {
        self.init()
        if selection.contains(.input) { input = try Tensor(shape: geometry.inputShape(layout)) }
        if selection.contains(.offset) { offset = try Tensor(shape: geometry.offsetShape) }
        if selection.contains(.mask) { mask = try Tensor(shape: geometry.maskShape) }
        if selection.contains(.weight) { weight = try Tensor(shape: geometry.weightShape) }
        if selection.contains(.bias) { bias = try Tensor(shape: geometry.biasShape) }
    }

    /// The gradients present.
    public var selection: GradientSelection {
        var s: GradientSelection = []
        if input != nil { s.insert(.input) }
        if offset != nil { s.insert(.offset) }
        if mask != nil { s.insert(.mask) }
        if weight != nil { s.insert(.weight) }
        if bias != nil { s.insert(.bias) }
        return s
    }

    /// The tensor of gradient `name` (see ``GradientSelection/named``).
    public subscript(name: String) -> Tensor? {
        switch name {
        case "input": input
        case "offset": offset
        case "mask": mask
        case "weight": weight
        case "bias": bias
        default: nil
        }
    }
}

/// What the last backward call computed, counted by the kernel as it went: the test that asking
/// for a subset of the gradients pays only for that subset reads these (a count, not a timing).
public struct BackwardWork: Equatable, Sendable {
    /// Multiply-adds of grad_weight: grad_output × the sampled columns.
    public var weightProducts = 0
    /// Multiply-adds of the columns' gradient, weightsᵀ × grad_output, which grad_input,
    /// grad_offset and grad_mask start from.
    public var columnProducts = 0
    /// Samples (channel, tap, pixel) whose gradient was spread to grad_input.
    public var spreadSamples = 0
    /// Samples whose derivatives along y and x were taken for grad_offset.
    public var offsetSamples = 0
    /// Samples whose value was multiplied into grad_mask.
    public var maskSamples = 0
    /// grad_output elements summed into grad_bias.
    public var biasTerms = 0

    public init() {}

    static func + (a: BackwardWork, b: BackwardWork) -> BackwardWork {
        var s = a
        s.weightProducts += b.weightProducts
        s.columnProducts += b.columnProducts
        s.spreadSamples += b.spreadSamples
        s.offsetSamples += b.offsetSamples
        s.maskSamples += b.maskSamples
        s.biasTerms += b.biasTerms
        return s
    }
}
