import CSV
import Foundation

/// RFC 4180 files through CSV.swift: a header row, then one line per record, appended and
/// flushed record by record so an interrupted run keeps every finished row.
public final class CSVAppender {
    public let path: String
    public let header: [String]
    private let handle: FileHandle

    /// Opens `path` for appending. A new (or empty) file gets the header; an existing one must
    /// already have exactly this header.
    public init(path: String, header: [String]) throws {
        self.path = path
        self.header = header
        let fm = FileManager.default
        // A results or samples file is never a link (it could point at another run's file) nor
        // a device: refused here, where it is opened for writing.
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
            throw BenchError(
                "\(path) is a symbolic link or not a regular file; a sweep writes regular files only: remove it, or choose another --out"
            )
        }
        let existing = fm.fileExists(atPath: path) ? (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data() : nil
        if let existing, !existing.isEmpty {
            let table = try CSVTable.read(path)
            guard table.header == header else {
                throw BenchError(
                    "\(path): its columns differ from this version's (\(table.header.count) vs \(header.count)); write to a new file"
                )
            }
        } else if existing == nil {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard (try? fm.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil,
                fm.createFile(atPath: path, contents: nil)
            else {
                throw BenchError("cannot create \(path): \(String(cString: strerror(errno)))")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw BenchError("cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        self.handle = handle
        handle.seekToEndOfFile()
        if existing?.isEmpty ?? true { try append(header) }
    }

    deinit { try? handle.close() }

    /// Writes one record and hands it to the OS at once.
    public func append(_ fields: [String]) throws {
        precondition(fields.count == header.count, "record of \(fields.count) fields for \(header.count) columns")
        do { try handle.write(contentsOf: Data((try CSVTable.line(fields) + "\n").utf8)) } catch {
            throw BenchError("cannot write to \(path): \(error.localizedDescription)")
        }
    }
}

/// A CSV file read whole: header and records as column → value maps.
public struct CSVTable {
    public var header: [String]
    public var records: [[String: String]]

    /// One record as CSV text (quoted where RFC 4180 needs it), without the line break.
    /// A whole file: the header and the records, each line ended.
    public static func document(_ header: [String], _ records: [[String]]) throws -> Data {
        let lines = try ([header] + records).map { try line($0) }
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    static func line(_ fields: [String]) throws -> String {
        let stream = OutputStream(toMemory: ())
        stream.open()
        let writer = try CSVWriter(stream: stream)
        try writer.write(row: fields)
        stream.close()
        let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    public static func read(_ path: String, what: String = "CSV file") throws -> CSVTable {
        let data = try InputFile.read(path, what: what)
        guard let text = String(data: data, encoding: .utf8) else {
            throw BenchError("\(path): not UTF-8 text; give a \(what)")
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) throws -> CSVTable {
        let reader: CSVReader
        do { reader = try CSVReader(string: text, hasHeaderRow: true) } catch {
            throw BenchError("\(source): not CSV: \(error)")
        }
        guard let header = reader.headerRow, !header.isEmpty else { throw BenchError("\(source): no header row") }
        if let repeated = header.first(where: { name in header.filter { $0 == name }.count > 1 }) {
            throw BenchError("\(source): column '\(repeated)' appears twice in the header")
        }
        var records: [[String: String]] = []
        var line = 1
        while let row = reader.next() {
            line += 1
            if row == [""] { continue }  // a trailing blank line
            guard row.count == header.count else {
                throw BenchError("\(source): record \(line) has \(row.count) fields, the header \(header.count)")
            }
            records.append(Dictionary(uniqueKeysWithValues: zip(header, row)))
        }
        if let error = reader.error { throw BenchError("\(source): malformed CSV after record \(line): \(error)") }
        return CSVTable(header: header, records: records)
    }
}
