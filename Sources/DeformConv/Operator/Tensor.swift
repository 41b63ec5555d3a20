/// A dense float32 tensor in C order (last index fastest) with owned, 64-byte-aligned storage.
///
/// Deliberately minimal: a shape and a buffer. Kernels take its raw pointer; it is a class so
/// that a benchmark can hold large buffers without copies, and `@unchecked Sendable` because
/// parallel kernels write disjoint parts of one output.
public final class Tensor: @unchecked Sendable {
    /// Cache-line alignment, so SIMD rows start on a line and workers do not share lines at the start.
    public static let alignment = 64

    public let shape: [Int]
    public let count: Int
    /// The first element; valid for `count` elements while the tensor lives.
    public let data: UnsafeMutablePointer<Float>
    /// What was allocated (`data` minus the page offset, if one was asked for).
    private let allocation: UnsafeMutableRawPointer

    /// A zero-filled tensor.
    public convenience init(shape: [Int]) throws {
        try self.init(shape: shape, zeroed: true)
    }

    /// A tensor whose elements the caller writes before reading any: a benchmark lets each
    /// pinned worker write (first-touch) the part it will use, so the pages land on its node.
    public static func uninitialized(shape: [Int]) throws -> Tensor {
        try Tensor(shape: shape, zeroed: false)
    }

    /// An uninitialized tensor whose first element lies `pageOffset` bytes past a page (4 KiB)
    /// boundary: a benchmark draws the offset per process, so that a speed that depends on
    /// where buffers land shows as spread between processes rather than as one fixed bias.
    /// `pageOffset` is a multiple of `alignment` below 4096.
    public static func uninitialized(shape: [Int], pageOffset: Int) throws -> Tensor {
        guard pageOffset >= 0, pageOffset < pageSize, pageOffset % alignment == 0 else {
            throw DeformConvError.invalidTensorShape(
                shape: shape, reason: "page offset \(pageOffset) is not a multiple of \(alignment) below \(pageSize)")
        }
        return try Tensor(shape: shape, zeroed: false, pageOffset: pageOffset)
    }

    public static let pageSize = 4096

    private init(shape: [Int], zeroed: Bool, pageOffset: Int? = nil) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw DeformConvError.invalidTensorShape(shape: shape, reason: "negative extent")
        }
        guard let count = DeformConvGeometry.elementCount(shape),
            count <= DeformConvGeometry.maxElements
        else {
            throw DeformConvError.invalidTensorShape(
                shape: shape, reason: "more than \(DeformConvGeometry.maxElements) elements")
        }
        self.shape = shape
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        allocation = UnsafeMutableRawPointer.allocate(
            byteCount: bytes + (pageOffset ?? 0),
            alignment: pageOffset == nil ? Self.alignment : Self.pageSize)
        let raw = allocation + (pageOffset ?? 0)
        data =
            zeroed
            ? raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
            : raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// A tensor holding `values`, whose count must match the shape.
    public convenience init(shape: [Int], values: [Float]) throws {
        try self.init(shape: shape)
        guard values.count == count else {
            throw DeformConvError.invalidTensorShape(
                shape: shape, reason: "\(values.count) values given for \(count) elements")
        }
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { allocation.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: data, count: count)
    }

    public var scalars: [Float] { Array(buffer) }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { data.update(repeating: value, count: count) }
}
