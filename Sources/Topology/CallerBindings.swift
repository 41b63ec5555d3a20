import CHwloc
import Foundation
import Synchronization

/// The threads that pools have bound as their worker 0, and the binding each had before.
///
/// Several pools may bind one thread at once (a harness that prepares many points), and they
/// need not shut down in reverse order; so the original binding is kept per thread with a
/// count of the pools holding it, and given back when the last of them lets go.
enum CallerBindings {
    struct Entry {
        var original: CPUSet?
        var pools: Int
    }

    private static let registry = Mutex<[UInt: Entry]>([:])

    /// Binds the calling thread to `set` for one more pool.
    static func bind(_ set: CPUSet, topology: MachineTopology) throws {
        let thread = UInt(pthread_self())
        let current = newBitmap()
        defer { hwloc_bitmap_free(current) }
        let original =
            hwloc_get_cpubind(topology.handle, current, dcn_hwloc_cpubind_thread()) == 0
            ? CPUSet(copying: current) : nil
        guard hwloc_set_cpubind(topology.handle, set.bitmap, dcn_hwloc_cpubind_thread()) == 0 else {
            throw TopologyError.bindFailed(worker: 0, cpuset: set.description, reason: errnoText(errno))
        }
        registry.withLock { entries in
            entries[thread, default: Entry(original: original, pools: 0)].pools += 1
        }
    }

    /// One pool lets go of the calling thread; the last one restores its original binding.
    static func release(topology: MachineTopology) {
        let thread = UInt(pthread_self())
        let restore: CPUSet?? = registry.withLock { entries in
            guard var entry = entries[thread] else { return nil }
            entry.pools -= 1
            if entry.pools > 0 {
                entries[thread] = entry
                return nil
            }
            entries[thread] = nil
            return .some(entry.original)
        }
        if case let .some(.some(original)) = restore {
            hwloc_set_cpubind(topology.handle, original.bitmap, dcn_hwloc_cpubind_thread())
        }
    }
}
