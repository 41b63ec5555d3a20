import DeformConv
import Foundation
import Topology

/// `sweep --processes K`: the selected points measured in K fresh child processes of this
/// executable, one after the other, each a plain sweep of every point with its own `--seed`
/// (so its own layout of the tensors within pages), into `OUT-processes/pK.csv`. When the last
/// one is done, their rows and samples become one results file: each point's samples keep their
/// process index, its row's statistics are two-level (`ResultRow.summarize`), and the context
/// lists every child.
///
/// Why processes: on a VM one build measured in two processes can differ by 15 % while the
/// samples inside each agree within 1 %, so only repetition over processes measures that noise.
/// Why one process after another rather than points interleaved: a kill loses at most the point
/// a child is measuring (`--resume` continues each child's file); drift over the run shows as
/// spread between processes, which is what a verdict must see. `dcnbench ab` interleaves two
/// builds' processes.
public final class ProcessSweep {
    public let paths: OutputPaths
    /// `OUT-processes/`: the children's files until the run is assembled.
    public let folder: String
    let runner: PointRunner
    let sweep: Sweep
    let points: [BenchPoint]
    let processes: Int
    let seed: UInt64
    let executable: String
    let childArguments: [String]
    private let lock: FileLock
    private var context: RunContext

    /// - Parameter childArguments: the sweep's selection and timing options as given, without
    ///   --out, --resume, --processes, --seed, --quiet, --no-probes (the parent sets those).
    public init(
        runner: PointRunner, sweep: Sweep, points: [BenchPoint], processes: Int, seed: UInt64, output: String?,
        resume: String?, executable: String, childArguments: [String]
    ) throws {
        guard processes >= 1, processes <= 1000 else { throw BenchError("--processes must be from 1 to 1000") }
        guard runner.timing.mode != .instructionCount, runner.timing.mode != .dryRun else {
            throw BenchError(
                "--processes repeats timings over processes; --instructions and --dry-run time nothing (drop --processes)"
            )
        }
        try Sweep.validate(points)
        for point in points {
            if let problem = runner.placementProblem(point) { throw BenchError("point \(point.name): \(problem)") }
        }
        self.runner = runner
        self.sweep = sweep
        self.points = points
        self.processes = processes
        self.seed = seed
        self.executable = executable
        self.childArguments = childArguments
        if let resume, let output, output != resume {
            throw BenchError("--out and --resume name different files; --resume continues its file")
        }
        paths = try OutputPaths(
            checking: resume ?? output ?? OutputPaths.defaultPath(sweep: sweep.name),
            option: resume == nil ? "--out" : "--resume")
        folder = String(paths.results.dropLast(4)) + "-processes"
        let fm = FileManager.default
        let directory = URL(fileURLWithPath: paths.results).deletingLastPathComponent().path
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let created = !fm.fileExists(atPath: paths.results)
        lock = try FileLock(paths.results)
        do {
            var isDirectory: ObjCBool = false
            let folderExists = fm.fileExists(atPath: folder, isDirectory: &isDirectory)
            if resume != nil {
                guard folderExists, isDirectory.boolValue, fm.fileExists(atPath: paths.context) else {
                    throw BenchError(
                        "--resume \(paths.results): no unfinished --processes run there (\(folder) and \(paths.context) are what it continues)"
                    )
                }
                let previous = try RunContext.load(paths.context)
                guard previous.count == 1, let old = previous.first, old.configID == runner.configID,
                    old.processes?.count == processes
                else {
                    throw BenchError(
                        "\(paths.results) was started with other options, --processes or machine: resume it with the same ones, or start a new file"
                    )
                }
                context = old
            } else {
                if let size = try? fm.attributesOfItem(atPath: paths.results)[.size] as? Int, size > 0 {
                    throw BenchError("\(paths.results) exists; choose another --out")
                }
                for stale in [paths.samples, paths.context, folder] where fm.fileExists(atPath: stale) {
                    throw BenchError("\(stale) exists from another run: remove it, or choose another --out")
                }
                try fm.createDirectory(atPath: folder, withIntermediateDirectories: false)
                context = SweepRunner.context(runID: runner.runID, runner: runner, sweep: sweep)
                context.processes = (0..<processes).map { k in
                    RunContext.ProcessRecord(
                        index: k, seed: Self.childSeed(seed, k), runID: "", date: "", allowedCPUs: "",
                        loadAverage: [])
                }
                if runner.timing.probes { context.probes = try SweepRunner.probes(runner: runner, points: points) }
                try SweepRunner.write(context, to: paths.context)
            }
        } catch {
            if created { try? fm.removeItem(atPath: paths.results) }
            throw error
        }
        for measurement in context.probes ?? [] where measurement.unit == "GFLOP/s" {
            runner.peakGFLOPS[measurement.threads] = measurement.value
        }
    }

