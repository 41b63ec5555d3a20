import Foundation

/// An exclusive advisory lock (flock) on a file, created if missing, held until released.
final class FileLock {
    private let descriptor: Int32

    init(_ path: String) throws {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw BenchError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw BenchError("\(path) is being written by another dcnbench run; wait for it, or choose another --out")
        }
    }

    deinit { close(descriptor) }
}
