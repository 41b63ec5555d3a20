import ArgumentParser
import Bench
import DeformConv
import Topology

/// A comma-separated option value as a typed list: argument-parser runs the parse
/// (`@Option(transform:)`) and names the option in its errors, so every list option of every
/// command is read one way. (An option of array type would mean a repeated option instead.)
struct ValueList<Element> {
    let values: [Element]

    /// `text` split on `separator`, each item trimmed and parsed by `item`; an empty text or an
    /// empty item (`1,,2`) is an error.
    init(_ text: String, separator: Character = ",", _ item: (String) throws -> Element) throws {
        guard !text.isEmpty else { throw BenchError("needs at least one value") }
        values = try text.split(separator: separator, omittingEmptySubsequences: false).map {
            try item(String($0).trimmingCharacters(in: .whitespaces))
        }
    }
}

extension ValueList where Element == Int {
    static func integers(_ text: String) throws -> ValueList {
        try ValueList(text) {
            guard let value = Int($0) else { throw BenchError("'\($0)' is not an integer") }
            return value
        }
    }
}

extension ValueList where Element == Placement {
    /// Placements may themselves hold commas (pus:0,1): then they are separated by ';'.
    static func placements(_ text: String) throws -> ValueList {
        try ValueList(text, separator: text.contains(";") || text.contains("pus:") ? ";" : ",") {
            try Placement(parsing: $0)
        }
    }
}

extension ValueList where Element: RawRepresentable, Element.RawValue == String, Element: CaseIterable {
    /// Names of a string enum, e.g. `v1,v2`.
    static func named(_ text: String) throws -> ValueList {
        try ValueList(text) { name in
            guard let value = Element(rawValue: name) else {
                throw BenchError("'\(name)' is not one of \(Element.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
    }
}
