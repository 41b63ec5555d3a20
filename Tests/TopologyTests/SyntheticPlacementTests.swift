import Testing
import Topology

/// What the placements decide on machines we do not have: hwloc's synthetic topologies of one
/// and two sockets, several NUMA nodes and SMT.
@Suite("Placement plans on synthetic machines")
struct SyntheticPlacementTests {
    /// 2 packages × 2 NUMA nodes × 2 L3 × 4 cores × 2 PUs: 32 cores, 64 PUs.
    static let big = "pack:2 numa:2 l3:2 core:4 pu:2"
    /// One socket, 8 cores with SMT.
    static let smt = "pack:1 core:8 pu:2"
    /// Two sockets of 6 cores, no SMT.
    static let twoSockets = "pack:2 core:6 pu:1"

    func plan(_ machine: String, _ placement: Placement, _ threads: Int) throws -> [PULocation] {
        try Placement.close == placement || placement == .spread
            ? try placement.plan(threads: threads, on: MachineTopology.synthetic(machine)).map { try #require($0) }
            : []
    }

    @Test("the synthetic machines are what they say")
    func machines() throws {
        let big = try MachineTopology.synthetic(Self.big)
        #expect(big.pus.count == 64 && big.corePUs.count == 32 && big.corePUs.allSatisfy { $0.count == 2 })
        #expect(Set(big.pus.compactMap { big.location(ofPU: $0)?.numaNode }).count == 4)
        #expect(Set(big.pus.compactMap { big.location(ofPU: $0)?.package }).count == 2)
        #expect(throws: TopologyError.self) { try MachineTopology.synthetic("pack:two") }
    }

    @Test(
        "close: one thread per core in order, SMT siblings only once every core has one",
        arguments: [big, smt, twoSockets])
    func close(_ machine: String) throws {
        let topology = try MachineTopology.synthetic(machine)
        let cores = topology.corePUs.count, pus = topology.pus.count
        for threads in Set([1, 2, cores / 2, cores, pus]) where threads >= 1 {
            let places = try plan(machine, .close, threads)
            #expect(Set(places.map(\.pu)).count == threads, "\(machine) t\(threads): one PU each")
            let first = places.prefix(min(threads, cores))
            #expect(Set(first.map(\.core)).count == first.count, "\(machine) t\(threads): a core each while they fit")
            if threads <= cores {
                #expect(places.map(\.pu) == topology.corePUs.prefix(threads).map { $0[0] })
            }
        }
    }

    @Test("spread: packages first, then NUMA nodes, each thread on a core of its own")
    func spread() throws {
        #expect(Set(try plan(Self.twoSockets, .spread, 2).map(\.package)) == [0, 1])
        #expect(Set(try plan(Self.big, .spread, 2).map(\.package)) == [0, 1])
        let four = try plan(Self.big, .spread, 4)
        #expect(Set(four.map(\.numaNode)).count == 4, "four threads on four NUMA nodes: \(four)")
        let eight = try plan(Self.big, .spread, 8)
        for node in 0..<4 { #expect(eight.filter { $0.numaNode == node }.count == 2) }
        #expect(Set(eight.map(\.core)).count == 8)
        // Memory follows the threads: each thread's first touch lands on the node of its PU.
        let topology = try MachineTopology.synthetic(Self.big)
        #expect(eight.allSatisfy { topology.location(ofPU: $0.pu)?.numaNode == $0.numaNode })
        // More threads than cores under spread: every PU, one thread each.
        #expect(Set(try plan(Self.smt, .spread, 16).map(\.pu)).count == 16)
    }

    @Test("none binds nothing; too many threads is an error naming the machine's size")
    func limits() throws {
        let topology = try MachineTopology.synthetic(Self.smt)
        #expect(try Placement.none.plan(threads: 3, on: topology).allSatisfy { $0 == nil })
        #expect(throws: TopologyError.self) { try Placement.close.plan(threads: 17, on: topology) }
    }
}
