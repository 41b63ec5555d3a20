import Foundation

/// Every file a command reads (results, samples, contexts, sweep and thresholds files, golden
/// sets) is read here, so that a directory, a FIFO, a device or a missing file gets a message
/// that names the file, what it should be and the fix, not Foundation's error codes.
public enum InputFile {
    /// At most this many bytes: larger than any results file, and a bound for a device or a
    /// file that grows while read.
    static let maxBytes = 1 << 32

    /// The bytes of `path`, a regular file (links followed) that `what` names in errors
    /// ("results file", "sweep file").
    public static func read(_ path: String, what: String) throws -> Data {
        try check(path, what: what)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BenchError("cannot read \(what) \(path): \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        do { return try handle.readToEnd() ?? Data() } catch {
            throw BenchError("cannot read \(what) \(path): \(error.localizedDescription)")
        }
    }

    /// Throws unless `path` is a regular file (links followed) of at most `maxBytes`.
    public static func check(_ path: String, what: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw BenchError("cannot read \(what) \(path): \(reason)")
        }
        let type = status.st_mode & S_IFMT
        guard type == S_IFREG else {
            let kind =
                type == S_IFDIR
                ? "a directory"
                : type == S_IFIFO ? "a FIFO" : (type == S_IFCHR || type == S_IFBLK) ? "a device" : "not a regular file"
            throw BenchError("cannot read \(what) \(path): it is \(kind); give the path of a file")
        }
        guard Int(status.st_size) <= maxBytes else {
            throw BenchError("cannot read \(what) \(path): \(status.st_size) bytes, more than any \(what) holds")
        }
    }
}
