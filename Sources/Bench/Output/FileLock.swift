import Foundation

/// An exclusive advisory lock (flock) on a file, created if missing, held until released.
final class FileLock {
    private var descriptor: Int32
    private let path: String

    /// `createNew`: the file must not exist yet (created and locked in one step); `option`
    /// names what asked, for the errors. Links are never followed.
    init(_ path: String, createNew: Bool = false, option: String = "--out") throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (createNew ? O_EXCL : 0), 0o644)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw BenchError("\(option): \(path) exists; write into a new file") }
            if errno == ELOOP {
                throw BenchError("\(option) \(path) is a symbolic link; give the path of a regular file")
            }
            throw BenchError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw BenchError("\(path) is being written by another dcnbench run; wait for it, or choose another --out")
        }
    }

    deinit { close(descriptor) }

    /// Replaces the file's contents with `data` atomically and without letting the lock go: the
    /// data goes to a new file beside it, locked before it is renamed over the path, so a crash
    /// leaves the old file or the new one whole, and another run sees the new file locked.
    func replace(with data: Data) throws {
        let temporary = path + ".replacing-\(getpid())"
        let fd = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        func fail(_ what: String) -> BenchError {
            let error = BenchError("cannot \(what) \(temporary): \(String(cString: strerror(errno)))")
            close(fd)
            unlink(temporary)
            return error
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw fail("lock") }
        let written = data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        guard written, fsync(fd) == 0 else { throw fail("write") }
        guard rename(temporary, path) == 0 else { throw fail("rename") }
        close(descriptor)
        descriptor = fd
    }
}
