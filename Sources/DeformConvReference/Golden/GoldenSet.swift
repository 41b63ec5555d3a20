import DeformConv
import Foundation

/// A directory of reference vectors in the deform-conv-golden format (see docs/golden-format.md):
/// `index.json` listing cases, each a folder with `manifest.json` and raw little-endian fp32
/// tensors. Reading checks everything a hand-edited or truncated file could get wrong and
/// reports it with the file's path.
public struct GoldenSet: Sendable {
    public static let supportedFormatVersion = 1

    public let directory: URL
    public let torch: String?
    public let torchvision: String?
    public let cases: [GoldenCase]

    public init(directory: URL) throws {
        self.directory = directory
        let indexURL = directory.appendingPathComponent("index.json")
        let index: Index = try GoldenError.decode(Index.self, from: indexURL)
        guard index.format_version == Self.supportedFormatVersion else {
            throw GoldenError.malformed(
                path: indexURL.path,
                reason:
                    "format_version \(index.format_version) is not supported (expected \(Self.supportedFormatVersion))")
        }
        torch = index.torch
        torchvision = index.torchvision
        // A set that checks nothing must not pass as checked; a case listed twice is a mistake.
        guard !index.cases.isEmpty else {
            throw GoldenError.malformed(path: indexURL.path, reason: "lists no cases")
        }
        var names = Set<String>(), manifests = Set<String>()
        for entry in index.cases {
            guard names.insert(entry.name).inserted, manifests.insert(entry.manifest).inserted else {
                throw GoldenError.malformed(
                    path: indexURL.path, reason: "lists case '\(entry.name)' (\(entry.manifest)) twice")
            }
        }
        cases = try index.cases.map { entry in
            let manifestURL = try GoldenError.child(entry.manifest, of: directory, in: indexURL)
            return try GoldenCase(name: entry.name, manifestURL: manifestURL)
        }
    }

    private struct Index: Decodable {
        let format_version: Int
        let torch: String?
        let torchvision: String?
        let cases: [Entry]
        struct Entry: Decodable {
            let name: String
            let manifest: String
        }
    }
}

/// One case of a ``GoldenSet``: its geometry and tensors.
public struct GoldenCase: Sendable {
    public let name: String
    public let kind: String
    public let summary: String
    public let geometry: DeformConvGeometry
    /// torchvision's own fp32 deviation from the stored float64 results, per tensor, if recorded.
    public let torchvisionFP32MaxAbsDiff: [String: Double]
    private let manifestURL: URL
    private let tensors: [String: Manifest.TensorEntry]

