/// Everything that can be wrong with a deformable-convolution request, each case naming the bad
/// field or tensor and why, so that a harness can print it to a user as it is.
public enum DeformConvError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A geometry field is out of range or inconsistent with another field.
    case invalidGeometry(field: String, reason: String)
    /// A tensor's shape does not match what the geometry requires.
    case shapeMismatch(tensor: String, expected: [Int], actual: [Int])
    /// A tensor the geometry requires (mask with `hasMask`, bias with `hasBias`) was not given,
    /// or one it excludes was given.
    case tensorPresence(tensor: String, reason: String)
    /// A tensor shape that cannot be allocated (negative extent or an element count past the limit).
    case invalidTensorShape(shape: [Int], reason: String)
    /// A kernel-variant name that is not registered.
    case unknownVariant(name: String, valid: [String])
    /// A forward option out of range.
    case invalidOption(name: String, reason: String)
    /// A request this operator cannot serve (a variant or layout without a backward pass), and why.
    case unsupported(operation: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidGeometry(field, reason):
            return "invalid geometry: \(field) \(reason)"
        case let .shapeMismatch(tensor, expected, actual):
            return "tensor '\(tensor)' has shape \(actual), expected \(expected)"
        case let .tensorPresence(tensor, reason):
            return "tensor '\(tensor)' \(reason)"
        case let .invalidTensorShape(shape, reason):
            return "invalid tensor shape \(shape): \(reason)"
        case let .unknownVariant(name, valid):
            return "unknown kernel variant '\(name)'; valid variants: \(valid.joined(separator: ", "))"
        case let .invalidOption(name, reason):
            return "invalid option \(name): \(reason)"
        case let .unsupported(operation, reason):
            return "\(operation) is not supported: \(reason)"
        }
    }
}
