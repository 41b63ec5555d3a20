import CHwloc
import Foundation

/// The hwloc topology of this process's machine, loaded once, restricted to the CPUs the process
/// may use (`taskset`, a container's cpuset), so nothing built on it escapes that set.
///
/// hwloc's topology is safe for concurrent reads; every mutation happens in `load`.
public final class MachineTopology: @unchecked Sendable {
    let handle: hwloc_topology_t

    /// The process-wide topology, loaded on first use.
    public static func shared() throws -> MachineTopology { try sharedResult.get() }
    private static let sharedResult = Result { try MachineTopology() }

    /// A machine described in hwloc's synthetic syntax (`pack:2 numa:2 l3:2 core:4 pu:2`): the
    /// placements' plans for machines we do not have (nothing can be bound on it). At most
    /// `maxSyntheticPUs` PUs: hwloc would spend minutes building a larger one.
    public static func synthetic(_ description: String) throws -> MachineTopology {
        let counts = description.split(separator: " ").map { level in
            level.split(separator: ":").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
        }
        guard counts.allSatisfy({ $0 != nil && $0! >= 1 }) else {
            throw TopologyError.invalidArgument(
                name: "synthetic topology",
                reason:
                    "'\(description)': every level is TYPE:COUNT with a count of 1 or more, e.g. 'pack:2 core:4 pu:2'")
        }
        let pus = counts.reduce(1.0) { $0 * Double($1!) }
        guard pus <= Double(maxSyntheticPUs) else {
            throw TopologyError.invalidArgument(
                name: "synthetic topology",
                reason: "'\(description)' has \(Int(min(pus, 1e18))) PUs; at most \(maxSyntheticPUs)")
        }
        return try MachineTopology(synthetic: description)
    }

    public static let maxSyntheticPUs = 65536

    /// hwloc's own variable for a synthetic machine. hwloc would load it in place of this one
    /// (and ignore it silently when it does not parse); only `dcnbench topology` takes it, and
    /// explicitly, through `synthetic`.
    public static let syntheticVariable = "HWLOC_SYNTHETIC"

    private init(synthetic: String? = nil) throws {
        let compiled = dcn_hwloc_header_api_version()
        let runtime = hwloc_get_api_version()
        // hwloc's ABI is stable within a major API (the 0xff0000 bits).
        guard compiled >> 16 == runtime >> 16 else {
            throw TopologyError.apiMismatch(compiled: compiled, runtime: runtime)
        }
        var topology: hwloc_topology_t?
        guard hwloc_topology_init(&topology) == 0, let topology else {
            throw TopologyError.loadFailed(step: "init", reason: errnoText(errno))
        }
        // From here on deinit destroys the topology, also when a step below throws.
        handle = topology  // from here on deinit destroys it, also when a step below throws
        if synthetic == nil, let leaked = ProcessInfo.processInfo.environment[Self.syntheticVariable] {
            throw TopologyError.invalidArgument(
                name: Self.syntheticVariable,
                reason:
                    "'\(leaked)' is set: it describes another machine, and only `dcnbench topology` plans on one (without --check-pool); unset it to measure, probe or pin on this machine"
            )
        }
        if let synthetic {
            guard hwloc_topology_set_synthetic(topology, synthetic) == 0 else {
                throw TopologyError.invalidArgument(
                    name: "synthetic topology", reason: "hwloc cannot read '\(synthetic)'")
            }
        }
        // Restrict to the process's binding: CPUs outside it are invisible to every policy.
        let flags = synthetic != nil ? 0 : dcn_hwloc_flag_restrict_to_cpubinding() | dcn_hwloc_flag_is_this_system()
        guard hwloc_topology_set_flags(topology, flags) == 0 else {
            throw TopologyError.loadFailed(step: "set_flags", reason: errnoText(errno))
        }
        guard hwloc_topology_load(topology) == 0 else {
            throw TopologyError.loadFailed(step: "load", reason: errnoText(errno))
        }
    }

    deinit { hwloc_topology_destroy(handle) }

    /// PUs this process may run on.
    public var allowedCPUs: CPUSet { CPUSet(copying: hwloc_topology_get_allowed_cpuset(handle)) }

    /// Objects of `type` in logical order.
    func objects(_ type: hwloc_obj_type_t) -> [hwloc_obj_t] {
        let count = hwloc_get_nbobjs_by_type(handle, type)
        guard count > 0 else { return [] }
        return (0..<UInt32(count)).compactMap { hwloc_get_obj_by_type(handle, type, $0) }
    }

    /// Each core's PUs (OS indices), cores in logical order; machines hwloc cannot see cores on
    /// get one "core" per PU.
    public var corePUs: [[Int]] {
        let cores = objects(HWLOC_OBJ_CORE)
        if cores.isEmpty { return objects(HWLOC_OBJ_PU).map { [Int($0.pointee.os_index)] } }
        return cores.map { CPUSet(copying: $0.pointee.cpuset).indices }.filter { !$0.isEmpty }
    }

    /// Where PU `pu` (OS index) sits: its core (logical index), package and NUMA node (OS
    /// indices; nil where hwloc sees none). A thread's first-touched memory lands on its node.
    public func location(ofPU pu: Int) -> PULocation? {
        guard pu >= 0, let object = hwloc_get_pu_obj_by_os_index(handle, UInt32(pu)) else { return nil }
        let core = hwloc_get_ancestor_obj_by_type(handle, HWLOC_OBJ_CORE, object).map { Int($0.pointee.logical_index) }
        let package = hwloc_get_ancestor_obj_by_type(handle, HWLOC_OBJ_PACKAGE, object).map { Int($0.pointee.os_index) }
        let numa = objects(HWLOC_OBJ_NUMANODE).first { CPUSet(copying: $0.pointee.cpuset).contains(pu) }
        return PULocation(pu: pu, core: core ?? pu, package: package, numaNode: numa.map { Int($0.pointee.os_index) })
    }

    /// PUs in logical order (OS indices).
    public var pus: [Int] { objects(HWLOC_OBJ_PU).map { Int($0.pointee.os_index) } }

    /// hwloc's `CPUModel` info of the first package, else /proc/cpuinfo's model name.
    public var cpuModel: String {
        for package in objects(HWLOC_OBJ_PACKAGE) {
            if let value = hwloc_obj_get_info_by_name(package, "CPUModel") { return String(cString: value) }
        }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.map {
            $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        } ?? "unknown"
    }

    /// The hwloc API version at run time (HWLOC_API_VERSION of the library, e.g. 2.8.0 for the
    /// 2.8–2.9 releases; hwloc keeps the API number where the ABI is unchanged).
    public var hwlocAPIVersion: String {
        let v = hwloc_get_api_version()
        return "\(v >> 16).\((v >> 8) & 0xff).\(v & 0xff)"
    }
}

/// A PU's place in the machine (``MachineTopology/location(ofPU:)``).
public struct PULocation: Equatable, Sendable, Codable {
    public var pu: Int
    public var core: Int
    public var package: Int?
    public var numaNode: Int?
}
