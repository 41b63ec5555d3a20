import CHwloc

/// Where the T threads of a run go.
public enum Placement: Hashable, Sendable, CustomStringConvertible {
    /// Consecutive cores in hwloc's logical order: threads share caches as early as possible.
    case close
    /// `hwloc_distrib` over the machine: threads land on different packages, NUMA nodes and
    /// caches first.
    case spread
    /// No binding: the OS places and moves the threads.
    case none
    /// Thread i on PU `pus[i]` (OS indices, as `taskset` and `/proc/cpuinfo` number them).
    case pus([Int])

    /// Parses `close`, `spread`, `none` or a PU list such as `pus:0,2` or `pus:0-3`.
    public init(parsing text: String) throws {
        switch text {
        case "close": self = .close
        case "spread": self = .spread
        case "none": self = .none
        case _ where text.hasPrefix("pus:"):
            let list = String(text.dropFirst(4))
            let set = try CPUSet(list: list)
            // Thread i is bound to the i-th PU: a list out of order (pus:1,0) or with repeats
            // (pus:0,0) would be silently reordered or shortened, so it is refused.
            var expanded: [Int] = []
            for item in list.split(separator: ",") {
                let ends = item.split(separator: "-").compactMap { Int($0) }
                expanded += ends.count == 2 && ends[0] <= ends[1] ? Array(ends[0]...ends[1]) : ends
            }
            guard expanded == set.indices else {
                throw TopologyError.invalidArgument(
                    name: "placement '\(text)'",
                    reason: "list each PU once, in increasing order (thread i is bound to the i-th PU)")
            }
            self = .pus(set.indices)
        default:
            throw TopologyError.invalidArgument(
                name: "placement '\(text)'", reason: "expected close, spread, none or pus:LIST (e.g. pus:0,2)")
        }
    }

    public var description: String {
        switch self {
        case .close: "close"
        case .spread: "spread"
        case .none: "none"
        case let .pus(list): "pus:" + CPUSet(list).description
        }
    }

    /// Where each of `threads` threads would run, without binding anything: its PU, core,
    /// package and NUMA node (memory it first touches lands there), or nil under `.none`. One
    /// thread per core while they fit, then PUs, as the pools do.
    public func plan(threads: Int, on topology: MachineTopology) throws -> [PULocation?] {
        let smt = threads > topology.corePUs.count
        return try cpuSets(threads: threads, on: topology, smt: smt).map { set in
            set.flatMap { $0.indices.first }.flatMap { topology.location(ofPU: $0) }
        }
    }

    /// The CPU set each of `threads` threads is bound to (one PU each), or nil per thread for
    /// `.none`. Under `close` and `spread` a thread gets a core of its own (its first PU) unless
    /// `smt` is true, when every PU counts.
    public func cpuSets(threads: Int, on topology: MachineTopology, smt: Bool = false) throws -> [CPUSet?] {
        guard threads >= 1 else {
            throw TopologyError.invalidArgument(name: "thread count", reason: "must be at least 1, got \(threads)")
        }
        let allowed = topology.allowedCPUs
        switch self {
        case .none:
            return Array(repeating: nil, count: threads)
        case let .pus(list):
            guard list.count == threads else { throw TopologyError.listLength(pus: list.count, threads: threads) }
            let outside = list.filter { !allowed.contains($0) }
            guard outside.isEmpty else { throw TopologyError.notAllowed(pus: outside, allowed: allowed.description) }
            return list.map { CPUSet([$0]) }
        case .close:
            // With SMT, every core's first PU before any core's second: one thread per core
            // while they fit, then siblings (PUs in logical order would pair threads on core 0).
            let cores = topology.corePUs
            let places =
                smt
                ? (0..<(cores.map(\.count).max() ?? 0)).flatMap { k in cores.compactMap { k < $0.count ? [$0[k]] : nil }
                }
                : cores
            guard threads <= places.count else {
                throw TopologyError.tooManyThreads(
                    threads: threads, available: places.count, unit: smt ? "PU" : "core", policy: "close")
            }
            return places.prefix(threads).map { CPUSet([$0[0]]) }
        case .spread:
            let placeType = smt ? HWLOC_OBJ_PU : HWLOC_OBJ_CORE
            let available = smt ? topology.pus.count : topology.corePUs.count
            guard threads <= available else {
                throw TopologyError.tooManyThreads(
                    threads: threads, available: available, unit: smt ? "PU" : "core", policy: "spread")
            }
            var root: hwloc_obj_t? = hwloc_get_root_obj(topology.handle)
            var sets: [hwloc_cpuset_t?] = (0..<threads).map { _ in newBitmap() }
            defer { sets.forEach { hwloc_bitmap_free($0) } }
            let status = sets.withUnsafeMutableBufferPointer { buffer in
                // Descend no deeper than cores (or PUs with SMT), so no two threads share a core.
                hwloc_distrib(
                    topology.handle, &root, 1, buffer.baseAddress, UInt32(threads),
                    hwloc_get_type_depth(topology.handle, placeType), 0)
            }
            guard status == 0 else {
                throw TopologyError.invalidArgument(name: "spread placement", reason: "hwloc_distrib failed")
            }
            // hwloc_distrib hands out whole subtrees; keep one PU of each (its first), as `close` does.
            return sets.map { set in
                hwloc_bitmap_singlify(set)
                return CPUSet(copying: set!)
            }
        }
    }
}
