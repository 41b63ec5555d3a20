import Foundation

/// A JSON file written or edited by hand (a sweep file, a thresholds file, a context) read with
/// the errors such a file needs. Foundation's parser alone reports a nesting of 100000 levels as
/// a syntax error at some column, keeps the last of two equal keys without a word, and hands
/// `true` over as the number 1.
enum JSONDocument {
    /// Deeper than any file dcnbench reads (a sweep file nests 4 levels).
    static let maxDepth = 32

    /// The parsed value of `data`; errors name `source` and the place: the line and column of a
    /// syntax error, the key given twice, the depth.
    static func parse(_ data: Data, source: String) throws -> Any {
        if depth(of: data) > maxDepth {
            throw BenchError("\(source): nested more than \(maxDepth) levels deep; this is not a dcnbench file")
        }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch {
            throw BenchError("\(source): invalid JSON\(location(of: error, in: data))")
        }
        if let key = duplicateKey(in: data) {
            throw BenchError("\(source): \(key): given twice in one object (one of the values would be ignored)")
        }
        return json
    }

    /// A value as it was written, for messages: `true`, `"8"`, `8`.
    static func describe(_ value: Any) -> String {
        if let n = value as? NSNumber, type(of: n) == booleanType { return n.boolValue ? "true" : "false" }
        if let s = value as? String { return "\"\(s)\"" }
        if value is NSNull { return "null" }
        if value is [Any] { return "an array" }
        if value is [String: Any] { return "an object" }
        return "\(value)"
    }

    /// The class of JSON's `true` and `false` (`__NSCFBoolean`), apart from other numbers'.
    private static let booleanType: AnyClass = type(of: NSNumber(value: true))

    /// A JSON integer (an integral number up to 10^9), not a boolean.
    static func integer(_ value: Any) -> Int? {
        guard let n = value as? NSNumber, type(of: n) != booleanType else { return nil }
        let d = n.doubleValue
        return d.rounded() == d && abs(d) <= 1e9 ? Int(d) : nil
    }

    /// A JSON number, not a boolean.
    static func number(_ value: Any) -> Double? {
        guard let n = value as? NSNumber, type(of: n) != booleanType else { return nil }
        return n.doubleValue
    }

    /// The deepest nesting of objects and arrays (a scan of the tokens, strings skipped).
    static func depth(of data: Data) -> Int {
        var depth = 0, deepest = 0, i = data.startIndex
        while i < data.endIndex {
            switch data[i] {
            case UInt8(ascii: "\""):
                i += 1
                while i < data.endIndex && data[i] != UInt8(ascii: "\"") { i += data[i] == UInt8(ascii: "\\") ? 2 : 1 }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
            i += 1
        }
        return deepest
    }

    /// The first key that appears twice in one object of `data`, valid JSON (a scan of its
    /// tokens: objects, arrays, strings with escapes; keys compared as written).
    static func duplicateKey(in data: Data) -> String? {
        let bytes = [UInt8](data)
        var stack: [(isObject: Bool, keys: Set<String>, expectingKey: Bool)] = []
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                var j = i + 1
                while j < bytes.count && bytes[j] != UInt8(ascii: "\"") { j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1 }
                if let top = stack.last, top.isObject, top.expectingKey {
                    let key = String(decoding: bytes[(i + 1)..<min(j, bytes.count)], as: UTF8.self)
                    if top.keys.contains(key) { return key }
                    stack[stack.count - 1].keys.insert(key)
                    stack[stack.count - 1].expectingKey = false
                }
                i = j
            case UInt8(ascii: "{"): stack.append((true, [], true))
            case UInt8(ascii: "["): stack.append((false, [], false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
            case UInt8(ascii: ","): if stack.last?.isObject == true { stack[stack.count - 1].expectingKey = true }
            default: break
            }
            i += 1
        }
        return nil
    }

    /// " at line L, column C" from Foundation's "around character N", when it says so.
    static func location(of error: Error, in data: Data) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        guard let range = text.range(of: #"character (\d+)"#, options: .regularExpression),
            let offset = Int(text[range].split(separator: " ")[1])
        else { return ": \(text)" }
        let prefix = data.prefix(offset)
        let line = prefix.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let column = offset - (prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return " at line \(line), column \(column)"
    }
}
