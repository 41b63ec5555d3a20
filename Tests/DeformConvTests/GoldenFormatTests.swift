import DeformConv
import DeformConvReference
import Foundation
import Testing

@Suite("Malformed golden directories give clear errors")
struct GoldenFormatTests {
    /// A scratch copy of the golden case `v2_bias` as a one-case set, altered by `edit`.
    static func brokenSet(_ edit: (URL) throws -> Void) throws -> String {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("golden-\(UUID().uuidString)")
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: root) }
        try fm.copyItem(
            at: goldenDirectory.appendingPathComponent("v2_bias"), to: root.appendingPathComponent("v2_bias"))
        for file in try fm.contentsOfDirectory(atPath: root.appendingPathComponent("v2_bias").path) {
            try fm.setAttributes(
                [.posixPermissions: 0o644], ofItemAtPath: root.appendingPathComponent("v2_bias/\(file)").path)
        }
        let index = #"{"format_version": 1, "cases": [{"name": "v2_bias", "manifest": "v2_bias/manifest.json"}]}"#
        try index.write(to: root.appendingPathComponent("index.json"), atomically: true, encoding: .utf8)
        try edit(root)
        do {
            let set = try GoldenSet(directory: root)
            for c in set.cases { for name in c.tensorNames { _ = try c.tensor(name) } }
            return "no error"
        } catch {
            return "\(error)".replacingOccurrences(of: root.path, with: "ROOT")
        }
    }

    static func editManifest(_ root: URL, _ change: (inout String) -> Void) throws {
        let url = root.appendingPathComponent("v2_bias/manifest.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        change(&text)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    @Test("an unmodified copy reads without error")
    func control() throws {
        #expect(try Self.brokenSet { _ in } == "no error")
    }

    @Test("an index with no cases, or a case twice, is refused: verify must not pass having checked nothing")
    func emptyOrDuplicateIndex() throws {
        #expect(
            try Self.brokenSet {
                try #"{"format_version": 1, "cases": []}"#.write(
                    to: $0.appendingPathComponent("index.json"), atomically: true, encoding: .utf8)
            } == "malformed golden file ROOT/index.json: lists no cases")
        #expect(
            try Self.brokenSet {
                let twice =
                    #"{"format_version": 1, "cases": [{"name": "v2_bias", "manifest": "v2_bias/manifest.json"}, "#
                    + #"{"name": "v2_bias", "manifest": "v2_bias/manifest.json"}]}"#
                try twice.write(to: $0.appendingPathComponent("index.json"), atomically: true, encoding: .utf8)
            } == "malformed golden file ROOT/index.json: lists case 'v2_bias' (v2_bias/manifest.json) twice")
    }

    @Test("each kind of damage is reported with the file and the reason")
    func damage() throws {
        #expect(
            try Self.brokenSet {
                try "{ not json".write(to: $0.appendingPathComponent("index.json"), atomically: true, encoding: .utf8)
            }.hasPrefix("malformed golden file ROOT/index.json: invalid JSON at the top level"))
        #expect(
            try Self.brokenSet { try FileManager.default.removeItem(at: $0.appendingPathComponent("index.json")) }
                .hasPrefix("cannot read ROOT/index.json:"))
        #expect(
            try Self.brokenSet {
                try Self.editManifest($0) { $0 = $0.replacingOccurrences(of: "\"C_in\"", with: "\"C_inn\"") }
            }
                == "malformed golden file ROOT/v2_bias/manifest.json: missing field 'C_in' at the top level")
        #expect(
            try Self.brokenSet {
                try Self.editManifest($0) {
                    $0 = $0.replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 2")
                }
            }
                == "malformed golden file ROOT/v2_bias/manifest.json: format_version 2 is not supported")
        #expect(
            try Self.brokenSet {
                try Self.editManifest($0) { $0 = $0.replacingOccurrences(of: "\"groups\": 1", with: "\"groups\": 3") }
            }
                == "malformed golden file ROOT/v2_bias/manifest.json: invalid geometry: inChannels (4) must be divisible by groups (3)"
        )
        #expect(
            try Self.brokenSet {
                try Self.editManifest($0) {
                    $0 = $0.replacingOccurrences(of: "\"input.bin\"", with: "\"../../etc/passwd\"")
                }
            }
                == "malformed golden file ROOT/v2_bias/manifest.json: path '../../etc/passwd' must be relative and stay inside ROOT/v2_bias"
        )
        #expect(
            try Self.brokenSet { url in
                let file = url.appendingPathComponent("v2_bias/offset.bin")
                let data = try Data(contentsOf: file)
                try data.prefix(data.count - 3).write(to: file)
            } == "malformed golden file ROOT/v2_bias/offset.bin: holds 2517 bytes, expected 2520 (630 float32)")
        #expect(
            try Self.brokenSet { try FileManager.default.removeItem(at: $0.appendingPathComponent("v2_bias/mask.bin")) }
                .hasPrefix("cannot read ROOT/v2_bias/mask.bin:"))
    }
}