    init(name: String, manifestURL: URL) throws {
        let m = try GoldenError.decode(Manifest.self, from: manifestURL)
        let path = manifestURL.path
        guard m.format_version == GoldenSet.supportedFormatVersion else {
            throw GoldenError.malformed(path: path, reason: "format_version \(m.format_version) is not supported")
        }
        func pair(_ field: String, _ values: [Int]) throws -> Extent2 {
            guard values.count == 2 else {
                throw GoldenError.malformed(path: path, reason: "\(field) must have 2 entries, got \(values.count)")
            }
            return Extent2(values[0], values[1])
        }
        let geometry: DeformConvGeometry
        do {
            geometry = try DeformConvGeometry(
                batch: m.N, inChannels: m.C_in, height: m.H, width: m.W, outChannels: m.C_out,
                kernel: pair("kernel", m.kernel), stride: pair("stride", m.stride),
                padding: pair("padding", m.padding), dilation: pair("dilation", m.dilation),
                groups: m.groups, offsetGroups: m.offset_groups, hasMask: m.has_mask, hasBias: m.has_bias)
        } catch let error as DeformConvError {
            throw GoldenError.malformed(path: path, reason: error.description)
        }
        guard geometry.outHeight == m.H_out, geometry.outWidth == m.W_out else {
            throw GoldenError.malformed(
                path: path,
                reason:
                    "H_out x W_out = \(m.H_out)x\(m.W_out) disagrees with the geometry's \(geometry.outHeight)x\(geometry.outWidth)"
            )
        }
        for (tensor, shape) in geometry.tensorShapes {
            guard let entry = m.tensors[tensor] else {
                throw GoldenError.malformed(path: path, reason: "tensor '\(tensor)' is missing")
            }
            guard entry.shape == shape else {
                throw GoldenError.malformed(
                    path: path, reason: "tensor '\(tensor)' has shape \(entry.shape), the geometry needs \(shape)")
            }
        }
        for (tensor, entry) in m.tensors {
            guard entry.dtype == "float32", entry.byte_order == "little" else {
                throw GoldenError.malformed(
                    path: path,
                    reason: "tensor '\(tensor)' is \(entry.dtype)/\(entry.byte_order); only float32/little is supported"
                )
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }),
                DeformConvGeometry.elementCount(entry.shape) == entry.count
            else {
                throw GoldenError.malformed(
                    path: path,
                    reason: "tensor '\(tensor)' count \(entry.count) is not the product of shape \(entry.shape)")
            }
        }
        self.name = name
        kind = m.kind
        summary = m.description
        self.geometry = geometry
        torchvisionFP32MaxAbsDiff = m.reference?.fp32_torchvision_max_abs_diff ?? [:]
        self.manifestURL = manifestURL
        tensors = m.tensors
    }

    /// Names of the tensors the case stores.
    public var tensorNames: [String] { tensors.keys.sorted() }

    /// Whether the case stores `name`.
    public func has(_ name: String) -> Bool { tensors[name] != nil }

    /// Reads tensor `name`, checking that the file holds exactly its 4·count bytes.
    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = tensors[name] else {
            throw GoldenError.malformed(path: manifestURL.path, reason: "case '\(self.name)' has no tensor '\(name)'")
        }
        let url = try GoldenError.child(entry.file, of: manifestURL.deletingLastPathComponent(), in: manifestURL)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw GoldenError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        guard data.count == entry.count * 4 else {
            throw GoldenError.malformed(
                path: url.path,
                reason: "holds \(data.count) bytes, expected \(entry.count * 4) (\(entry.count) float32)")
        }
        let tensor = try Tensor(shape: entry.shape)
        data.withUnsafeBytes { raw in
            for i in 0..<entry.count {
                let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                tensor.data[i] = Float(bitPattern: bits)
            }
        }
        return tensor
    }

    private struct Manifest: Decodable {
        let format_version: Int
        let kind: String
        let description: String
        let N: Int, C_in: Int, H: Int, W: Int, C_out: Int
        let kernel: [Int], stride: [Int], padding: [Int], dilation: [Int]
        let groups: Int, offset_groups: Int
        let H_out: Int, W_out: Int
        let has_mask: Bool, has_bias: Bool
        let tensors: [String: TensorEntry]
        let reference: Reference?

        struct TensorEntry: Decodable, Sendable {
            let file: String
            let shape: [Int]
            let dtype: String
            let byte_order: String
            let count: Int
        }
        struct Reference: Decodable {
            let fp32_torchvision_max_abs_diff: [String: Double]?
        }
    }
}

/// A golden file that cannot be read or does not follow the format.
public enum GoldenError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "cannot read \(path): \(reason)"
        case let .malformed(path, reason): "malformed golden file \(path): \(reason)"
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw unreadable(path: url.path, reason: error.localizedDescription)
        }
        do { return try JSONDecoder().decode(type, from: data) } catch let error as DecodingError {
            throw malformed(path: url.path, reason: describe(error))
        }
    }

    /// `relative` resolved under `directory`; a name that climbs out of it (`..`, an absolute
    /// path) is rejected, so a manifest cannot make us read arbitrary files.
    static func child(_ relative: String, of directory: URL, in file: URL) throws -> URL {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !relative.isEmpty, !relative.hasPrefix("/"), !parts.contains(".."), !parts.contains("") else {
            throw malformed(
                path: file.path, reason: "path '\(relative)' must be relative and stay inside \(directory.path)")
        }
        return directory.appendingPathComponent(relative)
    }

    private static func describe(_ error: DecodingError) -> String {
        func at(_ path: [CodingKey]) -> String {
            path.isEmpty
                ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, context): return "missing field '\(key.stringValue)' at \(at(context.codingPath))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "wrong type at \(at(context.codingPath)): \(context.debugDescription)"
        case let .dataCorrupted(context):
            return "invalid JSON at \(at(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
