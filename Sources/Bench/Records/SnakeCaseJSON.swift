import Foundation

/// The JSON dcnbench writes for tools (`list --json`, `report --json`, `history --json`, the
/// dashboard's series): snake_case keys, the results file's spelling, with acronyms kept whole.
public enum SnakeCaseJSON {
    /// Pretty (or one line), keys sorted.
    public static func encode(_ value: some Encodable, pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        encoder.keyEncodingStrategy = .custom { path in Key(path.last!.stringValue) }
        return try encoder.encode(value)
    }

    /// A Swift name in snake case with an acronym kept whole ("allowedCPUs" → "allowed_cpus",
    /// where Foundation's conversion gives "allowed_cp_us").
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) {
            var out = ""
            var previous: Character?
            for c in name {
                if c.isUppercase, let p = previous, p.isLowercase || p.isNumber { out.append("_") }
                out.append(Character(c.lowercased()))
                previous = c
            }
            stringValue = out
        }
        init?(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { nil }
    }
}
