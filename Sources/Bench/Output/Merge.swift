import Foundation

/// `dcnbench merge OUT.csv A.csv B.csv …`: the shards of a sweep, or runs from several machines,
/// as one results file with its samples and contexts. Each row keeps its own `run_id`, `host`
/// and `config_id`, each sample its run, and the context file lists every run's context.
///
/// Refused, before anything is written: inputs of different schema versions, a point in two
/// inputs (measured twice, with the same configuration or not), an input without its samples
/// (when its rows have samples) or its context, an output that exists or is an input. The
/// output's three files are each written beside it and renamed into place, the results file
/// last, under the lock a sweep takes: a reader sees a complete merge or none.
public enum Merge {
    public struct Summary: Sendable {
        public var rows: Int
        public var samples: Int
        public var runs: Int
    }

    public static func run(output: String, inputs: [String]) throws -> Summary {
        guard inputs.count >= 1 else { throw BenchError("merge needs at least one input results file") }
        let paths = try OutputPaths(checking: output, option: "merge")
        try OutputPaths.refuseInput(output, option: "merge", inputs: inputs)
        let fm = FileManager.default
        for existing in [paths.results, paths.samples, paths.context] where fm.fileExists(atPath: existing) {
            throw BenchError("merge: \(existing) exists; merge into a new file")
        }
        if Set(inputs.map { URL(fileURLWithPath: $0).standardizedFileURL.path }).count != inputs.count {
            throw BenchError("merge: an input is named twice")
        }

        var header: [String]?, version: String?, firstInput = ""
        var records: [[String: String]] = []
        var owner: [String: (input: String, config: String)] = [:]
        var samples: [[String: String]] = []
        var contexts: [RunContext] = []
        for input in inputs {
            let table = try CSVTable.read(input)
            try ResultRow.checkColumns(of: table, path: input)
            let versions = Set(table.records.map { $0["schema_version"] ?? "" })
            guard versions.count <= 1 else { throw BenchError("merge: \(input) mixes schema versions \(versions.sorted())") }
            if let v = versions.first {
                if let version, v != version {
                    throw BenchError("merge: \(firstInput) has schema_version \(version), \(input) \(v): merge files of one schema (measure again with one dcnbench)")
                }
                if version == nil { (version, firstInput) = (v, input) }
            }
            if let header, header != table.header {
                throw BenchError("merge: \(input) has other columns than \(firstInput)")
            }
            header = header ?? table.header
            var runOf: [String: String] = [:]
            for (index, record) in table.records.enumerated() {
                let row = try ResultRow(record: record, source: "\(input) record \(index + 2)")
                let name = row.point.name
                if let first = owner[name] {
                    let how = first.config == row.configID ? "with the same configuration (overlapping shards?)"
                                                           : "with different configurations (\(first.config), \(row.configID))"
                    throw BenchError("merge: \(name) is in both \(first.input) and \(input), measured \(how): a merged file holds one row per point")
                }
                owner[name] = (input, row.configID)
                runOf[name] = row.runID
                records.append(record)
            }
            // Samples: each row's own run's, as many as the row declares (as compare reads them).
            let sidecars = OutputPaths(results: input)
            let declared = table.records.reduce(0) { $0 + (Int($1["samples"] ?? "") ?? 0) }
            if declared > 0 {
                guard fm.fileExists(atPath: sidecars.samples) else { throw BenchError("merge: \(input): its samples file \(sidecars.samples) is missing") }
                let sampleTable = try CSVTable.read(sidecars.samples)
                guard SampleRow.readableHeaders.contains(sampleTable.header) else {
                    throw BenchError("merge: \(sidecars.samples): columns are not a samples file of schema \(ResultRow.schemaVersion)")
                }
                let own = sampleTable.records.filter { record in record["name"].flatMap { runOf[$0] } == record["run_id"] }
                guard own.count == declared else {
                    throw BenchError("merge: \(sidecars.samples) holds \(own.count) samples of its rows' runs, \(input) declares \(declared) (truncated?)")
                }
                samples += own
            }
            guard fm.fileExists(atPath: sidecars.context) else {
                throw BenchError("merge: \(input): its context file \(sidecars.context) is missing (where and how it ran)")
            }
            for context in try RunContext.load(sidecars.context) where !contexts.contains(where: { $0.runID == context.runID }) {
                contexts.append(context)
            }
        }
        guard let header, !records.isEmpty else { throw BenchError("merge: the inputs hold no rows") }

        // Written under the lock a sweep takes; the results file last.
        let lock = try FileLock(paths.results)
        do {
            try OutputPaths.atomicWrite(try csv(SampleRow.header, samples), to: paths.samples)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try OutputPaths.atomicWrite(try encoder.encode(contexts), to: paths.context)
            try lock.replace(with: try csv(header, records))
        } catch {
            try? fm.removeItem(atPath: paths.results)
            try? fm.removeItem(atPath: paths.samples)
            try? fm.removeItem(atPath: paths.context)
            throw error
        }
        return Summary(rows: records.count, samples: samples.count, runs: contexts.count)
    }

    private static func csv(_ header: [String], _ records: [[String: String]]) throws -> Data {
        try CSVTable.document(header, records.map { record in header.map { record[$0] ?? "" } })
    }
}

extension RunContext {
    /// The contexts in a context file: one run's object, as a sweep writes it, or the array of
    /// every run's that a merge writes.
    public static func load(_ path: String) throws -> [RunContext] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw BenchError("cannot read \(path): \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        if let one = try? decoder.decode(RunContext.self, from: data) { return [one] }
        do { return try decoder.decode([RunContext].self, from: data) } catch {
            throw BenchError("\(path): not a dcnbench context file: \(error)")
        }
    }
}
