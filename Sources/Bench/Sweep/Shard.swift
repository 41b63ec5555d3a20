import DeformConv

/// Part K of N of a sweep (`--shard K/N`), for spreading one sweep over machines (a Slurm job
/// array, GNU parallel over ssh): every point lands in exactly one shard, decided by the point
/// alone and the sweep's other points, never by their order in the definition.
///
/// Points are dealt by bounded-load rendezvous hashing: in decreasing order of estimated cost
/// (``cost(_:)``; ties by name), each point goes to the shard that ranks highest for
/// it (a hash of its name and the shard) among those it does not push past `slack` × the mean
/// load so far (consistent hashing with bounded loads), else to the least loaded. So the shards' costs stay within about a tenth of each other while
/// points are much smaller than a shard, and adding a point moves few others: most keep their
/// preferred shard.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    /// 1-based, as K of K/N.
    public let index: Int
    public let count: Int

    /// Slack over the mean load a preferred shard may take.
    static let slack = 1.1

    public init(index: Int, count: Int) throws {
        guard count >= 1, count <= Sweep.maxThreads else {
            throw BenchError("N must be from 1 to \(Sweep.maxThreads), got \(count)")
        }
        guard index >= 1, index <= count else { throw BenchError("K must be from 1 to N = \(count), got \(index)") }
        self.index = index
        self.count = count
    }

    /// "K/N".
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw BenchError("--shard '\(text)': expected K/N, e.g. 1/4")
        }
        try self.init(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// Estimated cost of measuring a point: its FLOPs (the direction's). Times the samples, which
    /// are the same for every point of a run, so they do not change the split. Points whose
    /// geometry is invalid cost 0 (validation refuses them anyway).
    public static func cost(_ point: BenchPoint) -> Double {
        guard let g = try? point.geometry() else { return 0 }
        return point.flops(g)
    }

    /// The 1-based shard of every point, by name.
    public static func assignment(_ points: [BenchPoint], shards: Int) -> [String: Int] {
        let costs = Dictionary(points.map { ($0.name, cost($0)) }, uniquingKeysWith: { a, _ in a })
        let order = costs.keys.sorted { costs[$0]! != costs[$1]! ? costs[$0]! > costs[$1]! : $0 < $1 }
        var loads = [Double](repeating: 0, count: shards)
        var result: [String: Int] = [:]
        var total = 0.0
        for name in order {
            let cost = costs[name]!
            total += cost
            // Bounded as consistent hashing with bounded loads is: by the mean so far.
            let cap = Self.slack * total / Double(shards)
            let ranked = (0..<shards).sorted { a, b in
                let (x, y) = (stableHash("\(name)#\(a)"), stableHash("\(name)#\(b)"))
                return x != y ? x > y : a < b
            }
            let chosen =
                ranked.first { loads[$0] + cost <= cap } ?? loads.indices.min {
                    loads[$0] < loads[$1] || (loads[$0] == loads[$1] && $0 < $1)
                }!
            loads[chosen] += cost
            result[name] = chosen + 1
        }
        return result
    }

    /// The points of this shard, in their sweep order.
    public func select(_ points: [BenchPoint]) -> [BenchPoint] {
        let shards = Self.assignment(points, shards: count)
        return points.filter { shards[$0.name] == index }
    }
}
