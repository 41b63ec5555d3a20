import CHwloc
import Foundation

extension PinnedPool {
    /// Memory for the pool's workers: page-aligned, and on a machine with more than one NUMA
    /// node bound to the nodes of the workers' CPUs (`hwloc_alloc_membind`, first-touch within
    /// them), so that `firstTouch` then places each worker's share on its own node. Free with
    /// `deallocate(_:)`.
    public func allocate(bytes: Int) throws -> UnsafeMutableRawBufferPointer {
        guard bytes > 0 else {
            throw TopologyError.invalidArgument(name: "allocation size", reason: "must be positive, got \(bytes)")
        }
        let topology = try MachineTopology.shared()
        if topology.objects(HWLOC_OBJ_NUMANODE).count > 1, bindings.allSatisfy({ $0 != nil }) {
            let cpus = CPUSet(bindings.flatMap { $0!.indices })
            let nodes = newBitmap()
            defer { hwloc_bitmap_free(nodes) }
            hwloc_cpuset_to_nodeset(topology.handle, cpus.bitmap, nodes)
            // Where binding is refused, plain hwloc memory (so `deallocate` frees either with hwloc_free).
            guard
                let memory = hwloc_alloc_membind(
                    topology.handle, bytes, nodes, HWLOC_MEMBIND_FIRSTTOUCH,
                    dcn_hwloc_membind_byNodeset()) ?? hwloc_alloc(topology.handle, bytes)
            else {
                throw TopologyError.invalidArgument(
                    name: "allocation", reason: "hwloc could not allocate \(bytes) bytes")
            }
            return UnsafeMutableRawBufferPointer(start: memory, count: bytes)
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        return UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: max(page, 64))
    }

    /// Frees memory from `allocate(bytes:)`.
    public func deallocate(_ memory: UnsafeMutableRawBufferPointer) {
        guard let base = memory.baseAddress else { return }
        if let topology = try? MachineTopology.shared(), topology.objects(HWLOC_OBJ_NUMANODE).count > 1,
            bindings.allSatisfy({ $0 != nil })
        {
            hwloc_free(topology.handle, base, memory.count)
        } else {
            memory.deallocate()
        }
    }

    /// Each worker writes zeros over its contiguous share of `memory` (worker w: bytes
    /// [count·w/T, count·(w+1)/T)), so the OS places those pages where that worker runs.
    public func firstTouch(_ memory: UnsafeMutableRawBufferPointer) {
        guard let base = memory.baseAddress else { return }
        let pointer = UncheckedRawPointer(base), count = memory.count, workers = threadCount
        run { w in
            let start = count * w / workers, end = count * (w + 1) / workers
            (pointer.raw + start).initializeMemory(as: UInt8.self, repeating: 0, count: end - start)
        }
    }
}

/// A raw pointer the workers of one run write disjoint parts of.
struct UncheckedRawPointer: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
    init(_ raw: UnsafeMutableRawPointer) { self.raw = raw }
}
