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
        for path in [paths.results, paths.samples, paths.context] {
            try OutputFile.check(path, option: "merge", inputs: inputs)
        }
        let fm = FileManager.default
        // An empty results file is what a merge or sweep killed before its first record leaves
        // behind: nothing in it or its sidecars is usable, and a new merge replaces them.
        let leftover = ((try? fm.attributesOfItem(atPath: paths.results)[.size] as? Int) ?? nil) == 0
        for existing in [paths.results, paths.samples, paths.context] where !leftover && fm.fileExists(atPath: existing)
        {
            throw BenchError("merge: \(existing) exists; merge into a new file")
        }
        // The output is created (or the leftover taken) and locked before the inputs are read:
        // a sweep or a second merge that starts on it meanwhile is refused, not overwritten.
        let lock = try FileLock(paths.results, createNew: !leftover, option: "merge")
        if leftover, ((try? fm.attributesOfItem(atPath: paths.results)[.size] as? Int) ?? nil) != 0 {
            throw BenchError("merge: \(paths.results) was written meanwhile; merge into a new file")
        }
        do {
            let summary = try merge(inputs: inputs, into: paths, lock: lock)
            return summary
        } catch {
            try? fm.removeItem(atPath: paths.samples)
            try? fm.removeItem(atPath: paths.context)
            try? fm.removeItem(atPath: paths.results)
            throw error
        }
    }

    private static func merge(inputs: [String], into paths: OutputPaths, lock: FileLock) throws -> Summary {
        var seenFiles: [String: String] = [:]  // device:inode → input
        var header: [String]?, version: Int?, firstInput = ""
        var records: [[String: String]] = []
        var owner: [String: (input: String, config: String)] = [:]
        var samples: [SampleRow] = []
        var contexts: [RunContext] = []
        for input in inputs {
            var status = stat()
            if stat(input, &status) == 0 {
                let key = "\(status.st_dev):\(status.st_ino)"
                if let earlier = seenFiles[key] {
                    throw BenchError("merge: \(input) is \(earlier) again; give each input once")
                }
                seenFiles[key] = input
            }
            let file = try ResultFile(input, requireContext: true)
            if let v = file.schemaVersion {
                if let version, v != version {
                    throw BenchError(
                        "merge: \(firstInput) has schema_version \(version), \(input) \(v): merge files of one schema (measure again with one dcnbench)"
                    )
                }
                if version == nil { (version, firstInput) = (v, input) }
            }
            if let header, header != file.header {
                throw BenchError("merge: \(input) has other columns than \(firstInput)")
            }
            header = header ?? file.header
            for row in file.rows {
                let name = row.point.name
                if let first = owner[name] {
                    let how =
                        first.config == row.configID
                        ? "with the same configuration (overlapping shards?)"
                        : "with different configurations (\(first.config), \(row.configID))"
                    throw BenchError(
                        "merge: \(name) is in both \(first.input) and \(input), measured \(how): a merged file holds one row per point"
                    )
                }
                owner[name] = (input, row.configID)
                samples += file.samples[name] ?? []
            }
            if let peer = file.peers.first {
                throw BenchError("merge: \(input) holds peer rows (\(peer.name)); merge merges dcnbench runs")
            }
            records += file.records
            for context in file.contexts where !contexts.contains(where: { $0.runID == context.runID }) {
                contexts.append(context)
            }
        }
        guard let header, !records.isEmpty else { throw BenchError("merge: the inputs hold no rows") }
        // The sidecars first, the results file last (in place, under the lock).
        try OutputFile.write(
            try CSVTable.document(SampleRow.header, samples.map(\.fields)), to: paths.samples, option: "merge")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try OutputFile.write(try encoder.encode(contexts), to: paths.context, option: "merge")
        try lock.replace(with: try csv(header, records))
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
        let data = try InputFile.read(path, what: "context file")
        let json = try JSONDocument.parse(data, source: "context file \(path)")
        let decoder = JSONDecoder()
        do {
            if json is [Any] { return try decoder.decode([RunContext].self, from: data) }
            guard json is [String: Any] else {
                throw BenchError("expected an object (one run) or an array (a merge's runs)")
            }
            return [try decoder.decode(RunContext.self, from: data)]
        } catch let error as DecodingError {
            throw BenchError(
                "context file \(path): not a dcnbench context: \(Self.explain(error)); a context is written by dcnbench, beside its results file"
            )
        }
    }

    /// A decoding error as a field and a reason.
    static func explain(_ error: DecodingError) -> String {
        func at(_ path: [CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case let .keyNotFound(key, context): return "\(at(context.codingPath + [key])) is missing"
        case let .typeMismatch(type, context): return "\(at(context.codingPath)) is not \(type)"
        case let .valueNotFound(type, context): return "\(at(context.codingPath)) is null, expected \(type)"
        case let .dataCorrupted(context): return "\(at(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
