import Foundation

/// Everything that can go wrong placing threads, each with what to do about it.
public enum TopologyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// hwloc at run time is a different major API than the headers we were built with.
    case apiMismatch(compiled: UInt32, runtime: UInt32)
    /// hwloc could not build the topology.
    case loadFailed(step: String, reason: String)
    /// A binding policy asked for more threads than there are places for them.
    case tooManyThreads(threads: Int, available: Int, unit: String, policy: String)
    /// An explicit PU list names PUs outside the process's allowed set.
    case notAllowed(pus: [Int], allowed: String)
    /// An explicit PU list whose length differs from the thread count.
    case listLength(pus: Int, threads: Int)
    /// hwloc refused to bind a thread.
    case bindFailed(worker: Int, cpuset: String, reason: String)
    /// A thread count below 1, or a PU list that does not parse.
    case invalidArgument(name: String, reason: String)
    /// A thread could not be started.
    case threadStart(worker: Int, reason: String)

    public var description: String {
        switch self {
        case let .apiMismatch(compiled, runtime):
            return String(
                format:
                    "hwloc API mismatch: built against 0x%05x, running with 0x%05x; rebuild against the installed hwloc",
                compiled, runtime)
        case let .loadFailed(step, reason):
            return "hwloc could not load the topology (\(step)): \(reason)"
        case let .tooManyThreads(threads, available, unit, policy):
            return
                "\(threads) threads under placement '\(policy)' but only \(available) allowed \(unit)\(available == 1 ? "" : "s"); use fewer threads, or placement 'none' to run unbound"
        case let .notAllowed(pus, allowed):
            return
                "PU\(pus.count == 1 ? "" : "s") \(pus.map(String.init).joined(separator: ",")) not in the allowed set \(allowed)"
        case let .listLength(pus, threads):
            return
                "the PU list names \(pus) PU\(pus == 1 ? "" : "s") for \(threads) thread\(threads == 1 ? "" : "s"); give one PU per thread"
        case let .bindFailed(worker, cpuset, reason):
            return "hwloc could not bind worker \(worker) to \(cpuset): \(reason)"
        case let .invalidArgument(name, reason):
            return "invalid \(name): \(reason)"
        case let .threadStart(worker, reason):
            return "could not start worker thread \(worker): \(reason)"
        }
    }
}

/// The text of errno `code`.
func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code)) + " (errno \(code))"
}
