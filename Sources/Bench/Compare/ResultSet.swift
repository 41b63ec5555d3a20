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

    /// Reads `paths` (main CSVs), each with the samples and context files beside it.
    public init(paths: [String]) throws {
        sources = paths
        var runFile: [String: String] = [:]  // run id → the file that brought it
        for path in paths {
            let table = try CSVTable.read(path)
            try ResultRow.checkColumns(of: table, path: path)
            // Pooling a run with itself would count its processes twice and halve every interval.
            for runID in Set(table.records.compactMap { $0["run_id"] }) {
                if let earlier = runFile[runID] {
                    throw BenchError("\(path): run \(runID) is also in \(earlier); each run may be given once")
                }
                runFile[runID] = path
            }
            var seen = Set<String>()
            for (index, record) in table.records.enumerated() {
                let row = try ResultRow(record: record, source: "\(path) record \(index + 2)")
                guard seen.insert(row.point.name).inserted else {
                    throw BenchError("\(path) record \(index + 2): a second row for \(row.point.name); a results file holds one row per point")
                }
                if rows[row.point.name] == nil { order.append(row.point.name) }
                // Pooled files: keep the first row's metadata, the samples decide the statistics.
                rows[row.point.name] = rows[row.point.name] ?? row
                if let count = row.instructions { rows[row.point.name]?.instructions = count }
            }
            let paths = OutputPaths(results: path)
            let expected = Set(table.records.compactMap { r in Int(r["samples"] ?? "").map { (r["name"] ?? "", $0) } }
                .filter { $0.1 > 0 }.map(\.0))
            if !expected.isEmpty {
                guard FileManager.default.fileExists(atPath: paths.samples) else {
                    throw BenchError("\(path): its samples file \(paths.samples) is missing")
                }
                let sampleTable = try CSVTable.read(paths.samples)
                guard SampleRow.readableHeaders.contains(sampleTable.header) else {
                    throw BenchError("\(paths.samples): columns are not a samples file of schema \(ResultRow.schemaVersion)")
                }
                // Only the samples of each row's own run: a samples file can hold another run's
                // (a rerun after the results file was deleted, a kill between a point's samples
                // and its row), and those must never be pooled with this one's.
                var runOf: [String: String] = [:]
                for record in table.records { if let name = record["name"] { runOf[name] = record["run_id"] ?? "" } }
                var counts: [String: Int] = [:]
                var fileSamples: [String: [SampleRow]] = [:]
                for (index, record) in sampleTable.records.enumerated() {
                    let sample = try SampleRow(record: record, source: "\(paths.samples) record \(index + 2)")
                    guard runOf[sample.name] == sample.runID else { continue }
                    fileSamples[sample.name, default: []].append(sample)
                    counts[sample.name, default: 0] += 1
                }
                for record in table.records {
                    guard let name = record["name"], let declared = Int(record["samples"] ?? ""), declared > 0 else { continue }
                    let found = counts[name] ?? 0
                    guard found == declared else {
                        throw BenchError("\(paths.samples): \(found) samples of run \(runOf[name] ?? "?") for \(name), the results file says \(declared)" + (found < declared ? " (truncated?)" : ""))
                    }
                }
                // A row must say what its own samples say: an edited median (or a negative one)
                // would otherwise decide a verdict or top a report.
                for record in table.records {
                    guard let name = record["name"], let list = fileSamples[name], let median = Double(record["median_s"] ?? "") else { continue }
                    let groups = ProcessGroups(list)
                    let declared = Int(record["processes"] ?? "") ?? 1  // one process before schema 4
                    guard let expected = groups.medianOfMedians, abs(median - expected) <= 1e-9 * expected, declared == groups.count else {
                        throw BenchError("\(path): the row of \(name) says median_s \(median) over \(declared) process(es); its samples in \(paths.samples) give \(groups.medianOfMedians.map { "\($0)" } ?? "none") over \(groups.count): the file was edited or mixed, measure again")
                    }
                }
                for (name, list) in fileSamples { samples[name, default: []] += list }
            }
            if FileManager.default.fileExists(atPath: paths.context) {
                contexts += try RunContext.load(paths.context).filter { c in !contexts.contains { $0.runID == c.runID } }
            }
        }
    }
}
