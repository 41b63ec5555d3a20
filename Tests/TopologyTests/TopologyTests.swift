import Foundation
import Synchronization
import Testing
import Topology

@Suite("Machine topology")
struct MachineTopologyTests {
    @Test("invariants: PUs ≥ cores ≥ packages ≥ 1, caches have sizes, allowed set non-empty")
    func invariants() throws {
        let topology = try MachineTopology.shared()
        let summary = MachineSummary(topology)
        #expect(summary.packages >= 1)
        #expect(summary.cores >= summary.packages)
        #expect(summary.pus >= summary.cores)
        #expect(!topology.allowedCPUs.isEmpty)
        #expect(topology.allowedCPUs.count == summary.pus, "every PU hwloc lists is allowed (restricted topology)")
        #expect(Set(topology.pus) == Set(topology.allowedCPUs.indices))
        #expect(topology.corePUs.flatMap { $0 }.count == summary.pus, "cores partition the PUs")
        for cache in summary.caches {
            #expect(cache.sizeBytes > 0, "L\(cache.level) \(cache.kind)")
            #expect(cache.instances >= 1 && cache.pusPerInstance >= 1)
            #expect(cache.lineBytes >= 0)
        }
        #expect(summary.caches.map(\.level) == summary.caches.map(\.level).sorted())
        #expect(!summary.cpuModel.isEmpty)
        #expect(summary.description.contains("cores:"))
    }

    @Test("the JSON summary round-trips")
    func codable() throws {
        let summary = MachineSummary(try MachineTopology.shared())
        let decoded = try JSONDecoder().decode(MachineSummary.self, from: JSONEncoder().encode(summary))
        #expect(decoded == summary)
    }
}

@Suite("CPU sets")
struct CPUSetTests {
    @Test("list syntax round trip, membership and copy-on-write")
    func basics() throws {
        let set = try CPUSet(list: "0-3,8")
        #expect(set.indices == [0, 1, 2, 3, 8])
        #expect(set.description == "0-3,8")
        #expect(set.count == 5 && set.contains(8) && !set.contains(4) && !set.contains(-1))
        var copy = set
        copy.insert(5)
        #expect(copy.description == "0-3,5,8")
        #expect(set.description == "0-3,8", "the original is unchanged")
        #expect(CPUSet([2, 0]) == (try CPUSet(list: "0,2")))
        #expect(CPUSet([1]).isSubset(of: set) && !CPUSet([9]).isSubset(of: set))
        #expect(CPUSet().isEmpty && CPUSet().description == "")
    }

    @Test("malformed lists are errors", arguments: ["", "a", "1-", "0-3,x", "-1"])
    func malformed(_ text: String) {
        #expect(throws: TopologyError.self) { try CPUSet(list: text) }
    }
}

@Suite("Placement")
struct PlacementTests {
    @Test("close, spread and explicit PUs give one distinct allowed PU per thread")
    func policies() throws {
        let topology = try MachineTopology.shared()
        let cores = topology.corePUs.count
        for placement in [Placement.close, .spread] {
            for threads in 1...cores {
                let sets = try placement.cpuSets(threads: threads, on: topology)
                let pus = sets.map { $0!.indices }
                #expect(pus.allSatisfy { $0.count == 1 }, "\(placement) t\(threads): \(pus)")
                #expect(Set(pus.map { $0[0] }).count == threads, "\(placement) t\(threads): distinct PUs")
                // One per core: no two threads on PUs of the same core.
                let coreOf = pus.map { pu in topology.corePUs.firstIndex { $0.contains(pu[0]) }! }
                #expect(Set(coreOf).count == threads)
            }
        }
        #expect(
            try Placement.close.cpuSets(threads: cores, on: topology).map { $0!.indices[0] }
                == topology.corePUs.map { $0[0] }, "close takes cores in order")
        #expect(try Placement.none.cpuSets(threads: 3, on: topology).allSatisfy { $0 == nil })
        let first = topology.allowedCPUs.indices[0]
        #expect(try Placement.pus([first]).cpuSets(threads: 1, on: topology) == [CPUSet([first])])
    }

    @Test("parsing placements")
    func parsing() throws {
        #expect(try Placement(parsing: "close") == .close)
        #expect(try Placement(parsing: "spread") == .spread)
        #expect(try Placement(parsing: "none") == .none)
        #expect(try Placement(parsing: "pus:0,2-3") == .pus([0, 2, 3]))
        #expect(Placement.pus([0, 2, 3]).description == "pus:0,2-3")
        #expect(
            throws: TopologyError.invalidArgument(
                name: "placement 'tight'", reason: "expected close, spread, none or pus:LIST (e.g. pus:0,2)")
        ) {
            try Placement(parsing: "tight")
        }
    }

    @Test("errors name the problem and the way out")
    func errors() throws {
        let topology = try MachineTopology.shared()
        let cores = topology.corePUs.count
        let allowed = topology.allowedCPUs.description
        func message(_ body: () throws -> Any) -> String? {
            do { _ = try body(); return nil } catch { return "\(error)" }
        }
        #expect(
            message { try Placement.close.cpuSets(threads: cores + 1, on: topology) }
                == "\(cores + 1) threads under placement 'close' but only \(cores) allowed core\(cores == 1 ? "" : "s"); use fewer threads, or placement 'none' to run unbound"
        )
        #expect(
            message { try Placement.spread.cpuSets(threads: cores + 1, on: topology) }?.contains(
                "placement 'spread' but only") == true)
        #expect(
            message { try Placement.close.cpuSets(threads: 0, on: topology) }
                == "invalid thread count: must be at least 1, got 0")
        #expect(
            message { try Placement.pus([4095]).cpuSets(threads: 1, on: topology) }
                == "PU 4095 not in the allowed set \(allowed)")
        #expect(
            message { try Placement.pus([0]).cpuSets(threads: 2, on: topology) }
                == "the PU list names 1 PU for 2 threads; give one PU per thread")
        #expect(
            message { try PinnedPool(threads: cores + 1, placement: .close) }?.contains("use fewer threads") == true)
        // A set the OS refuses: hwloc's errno text comes back.
        let refused = message { try PinnedPool(bindings: [nil, CPUSet([4095])], topology: topology) }
        #expect(refused?.hasPrefix("hwloc could not bind worker 1 to 4095: ") == true, "\(refused ?? "no error")")
        #expect(refused?.contains("errno") == true)
    }
}
