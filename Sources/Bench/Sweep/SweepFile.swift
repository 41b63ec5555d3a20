import DeformConv
import Foundation
import Topology

/// Reads a sweep from a JSON file (format in sweeps/README.md, example sweeps/example.json).
///
/// Errors name the file and the place: line and column for invalid JSON, the field path
/// (`blocks[0].threads[1]`) for a bad value or an unknown key, so a typo is never ignored.
public enum SweepFile {
    static let axisKeys: Set<String> = [
        "variants", "versions", "batch", "shapes", "channels", "hw", "kernel", "stride", "padding",
        "dilation", "groups", "offset_groups", "threads", "placement", "layout", "weights",
        "direction",
    ]

    public static func load(_ path: String, cores: Int) throws -> Sweep {
        try parse(try InputFile.read(path, what: "sweep file"), source: path, cores: cores)
    }

    public static func parse(_ data: Data, source: String, cores: Int) throws -> Sweep {
        let json = try JSONDocument.parse(data, source: "sweep file \(source)")
        func fail(_ path: String, _ reason: String) -> BenchError {
            BenchError("sweep file \(source): \(path): \(reason)")
        }
        guard let top = json as? [String: Any] else { throw fail("top level", "expected an object") }
        if let unknown = Set(top.keys).subtracting(["name", "blocks"]).sorted().first {
            throw fail(unknown, "unknown key (expected name, blocks)")
        }
        guard let name = top["name"] as? String, !name.isEmpty else {
            throw fail("name", "expected a non-empty string")
        }
        // The name goes into the default file name (results/<host>-<date>-<name>.csv): no paths.
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }),
            !name.hasPrefix(".")
        else {
            throw fail("name", "'\(name)': only letters, digits, '.', '_' and '-' (it names the results file)")
        }
        guard let blocks = top["blocks"] as? [Any], !blocks.isEmpty else {
            throw fail("blocks", "expected a non-empty array")
        }

        let parsed = try blocks.enumerated().map { index, value -> SweepAxes in
            let at = "blocks[\(index)]"
            guard let block = value as? [String: Any] else { throw fail(at, "expected an object") }
            if let unknown = Set(block.keys).subtracting(axisKeys).sorted().first {
                throw fail(
                    "\(at).\(unknown)", "unknown key (expected one of \(axisKeys.sorted().joined(separator: ", ")))")
            }
            func list<T>(_ key: String, _ convert: (Any) -> T?, _ expected: String) throws -> [T]? {
                guard let raw = block[key] else { return nil }
                guard let items = raw as? [Any], !items.isEmpty else {
                    throw fail("\(at).\(key)", "expected a non-empty array")
                }
                return try items.enumerated().map { i, item in
                    guard let value = convert(item) else {
                        throw fail("\(at).\(key)[\(i)]", "expected \(expected), got \(JSONDocument.describe(item))")
                    }
                    return value
                }
            }
            func ints(_ key: String, min: Int = 1) throws -> [Int]? {
                try list(key, { JSONDocument.integer($0).flatMap { $0 >= min ? $0 : nil } }, "an integer ≥ \(min)")
            }
            let variants = try list(
                "variants", { ($0 as? String).flatMap { try? KernelVariant(named: $0) } },
                "one of \(KernelVariant.allCases.map(\.rawValue).joined(separator: ", "))")
            guard let variants else { throw fail("\(at).variants", "missing") }
            var shapes: [Shape] =
                try list(
                    "shapes",
                    { item in
                        guard let s = item as? [String: Any],
                            Set(s.keys) == ["in_channels", "out_channels", "height", "width"],
                            let ci = s["in_channels"].flatMap(JSONDocument.integer),
                            let co = s["out_channels"].flatMap(JSONDocument.integer),
                            let h = s["height"].flatMap(JSONDocument.integer),
                            let w = s["width"].flatMap(JSONDocument.integer),
                            ci > 0, co > 0, h > 0, w > 0
                        else { return nil }
                        return Shape(inChannels: ci, outChannels: co, height: h, width: w)
                    }, "{in_channels, out_channels, height, width} with positive integers") ?? []
            let channels = try ints("channels"), sizes = try ints("hw")
            if channels != nil || sizes != nil {
                guard shapes.isEmpty else { throw fail(at, "give either shapes or channels and hw, not both") }
                guard let channels, let sizes else { throw fail(at, "channels and hw go together") }
                shapes = sizes.flatMap { s in channels.map { Shape(channels: $0, size: s) } }
            }
            guard !shapes.isEmpty else { throw fail(at, "missing shapes (or channels and hw)") }
            var axes = SweepAxes(
                variants: variants, shapes: shapes, threads: try ints("threads") ?? Array(1...max(cores, 1)))
            if let v = try list("versions", { ($0 as? String).flatMap(DCNVersion.init(rawValue:)) }, "v1 or v2") {
                axes.versions = v
            }
            if let v = try ints("batch") { axes.batch = v }
            if let v = try list(
                "kernel", { ($0 as? String).flatMap { try? parseExtent($0) } }, "a kernel like \"3\" or \"3x2\"")
            {
                axes.kernels = v
            }
            if let v = try ints("stride") { axes.strides = v }
            if let v = try ints("padding", min: 0) { axes.paddings = v }
            if let v = try ints("dilation") { axes.dilations = v }
            if let v = try ints("groups") { axes.groups = v }
            if let v = try ints("offset_groups") { axes.offsetGroups = v }
            if let v = try list(
                "placement", { ($0 as? String).flatMap { try? Placement(parsing: $0) } },
                "close, spread, none or pus:LIST")
            {
                axes.placements = v
            }
            if let v = try list("layout", { ($0 as? String).flatMap(TensorLayout.init(rawValue:)) }, "nchw or nhwc") {
                axes.layouts = v
            }
            if let v = try list("weights", { ($0 as? String).flatMap(WeightsMode.init(rawValue:)) }, "call or prepared")
            {
                axes.weights = v
            }
            if let v = try list(
                "direction", { ($0 as? String).flatMap(Direction.init(rawValue:)) }, "fwd, bwd or fwd+bwd")
            {
                axes.directions = v
            }
            return axes
        }
        return Sweep(name: name, blocks: parsed)
    }
}

/// "3" → 3x3, "3x2" → kh 3, kw 2.
public func parseExtent(_ text: String) throws -> Extent2 {
    let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
    switch parts.count {
    case 1: if let k = parts[0], k > 0 { return Extent2(k) }
    case 2: if let h = parts[0], let w = parts[1], h > 0, w > 0 { return Extent2(h, w) }
    default: break
    }
    throw BenchError("'\(text)' is not a kernel size (expected e.g. 3 or 3x2)")
}
