import DeformConv
import DeformConvReference
import Foundation
import Topology

/// Runs a sweep: validates it whole before writing anything, then measures point by point,
/// appending each row (and its samples) as soon as it is done.
public final class SweepRunner {
    public let runner: PointRunner
    public let sweep: Sweep
    public let points: [BenchPoint]
    public let paths: OutputPaths
    /// Rows already in the file (resume), by name.
    private var done: [String: ResultRow] = [:]
    /// Rows of a resumed file that did not measure (skipped, error): measured again, their old
    /// rows taken out of the file first.
    public private(set) var retried: [String] = []
    private var medians: [String: Double] = [:]
    public let runID: String
    private let seed: UInt64
    /// Held from validation to the end of the run (released when the driver goes).
    private let lock: FileLock

    /// Everything is checked here, before any file is created: the points' geometries and
    /// placements, the output path, the resume file.
    public init(
        runner: PointRunner, sweep: Sweep, points: [BenchPoint], output: String?, resume: String?, seed: UInt64 = 1
    ) throws {
        try Sweep.validate(points)
        if runner.timing.mode == .instructionCount {
            guard !RunContext.isNativeBuild else {
                throw BenchError(
                    "--instructions runs the kernels under valgrind, which cannot execute AVX-512: build with DCNBENCH_PORTABLE=1 (scripts/instructions.sh does)"
                )
            }
            if let multi = points.first(where: { $0.threads != 1 }) {
                throw BenchError(
                    "--instructions counts single-thread points only; \(multi.name) has \(multi.threads) threads (add --threads 1)"
                )
            }
        }
        for point in points {
            if let problem = runner.placementProblem(point) { throw BenchError("point \(point.name): \(problem)") }
        }
        self.runner = runner
        self.sweep = sweep
        self.points = points
        self.seed = seed
        let fm = FileManager.default
        if let resume {
            if let output, output != resume {
                throw BenchError("--out and --resume name different files; --resume continues its file")
            }
            guard fm.fileExists(atPath: resume) else { throw BenchError("--resume \(resume): no such file") }
            paths = try OutputPaths(checking: resume, option: "--resume")
        } else {
            paths = try OutputPaths(checking: output ?? OutputPaths.defaultPath(sweep: sweep.name), option: "--out")
        }
        // Fail now, not after the first point, if the files cannot be written.
        let directory = URL(fileURLWithPath: paths.results).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, fm.isWritableFile(atPath: directory) else {
                throw BenchError("cannot write \(paths.results): \(directory) is not a writable directory")
            }
        } else {
            do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw BenchError(
                    "cannot create the directory \(directory) for \(paths.results): \(error.localizedDescription)")
            }
        }
        // One writer per file, for the whole run: two sweeps on one file would interleave their
        // records. The lock is taken before the file is inspected, so "exists?" and "write"
        // cannot be split by another run.
        let results = paths.results, samplesPath = paths.samples, configID = runner.configID
        let created = !fm.fileExists(atPath: results)
        lock = try FileLock(results)
        do {
            if resume != nil, ((try? fm.attributesOfItem(atPath: results)[.size] as? Int) ?? nil) == 0 {
                // Killed before its header: nothing was measured, and the sidecars (if any) are
                // that start's. Begin again.
                for stale in [samplesPath, paths.context] where fm.fileExists(atPath: stale) {
                    try fm.removeItem(atPath: stale)
                }
                runID = runner.runID
            } else if resume != nil {
                // Repaired and rewritten below: never through a link or into a device.
                for sidecar in [samplesPath, paths.context] { try OutputFile.check(sidecar, option: "--resume") }
                try OutputPaths.repairLastLine(results)
                try OutputPaths.dropUnterminatedLine(samplesPath)
                let file = try ResultFile(results, use: .resume)
                guard file.header == ResultRow.header else {
                    throw BenchError(
                        "\(results): its columns are not this dcnbench's (schema \(ResultRow.schemaVersion)); start a new file"
                    )
                }
                if let peer = file.peers.first {
                    throw BenchError("\(results) holds peer rows (\(peer.name)); --resume continues a dcnbench sweep")
                }
                let runs = file.runIDs
                guard runs.count <= 1 else {
                    throw BenchError(
                        "\(results) holds \(runs.count) runs (a merged file); --resume continues one run: resume the file it was merged from, then merge again"
                    )
                }
                if let other = file.rows.first(where: { $0.configID != configID }) {
                    throw BenchError(
                        "\(results) was measured with other options or on another machine (config \(other.configID), this run \(configID)): resume it with the same timing options here, or start a new file"
                    )
                }
                runID = runs.first ?? runner.runID
                // Taken out of the file, under the lock, before anything is appended: rows whose
                // samples disagree with them (a kill between samples and row, a cut or emptied
                // samples file), and, among the selected points, those skipped (over a limit), in
                // error (could not run) or interrupted before their samples were all taken, which
                // are measured again. Samples of no remaining row go with them.
                let selected = Set(points.map(\.name)), inconsistent = Set(file.inconsistent)
                let retry: Set<ResultRow.Status> = [.skipped, .error]
                let removed = Set(
                    file.rows.filter { row in
                        inconsistent.contains(row.point.name)
                            || (selected.contains(row.point.name)
                                && (retry.contains(row.status) || row.error.hasPrefix(Self.interruptedNote)))
                    }.map(\.point.name))
                retried = file.rows.map(\.point.name).filter { removed.contains($0) && selected.contains($0) }
                let kept = file.rows.filter { !removed.contains($0.point.name) }
                if !removed.isEmpty || file.strays > 0 {
                    let keptSamples = kept.flatMap { file.samples[$0.point.name] ?? [] }
                    try OutputFile.write(
                        try CSVTable.document(SampleRow.header, keptSamples.map(\.fields)), to: samplesPath,
                        option: "--resume")
                    try lock.replace(with: try CSVTable.document(ResultRow.header, kept.map(\.fields)))
                }
                for row in kept {
                    done[row.point.name] = row
                    if let median = row.statistics?.median { medians[row.point.name] = median }
                }
            } else {
                if let size = try? fm.attributesOfItem(atPath: paths.results)[.size] as? Int, size > 0 {
                    throw BenchError(
                        "\(paths.results) exists; continue it with --resume \(paths.results), or choose another --out")
                }
                // A samples or context file without its results file belongs to another run.
                for stale in [paths.samples, paths.context] where fm.fileExists(atPath: stale) {
                    throw BenchError(
                        "\(stale) exists from another run (its results file is gone or empty): remove it, or choose another --out"
                    )
                }
                runID = runner.runID
            }
        } catch {
            if created { try? fm.removeItem(atPath: paths.results) }  // leave no empty file behind
            throw error
        }
    }

    /// How the row of a point whose interleaved rounds were stopped begins its `error`: such a
    /// row keeps the samples it has, and `--resume` measures the point again.
    static let interruptedNote = "interrupted after"

    /// Points the run will measure (those not already in a resumed file).
    public var pending: [BenchPoint] { points.filter { done[$0.name] == nil } }

    /// Measures every pending point; returns all rows of the sweep (resumed ones included).
    public func run(progress: Progress) throws -> [ResultRow] {
        let results = try CSVAppender(path: paths.results, header: ResultRow.header)
        let samples = try CSVAppender(path: paths.samples, header: SampleRow.header)
        var context = Self.context(runID: runID, runner: runner, sweep: sweep)
        if runner.timing.probes && runner.timing.mode != .dryRun && runner.timing.mode != .instructionCount
            && !pending.isEmpty
        {
            context.probes = try Self.probes(runner: runner, points: pending)
        }
        try Self.write(context, to: paths.context)
        var rows = done
        let todo = pending
        progress.begin(total: todo.count, skipped: points.count - todo.count)
        func record(_ row: ResultRow, _ rowSamples: [SampleRow]) throws {
            // Samples first: a row in the main file always has its samples.
            for sample in rowSamples {
                var s = sample
                s.runID = runID
                try samples.append(s.fields)
            }
            var r = row
            r.runID = runID
            try results.append(r.fields)
            rows[row.point.name] = r
            if let median = row.statistics?.median { medians[row.point.name] = median }
        }
        if runner.timing.mode == .instructionCount {
            guard let valgrind = InstructionCounter.valgrindPath() else {
                throw BenchError("--instructions needs valgrind (apt-get install valgrind)")
            }
            let executable = Subprocess.currentExecutable
            for (index, point) in todo.enumerated() {
                progress.start(point, index: index)
                let row = runner.countInstructions(point, executable: executable, valgrind: valgrind)
                try record(row, [])
                progress.finish(row, index: index)
            }
        } else if runner.timing.mode == .interleaved {
            try runInterleaved(todo, progress: progress, record: record)
        } else {
            for (index, point) in todo.enumerated() {
                progress.start(point, index: index)
                let (row, rowSamples) = runner.measure(point, medians: medians)
                try record(row, rowSamples)
                progress.finish(row, index: index)
            }
        }
        progress.end()
        context.stealTicksAfter = RunContext.stealTicks()
        context.usedCPUs = CPUSet(rows.values.flatMap { (try? CPUSet(list: $0.pusUsed))?.indices ?? [] }).description
        try Self.write(context, to: paths.context)
        return points.compactMap { rows[$0.name] }
    }

    /// `--interleave`: every point is prepared and warmed up first (all stay in memory, so their
    /// tensors must fit `--max-memory` together), then sampled round by round, one sample per
    /// point per round in a fresh random order, so that slow drifts of the machine spread over
    /// all points instead of biasing the last ones. Rows are written after the last round.
    private func runInterleaved(
        _ todo: [BenchPoint], progress: Progress,
        record: (ResultRow, [SampleRow]) throws -> Void
    ) throws {
        let total = try todo.reduce(0) { $0 + $1.tensorBytes(try $1.geometry()) }
        guard total <= runner.maxMemoryBytes else {
            throw BenchError(
                "--interleave keeps all \(todo.count) points in memory: \(total) bytes, over --max-memory \(runner.maxMemoryBytes)"
            )
        }
        var prepared: [PreparedPoint] = []
        for (index, point) in todo.enumerated() {
            progress.start(point, index: index)
            switch runner.prepare(point) {
            case let .failure(box):
                try record(box.row, [])
                progress.finish(box.row, index: index)
            case let .success(p):
                do {
                    try runner.warmUp(p)
                    prepared.append(p)
                } catch {
                    var row = runner.row(point, .error, tensorBytes: point.tensorBytes(p.geometry))
                    row.error = "\(error)"
                    try record(row, [])
                    progress.finish(row, index: index)
                }
            }
        }
        var rng = SeededGenerator(seed: seed)
        var failed: [String: String] = [:]
        // Rows are written after the last round, so Ctrl-C must not kill the process midway:
        // it ends the rounds instead, and every point keeps the samples it has (marked in
        // `error`), so a stop loses at most the sample in flight.
        let interrupt = Interrupt()
        defer { interrupt.restore() }
        var rounds = 0
        while !interrupt.requested,
            let active = Optional(prepared.filter { !runner.isDone($0) && failed[$0.point.name] == nil }),
            !active.isEmpty
        {
            for p in active.shuffled(using: &rng) where !interrupt.requested {
                do {
                    try p.callKernel()  // one untimed call: the point's data back in cache, as in the sequential mode
                    try runner.sample(p)
                } catch { failed[p.point.name] = "\(error)" }
            }
            rounds += 1
        }
        for (offset, p) in prepared.enumerated() {
            var row = runner.finish(p, medians: medians)
            if let error = failed[p.point.name] { row.status = .error; row.error = error }
            if interrupt.requested && row.status == .ok {
                if p.samples.isEmpty { row.status = .error }
                row.error =
                    "\(Self.interruptedNote) \(rounds) round\(rounds == 1 ? "" : "s"): \(p.samples.count) of \(runner.timing.samples) samples"
            }
            try record(row, row.statistics != nil ? p.samples : [])  // a row always travels with the samples its statistics declare
            progress.finish(row, index: todo.count - prepared.count + offset)
            p.pool.shutdown()
        }
        if interrupt.requested {
            throw BenchError("interrupted: rows written with the samples taken so far (\(rounds) rounds)")
        }
    }

    /// The context of a run as it starts (the probes, `usedCPUs` and the steal after come later).
    static func context(runID: String, runner: PointRunner, sweep: Sweep) -> RunContext {
        let git = RunContext.gitState()
        return RunContext(
            runID: runID, dcnbenchVersion: RunContext.dcnbenchVersion,
            date: ISO8601DateFormatter().string(from: Date()),
            host: RunContext.hostName, cpuModel: runner.machine.cpuModel, machine: runner.machine,
            allowedCPUs: runner.machine.allowedCPUs, usedCPUs: nil, loadAverage: RunContext.loadAverage(),
            stealTicksBefore: RunContext.stealTicks(), stealTicksAfter: nil, swiftVersion: RunContext.swiftVersion,
            buildConfiguration: RunContext.buildConfiguration, buildFlags: RunContext.buildFlags,
            gitCommit: git.commit, gitDirty: git.dirty, sweep: sweep.name, timing: runner.timing,
            cacheBytes: runner.cacheBytes, maxMemoryBytes: runner.maxMemoryBytes, configID: runner.configID, probes: nil
        )
    }

    /// The roofline of a run: peak, GEMM roof and bandwidth for every thread count its points use (and can
    /// place); sets the runner's peaks for `pct_peak`.
    static func probes(runner: PointRunner, points: [BenchPoint]) throws -> [Probes.Measurement] {
        var probes: [Probes.Measurement] = []
        for threads in Set(points.map(\.threads)).sorted() {
            guard
                runner.placementProblem(
                    BenchPoint(
                        variant: .blockedGather, version: .v1, batch: 1, inChannels: 1,
                        outChannels: 1, height: 1, width: 1, kernel: Extent2(1), stride: 1, padding: 0, dilation: 1,
                        groups: 1,
                        offsetGroups: 1, threads: threads, placement: .close)) == nil
            else { continue }
            let peak = try Probes.fmaPeak(threads: threads)
            runner.peakGFLOPS[threads] = peak.value
            probes += [peak, try Probes.gemmRoof(threads: threads), try Probes.triad(threads: threads)]
        }
        return probes
    }

    static func write(_ context: RunContext, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try OutputFile.write(try encoder.encode(context), to: path, option: "the context file")
    }
}
