import Foundation

/// Where a command writes a file of its own: a report, a comparison's JSON or Markdown, a merge,
/// a sweep's context. Every such path is checked before anything is read or measured and written
/// in one way, so none can be turned against the user's data:
///
/// - it must be absent or a regular file: a symbolic link (which could point at an input), a
///   directory, a FIFO or a device is refused, never followed or replaced;
/// - it must not be one of the inputs or their sidecars, compared by device and inode, so a hard
///   link or another spelling of an input is caught as well as the same name;
/// - it is written to a new file beside it (created exclusively, without following links) and
///   renamed into place, so a reader sees the old file or the new one, whole.
public enum OutputFile {
    /// Throws unless `path` may be written by `option` without touching `inputs` (results CSVs;
    /// their samples and context files are inputs too).
    public static func check(_ path: String, option: String, inputs: [String] = []) throws {
        var status = stat()
        if lstat(path, &status) == 0 {
            let type = status.st_mode & S_IFMT
            if type == S_IFLNK {
                throw BenchError(
                    "\(option) \(path) is a symbolic link; give the path of a regular file (links are not followed)")
            }
            guard type == S_IFREG else {
                let kind =
                    type == S_IFDIR
                    ? "a directory"
                    : type == S_IFIFO
                        ? "a FIFO" : (type == S_IFCHR || type == S_IFBLK) ? "a device" : "not a regular file"
                throw BenchError("\(option) \(path) is \(kind); give the path of a regular file")
            }
            let taken = inputs.flatMap { input -> [String] in
                let p = OutputPaths(results: input)
                return [p.results, p.samples, p.context]
            }
            for input in taken {
                var other = stat()
                if stat(input, &other) == 0, other.st_dev == status.st_dev, other.st_ino == status.st_ino {
                    throw BenchError("\(option) \(path) is the input \(input) (same file); choose another file")
                }
            }
        } else if errno != ENOENT {
            throw BenchError("\(option) \(path): \(String(cString: strerror(errno)))")
        }
        // A new file: its directory must exist (a report does not create folders).
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BenchError("\(option) \(path): the folder \(directory) does not exist; create it first")
        }
        guard access(directory, W_OK) == 0 else {
            throw BenchError("\(option) \(path): the folder \(directory) is not writable")
        }
    }

    /// Checks `path` as `check` does, then writes `data` to a new file beside it and renames it
    /// into place.
    public static func write(_ data: Data, to path: String, option: String, inputs: [String] = []) throws {
        try check(path, option: option, inputs: inputs)
        let temporary = "\(path).writing-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BenchError("cannot create \(temporary) for \(option) \(path): \(String(cString: strerror(errno)))")
        }
        let written = data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        let synced = written && fsync(fd) == 0
        let reason = String(cString: strerror(errno))
        guard close(fd) == 0, synced else {
            unlink(temporary)
            throw BenchError("cannot write \(path) (\(option)): \(reason)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw BenchError("cannot write \(path) (\(option)): \(reason)")
        }
    }
}
