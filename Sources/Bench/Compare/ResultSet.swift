import Foundation

/// One side of a comparison: the rows of one or more sweep CSVs with their samples (pooled per
/// point across files, as A/B rounds are) and the contexts of their runs.
public struct ResultSet {
    public var rows: [String: ResultRow] = [:]
    /// Samples per point name, in file order.
    public var samples: [String: [SampleRow]] = [:]
    /// The first file's (first) context.
    public var context: RunContext? { contexts.first }
    /// Every run's context, in file order (a merged file lists several).
    public var contexts: [RunContext] = []
    public var sources: [String]
    /// Point names in first-seen order.
    public var order: [String] = []

    /// Reads `paths` (main CSVs), each with the samples and context files beside it (see
    /// `ResultFile` for what is checked).
    public init(paths: [String]) throws {
        sources = paths
        var runFile: [String: String] = [:]  // run id → the file that brought it
        for path in paths {
            let file = try ResultFile(path)
            if let peer = file.peers.first {
                throw BenchError(
                    "\(path): \(peer.name) is a peer's row; compare judges dcnbench runs (the peers are in `dcnbench report`)"
                )
            }
            // Pooling a run with itself would count its processes twice and halve every interval.
            for runID in file.runIDs {
                if let earlier = runFile[runID] {
                    throw BenchError("\(path): run \(runID) is also in \(earlier); each run may be given once")
                }
                runFile[runID] = path
            }
            for row in file.rows {
                let name = row.point.name
                if rows[name] == nil { order.append(name) }
                // Pooled files: keep the first row's metadata, the samples decide the statistics.
                rows[name] = rows[name] ?? row
                if let count = row.instructions { rows[name]?.instructions = count }
                samples[name, default: []] += file.samples[name] ?? []
            }
            contexts += file.contexts.filter { c in !contexts.contains { $0.runID == c.runID } }
        }
    }
}
