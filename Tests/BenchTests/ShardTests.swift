import Bench
import BenchTestSupport
import DeformConv
import DeformConvReference
import Testing

@Suite("Shards")
struct ShardTests {
    static let sweeps = [
        Preset.default.sweep(cores: 2, pus: 2).points, Preset.smoke.sweep(cores: 2, pus: 2).points,
        Preset.sizes.sweep(cores: 4, pus: 8).points,
    ]

    @Test("the shards are disjoint and together the sweep, in the sweep's order", arguments: 1...5)
    func partition(_ n: Int) throws {
        for points in Self.sweeps {
            let shards = try (1...n).map { try Shard(index: $0, count: n).select(points) }
            #expect(shards.reduce(0) { $0 + $1.count } == points.count)
            #expect(Set(shards.flatMap { $0.map(\.name) }) == Set(points.map(\.name)))
            for shard in shards {
                let positions = shard.map { p in points.firstIndex { $0.name == p.name }! }
                #expect(positions == positions.sorted())
            }
        }
    }

    @Test("shards are balanced by estimated cost: within 20% of each other", arguments: 2...4)
    func balance(_ n: Int) throws {
        for points in Self.sweeps {
            let assignment = Shard.assignment(points, shards: n)
            var loads = [Double](repeating: 0, count: n)
            for p in points { loads[assignment[p.name]! - 1] += Shard.cost(p) }
            #expect(loads.max()! <= 1.2 * loads.min()!, "\(n) shards of \(points.count) points: \(loads)")
        }
    }

    @Test("the split does not depend on the order of the sweep's definition, and adding a point moves few others")
    func stability() throws {
        let points = Self.sweeps[0]
        let split = Shard.assignment(points, shards: 4)
        #expect(Shard.assignment(points.reversed(), shards: 4) == split)
        var rng = SeededGenerator(seed: 3)
        #expect(Shard.assignment(points.shuffled(using: &rng), shards: 4) == split)
        var extra = points[0]
        extra.batch = 2
        let grown = Shard.assignment(points + [extra], shards: 4)
        let moved = points.filter { grown[$0.name] != split[$0.name] }.count
        #expect(moved <= points.count / 10, "\(moved) of \(points.count) points moved")
    }

    @Test("K/N is parsed and checked")
    func parsing() throws {
        #expect(try Shard(parsing: "2/4") == Shard(index: 2, count: 4))
        #expect(throws: BenchError("K must be from 1 to N = 4, got 5")) { try Shard(parsing: "5/4") }
        #expect(throws: BenchError("K must be from 1 to N = 4, got 0")) { try Shard(parsing: "0/4") }
        #expect(throws: BenchError("--shard '2': expected K/N, e.g. 1/4")) { try Shard(parsing: "2") }
        #expect(throws: BenchError("N must be from 1 to 4096, got 9223372036854775807")) {
            try Shard(parsing: "1/9223372036854775807")
        }
    }
}
