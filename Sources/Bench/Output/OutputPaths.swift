import Foundation

/// The files of one sweep: `X.csv` (one row per point), `X-samples.csv` (every sample),
/// `X-context.json` (where and how it ran).
public struct OutputPaths: Equatable, Sendable {
    public var results: String
    public var samples: String
    public var context: String

    public init(results: String) {
        self.results = results
        let stem = results.hasSuffix(".csv") ? String(results.dropLast(4)) : results
        samples = stem + "-samples.csv"
        context = stem + "-context.json"
    }

    /// The files of `path`, which must name a regular `.csv` file: any other name would put the
    /// sidecars beside a file of another kind (`/dev/null-samples.csv`) or share them between
    /// two names (`r` and `r.csv` both have `r-samples.csv`).
    public init(checking path: String, option: String) throws {
        guard path.hasSuffix(".csv"), !path.hasSuffix("/.csv"), URL(fileURLWithPath: path).lastPathComponent != ".csv"
        else {
            throw BenchError(
                "\(option) \(path): results files are named NAME.csv (their samples and context go beside them)")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            let type = (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) ?? nil
            guard !isDirectory.boolValue, type == .typeRegular else {
                throw BenchError("\(option) \(path): not a regular file")
            }
        }
        self.init(results: path)
    }

    /// Makes a file that a kill or an editor left without a final newline safe to append to:
    /// a last record that is complete (as many fields as the header) gets its newline, a partial
    /// one (cut mid-write) is dropped, since appending to it would glue two records.
    static func repairLastLine(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let last = data.last, last != UInt8(ascii: "\n")
        else { return }
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.first, let tail = lines.last, lines.count >= 2 else { return }
        let complete =
            (try? CSVTable.parse(String(header) + "\n" + String(tail) + "\n", source: path))
            .map { $0.records.count == 1 } ?? false
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        if complete {
            handle.seekToEndOfFile()
            try handle.write(contentsOf: Data("\n".utf8))
        } else {
            try handle.truncate(atOffset: UInt64(data.count - tail.utf8.count))
        }
    }

    /// Drops a last line without its newline: every record is written whole with its newline,
    /// so such a line was cut mid-write, and a sample cut inside its last field would still
    /// parse, with a wrong value.
    static func dropUnterminatedLine(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let last = data.last, last != UInt8(ascii: "\n")
        else { return }
        let keep = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: UInt64(keep))
    }

    /// `results/<host>-<UTC date and time>-<sweep>.csv`.
    public static func defaultPath(sweep: String, date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "results/\(RunContext.hostName)-\(formatter.string(from: date))-\(sweep).csv"
    }
}