    /// Process k's seed: distinct per process and reproducible from `--seed`.
    static func childSeed(_ seed: UInt64, _ k: Int) -> UInt64 { stableHash("\(seed)/process \(k)") }

    func childPath(_ k: Int) -> String { "\(folder)/p\(k).csv" }

    /// Runs the children still to run (or to finish), then writes the results file.
    public func run(log: (String) -> Void) throws -> [ResultRow] {
        let fm = FileManager.default
        for k in 0..<processes {
            let path = childPath(k)
            let childContext = OutputPaths(results: path).context
            if fm.fileExists(atPath: path), let done = try? ResultSet(paths: [path]),
                points.allSatisfy({ done.rows[$0.name] != nil })
            {
                continue  // finished before a resume
            }
            log("process \(k + 1) of \(processes): \(points.count) points")
            let arguments =
                ["sweep"] + childArguments + (fm.fileExists(atPath: path) ? ["--resume", path] : ["--out", path])
                + ["--seed", "\(context.processes![k].seed)", "--no-probes", "--quiet"]
            let outcome = try Subprocess.run(executable, arguments)
            // A child whose points failed (wrong, error) exits 1 with its file complete: the
            // assembled row reports them. Anything else is the child failing to run.
            guard fm.fileExists(atPath: childContext), let result = try? ResultSet(paths: [path]),
                points.allSatisfy({ result.rows[$0.name] != nil })
            else {
                throw BenchError(
                    "process \(k + 1) (\(executable) \(arguments.joined(separator: " "))) did not finish its sweep (exit \(outcome.status)): \(outcome.errors.suffix(2000))"
                )
            }
            let own = try RunContext.load(childContext)[0]
            context.processes![k].runID = own.runID
            context.processes![k].date = own.date
            context.processes![k].allowedCPUs = own.allowedCPUs
            context.processes![k].loadAverage = own.loadAverage
            context.processes![k].stealTicksBefore = own.stealTicksBefore
            context.processes![k].stealTicksAfter = own.stealTicksAfter
            try SweepRunner.write(context, to: paths.context)
        }
        return try assemble()
    }

    /// One row per point from the children's rows and samples; the three files written
    /// atomically, the results file last (under the lock), then the children's folder removed.
    private func assemble() throws -> [ResultRow] {
        let children = try (0..<processes).map { try ResultSet(paths: [childPath($0)]) }
        // Each point's row without statistics (or the failure that ends it) and its samples.
        var assembled: [(row: ResultRow, samples: [SampleRow])] = []
        for point in points {
            let own = children.map { $0.rows[point.name]! }
            var row = runner.row(point, .ok, tensorBytes: own[0].tensorBytes)
            row.runID = context.runID
            row.workspaceBytes = own.compactMap(\.workspaceBytes).max()
            row.iterationsPerSample = own.map(\.iterationsPerSample).min() ?? 0
            row.pusUsed = CPUSet(own.flatMap { (try? CPUSet(list: $0.pusUsed))?.indices ?? [] }).description
            if let (k, failed) = own.enumerated().first(where: { $0.1.status != .ok }) {
                row.status = failed.status
                row.error = "process \(k + 1) of \(processes): \(failed.error)"
                assembled.append((row, []))
                continue
            }
            var samples: [SampleRow] = []
            for (k, child) in children.enumerated() {
                for var sample in child.samples[point.name] ?? [] {
                    sample.runID = context.runID
                    sample.process = k
                    samples.append(sample)
                }
            }
            assembled.append((row, samples))
        }
        // Every median before any row's speed-ups, which refer to other points' medians.
        let medians = assembled.reduce(into: [String: Double]()) { known, point in
            known[point.row.point.name] = ProcessGroups(point.samples).medianOfMedians
        }
        var rows: [ResultRow] = []
        for (row, samples) in assembled {
            var r = row
            if !samples.isEmpty {
                r.summarize(
                    samples, geometry: try r.point.geometry(), peakGFLOPS: runner.peakGFLOPS[r.point.threads],
                    medians: medians)
            }
            rows.append(r)
        }
        let allSamples = assembled.flatMap(\.samples)
        context.stealTicksAfter = RunContext.stealTicks()
        context.usedCPUs = CPUSet(rows.flatMap { (try? CPUSet(list: $0.pusUsed))?.indices ?? [] }).description
        try OutputFile.write(
            try CSVTable.document(SampleRow.header, allSamples.map(\.fields)), to: paths.samples,
            option: "the samples file")
        try SweepRunner.write(context, to: paths.context)
        try lock.replace(with: try CSVTable.document(ResultRow.header, rows.map(\.fields)))
        try? FileManager.default.removeItem(atPath: folder)
        return rows
    }
}
