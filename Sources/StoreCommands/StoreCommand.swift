import ArgumentParser
import Bench
import Foundation
import ResultStore

/// `--store`, shared by the commands that use the results store.
public struct StoreOption: ParsableArguments {
    @Option(
        help:
            "The results store: an SQLite file (default $DCNBENCH_STORE, else results/store.sqlite), or postgresql://… with dcnbench-pg."
    )
    var store: String?

    public init() {}

    /// The store named, opened; `create: false` for commands that only read. The default
    /// store's folder (results/, where sweeps write) is made if missing, as a sweep makes it.
    func open(create: Bool = false) throws -> any ResultsStore {
        let location = SQLiteStore.location(option: store)
        if create, location == SQLiteStore.defaultLocation {
            try? FileManager.default.createDirectory(atPath: "results", withIntermediateDirectories: true)
        }
        return try ResultsStores.open(location, create: create)
    }
}

/// The detector's settings, checked alike by `history` and `changepoints`.
public enum DetectorOptions {
    public static func check(significance: Double, permutations: Int, minSegment: Int) throws {
        guard significance > 0, significance < 1 else {
            throw ValidationError("--significance \(significance): give a p-value between 0 and 1, e.g. 0.001")
        }
        guard (9...100_000).contains(permutations) else {
            throw ValidationError("--permutations \(permutations): give 9 to 100000 (999 resolves p = 0.001)")
        }
        guard Double(permutations + 1) * significance >= 1 else {
            throw ValidationError(
                "--permutations \(permutations) cannot reach p ≤ \(significance) (the least p is 1/(permutations + 1)); give more"
            )
        }
        guard (2...1000).contains(minSegment) else { throw ValidationError("--min-segment \(minSegment): give 2 to 1000") }
    }
}

public struct StoreCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Remember runs: add results files to a store, list, remove and export its runs.",
        discussion: """
            The store keeps every run's context, its points' rows and every raw sample (with its \
            process), for `dcnbench history` and `dcnbench dashboard`. See docs/history.md.

            Examples:
              dcnbench store add results/*.csv --store results/store.sqlite
              dcnbench store runs
              dcnbench store export --run 524a616983c15430 --out run.json
              dcnbench store remove 524a616983c15430
            """,
        subcommands: [Add.self, Runs.self, Remove.self, Export.self]
    )

    public struct Add: ParsableCommand {
        public init() {}

        public static let configuration = CommandConfiguration(
            abstract: "Add the runs of results files (with their samples and context) to the store.",
            discussion: """
                Each file is read as compare reads it: consistent, with its context, or refused. \
                A run already stored is left as it is when it is the same, refused when it differs \
                (`dcnbench store remove RUN` first). Each run goes in whole, in one transaction; \
                several processes may add at once.

                Example:
                  dcnbench sweep --preset smoke --out results/smoke.csv && dcnbench store add results/smoke.csv
                """)
        @OptionGroup var store: StoreOption
        @Argument(help: "Results CSVs.") var results: [String]

        public func run() throws {
            guard !results.isEmpty else { throw BenchError("give at least one results CSV") }
            let target = try store.open(create: true)
            for path in results {
                let (outcomes, peers) = try target.add(path)
                for outcome in outcomes {
                    switch outcome {
                    case .added(let run, let points, let samples):
                        print("\(path): added run \(run) (\(points) points, \(samples) samples)")
                    case .alreadyStored(let run):
                        print("\(path): run \(run) is already stored, unchanged")
                    }
                }
                if peers > 0 { print("\(path): \(peers) peer rows not stored (the store keeps dcnbench's runs)") }
            }
        }
    }

    public struct Runs: ParsableCommand {
        public init() {}

        public static let configuration = CommandConfiguration(
            abstract: "List the stored runs, oldest first.",
            discussion: "Example:\n  dcnbench store runs --json")
        @OptionGroup var store: StoreOption
        @Flag(help: "As JSON.") var json = false

        public func run() throws {
            let runs = try store.open().runs()
            if json {
                FileHandle.standardOutput.write(try SnakeCaseJSON.encode(runs) + Data("\n".utf8))
                return
            }
            let rows = runs.map { r in
                [
                    r.id, String((r.gitCommit ?? "-").prefix(10)) + (r.gitDirty == true ? "+" : ""), r.date, r.host,
                    r.cpuModel, r.mode, "\(r.points)", "\(r.samples)",
                ]
            }
            print(
                TextTable.render(
                    [["run", "commit", "date", "host", "CPU", "mode", "points", "samples"]] + rows,
                    rightAligned: [6, 7]),
                terminator: "")
        }
    }

    public struct Remove: ParsableCommand {
        public init() {}

        public static let configuration = CommandConfiguration(
            abstract: "Remove runs (their points and samples) from the store.",
            discussion: "Example:\n  dcnbench store remove 524a616983c15430")
        @OptionGroup var store: StoreOption
        @Argument(help: "Run ids (`dcnbench store runs`).") var runs: [String]

        public func run() throws {
            let target = try store.open()
            for run in runs {
                guard try target.remove(runID: run) else {
                    throw BenchError("run \(run) is not in the store \(target.location); `dcnbench store runs` lists them")
                }
                print("removed run \(run)")
            }
        }
    }

    public struct Export: ParsableCommand {
        public init() {}

        public static let configuration = CommandConfiguration(
            abstract: "Write a stored run in google/benchmark's JSON (for github-action-benchmark, Bencher, Conbench).",
            discussion: """
                One benchmark per point: real_time the median of process medians per call (ns), \
                cpu_time that times CPU utilization and threads, our columns as counters (GFLOPS, \
                pct_peak, processes, median_low_ns, median_high_ns). Timed runs only.

                Examples:
                  dcnbench store export --run 524a616983c15430 --out run.json
                  dcnbench store export --run latest --format gbench-json
                """)
        @OptionGroup var store: StoreOption
        @Option(name: .customLong("run"), help: "The run id, or `latest` (the newest timed run).") var runID: String
        @Option(help: "gbench-json (google/benchmark's JSON reporter format).") var format = "gbench-json"
        @Option(help: "Write here instead of standard output.") var out: String?

        public func run() throws {
            guard format == "gbench-json" else {
                throw BenchError("--format \(format): the one export format is gbench-json")
            }
            if let out { try OutputFile.check(out, option: "--out") }
            let source = try store.open()
            var id = runID
            if runID == "latest" {
                guard let newest = try source.runs().last(where: { ["timed", "interleaved"].contains($0.mode) }) else {
                    throw BenchError("--run latest: the store \(source.location) has no timed run")
                }
                id = newest.id
            }
            let (context, records) = try source.run(id)
            let data = try GBenchJSON.document(context: context, records: records) + Data("\n".utf8)
            guard let out else {
                FileHandle.standardOutput.write(data)
                return
            }
            try OutputFile.write(data, to: out, option: "--out")
            print("wrote \(out)")
        }
    }
}
