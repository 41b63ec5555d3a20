import CHwloc

/// What the machine looks like to this process: the value a benchmark's context record carries
/// and `dcnbench topology` prints.
public struct MachineSummary: Codable, Hashable, Sendable, CustomStringConvertible {
    public struct NUMANode: Codable, Hashable, Sendable {
        public var osIndex: Int
        public var memoryBytes: UInt64
        public var cpus: String
    }

    public struct Cache: Codable, Hashable, Sendable {
        /// 1 for L1, 2 for L2 …
        public var level: Int
        /// "data", "instruction" or "unified".
        public var kind: String
        public var sizeBytes: UInt64
        public var lineBytes: Int
        /// Ways; 0 unknown, -1 fully associative.
        public var associativity: Int
        /// Instances of this cache on the allowed part of the machine.
        public var instances: Int
        /// PUs sharing one instance.
        public var pusPerInstance: Int
    }

    public var cpuModel: String
    public var hwlocAPIVersion: String
    public var packages: Int
    public var numaNodes: [NUMANode]
    public var cores: Int
    public var pus: Int
    public var caches: [Cache]
    /// The PUs this process may use, in hwloc's list syntax.
    public var allowedCPUs: String

    public init(_ topology: MachineTopology) {
        cpuModel = topology.cpuModel
        hwlocAPIVersion = topology.hwlocAPIVersion
        packages = max(topology.objects(HWLOC_OBJ_PACKAGE).count, 1)
        numaNodes = topology.objects(HWLOC_OBJ_NUMANODE).map {
            NUMANode(
                osIndex: Int($0.pointee.os_index),
                memoryBytes: $0.pointee.attr.pointee.numanode.local_memory,
                cpus: CPUSet(copying: $0.pointee.cpuset).description)
        }
        cores = topology.corePUs.count
        pus = topology.pus.count
        let cacheTypes: [hwloc_obj_type_t] = [
            HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE,
            HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
        ]
        caches = cacheTypes.compactMap { type in
            let objects = topology.objects(type)
            guard let first = objects.first else { return nil }
            let attr = first.pointee.attr.pointee.cache
            let kind =
                switch attr.type {
                case HWLOC_OBJ_CACHE_DATA: "data"
                case HWLOC_OBJ_CACHE_INSTRUCTION: "instruction"
                default: "unified"
                }
            return Cache(
                level: Int(attr.depth), kind: kind, sizeBytes: attr.size, lineBytes: Int(attr.linesize),
                associativity: Int(attr.associativity), instances: objects.count,
                pusPerInstance: Int(hwloc_bitmap_weight(first.pointee.cpuset)))
        }
        allowedCPUs = topology.allowedCPUs.description
    }

    /// The data or unified cache of `level`, if hwloc reports one.
    public func cache(level: Int) -> Cache? {
        caches.first { $0.level == level && $0.kind != "instruction" }
    }

    public var description: String {
        func size(_ bytes: UInt64) -> String {
            bytes >= 1 << 30 ? "\(bytes >> 30) GiB" : bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
        }
        var lines = [
            "CPU model:    \(cpuModel)",
            "hwloc API:    \(hwlocAPIVersion)",
            "allowed PUs:  \(allowedCPUs)",
            "packages:     \(packages)",
            "cores:        \(cores)",
            "PUs:          \(pus)\(pus > cores ? " (SMT \(pus / max(cores, 1))-way)" : "")",
        ]
        for node in numaNodes {
            lines.append("NUMA node \(node.osIndex): \(size(node.memoryBytes)), PUs \(node.cpus)")
        }
        for c in caches {
            let ways =
                c.associativity == -1 ? "fully associative" : c.associativity == 0 ? "? ways" : "\(c.associativity)-way"
            lines.append(
                "L\(c.level) \(c.kind): \(size(c.sizeBytes)) x \(c.instances), \(c.lineBytes) B lines, \(ways), shared by \(c.pusPerInstance) PU\(c.pusPerInstance == 1 ? "" : "s")"
            )
        }
        return lines.joined(separator: "\n")
    }
}
