import ArgumentParser
import Bench
import Foundation
import Topology

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Measure kernel variants over a grid of problems, thread counts and placements.",
        discussion: """
            Writes three files: OUT.csv (a row per point, appended as each finishes), OUT-samples.csv \
            (every timed sample) and OUT-context.json (machine, build, timing settings). Each point \
            is first checked against a float64 reference on a sample of outputs; a mismatch gives \
            status=wrong and no timing. --processes K measures every point in K fresh processes, \
            one after another (their files in OUT-processes/ until the last is done), each with its \
            own --seed-drawn layout: what `compare` needs for a verdict (3 or more; 1 process \
            shows how fast, never whether a change made it slower). Ctrl-C loses at most the point being measured (with \
            --interleave it ends the rounds and every point keeps the samples it has); --resume \
            continues a file (same options only), measuring again the points it holds as skipped \
            or error. One run writes a file at a time.

            Examples:
              dcnbench sweep --preset smoke
              dcnbench sweep --preset smoke --processes 5 --out results/before.csv
              dcnbench sweep --preset default --out results/mine.csv
              dcnbench sweep --variants tiled,blockedGather --threads 1,2 --placement close,spread --hw 28,56 --channels 64,128
              dcnbench sweep --sweep-file sweeps/example.json --filter 'blockedGather/.*/t2/'
              dcnbench sweep --preset smoke --dry-run
              DCNBENCH_PORTABLE=1 swift build -c release && dcnbench sweep --preset smoke --threads 1 --instructions
            """
    )

    @OptionGroup var selection: SweepSelection

    @Option(help: "Main CSV (default results/<host>-<UTC date>-<sweep>.csv).") var out: String?
    @Option(help: "Continue this CSV: skip points it already holds with the same configuration.") var resume: String?
    @Flag(help: "Run each point once and check it, without timing (for CI).") var dryRun = false
    @Flag(
        help:
            "Count instructions per call of each single-thread point under valgrind instead of timing (portable build only; see scripts/instructions.sh)."
    ) var instructions = false
    @Flag(help: "Take samples round by round over all points in random order (all points stay in memory).")
    var interleave = false
    @Option(help: "Samples per point.") var samples = 10
    @Option(
        name: .customLong("min-sample-time"), help: "Seconds a sample lasts at least; iterations are calibrated to it.")
    var minSampleTime = 0.02
    @Option(help: "Seconds of untimed warm-up per point.") var warmup = 0.1
    @Option(name: .customLong("max-time-per-point"), help: "Seconds after which a point stops sampling.")
    var maxTimePerPoint = 30.0
    @Option(
        name: .customLong("max-memory"),
        help:
            "Skip points whose buffers exceed this (bytes, or with K/M/G suffix; default half of the least of the memory, ulimit -v and the cgroup limit).",
        transform: parseBytes) var maxMemory: Int?
    @Option(help: "Fresh processes that measure every point, one after another (1: this process only).") var processes =
        1
    @Option(
        help:
            "Seed of the --interleave order and of where the tensors start within a page (each of --processes draws its own from it)."
    ) var seed: UInt64 = 1
    @Flag(help: "No progress output.") var quiet = false
    @Flag(name: .customLong("no-probes"), help: "Skip the FMA-peak and triad probes at the start (no pct_peak).")
    var noProbes = false

    func run() throws {
        let topology = try MachineTopology.shared()
        let (sweep, points) = try selection.points(cores: topology.corePUs.count, pus: topology.pus.count)
        var timing = TimingOptions()
        timing.samples = samples
        timing.minSampleSeconds = minSampleTime
        timing.warmupSeconds = warmup
        timing.maxSecondsPerPoint = maxTimePerPoint
        let modes = [
            (dryRun, "--dry-run", RunMode.dryRun), (instructions, "--instructions", .instructionCount),
            (interleave, "--interleave", .interleaved),
        ].filter { $0.0 }
        guard modes.count <= 1 else {
            throw BenchError("give one of \(modes.map(\.1).joined(separator: ", ")), not several: each is a mode of its own")
        }
        timing.mode = modes.first?.2 ?? .timed
        timing.probes = !noProbes
        let memory = maxMemory ?? defaultMaxMemoryBytes()
        let runID = String(stableRunID(), radix: 16)
        let runner = try PointRunner(timing: timing, maxMemoryBytes: memory, runID: runID, layoutSeed: seed)
        let rows: [ResultRow], paths: OutputPaths
        if processes == 1 {
            let driver = try SweepRunner(
                runner: runner, sweep: sweep, points: points, output: out, resume: resume, seed: seed)
            rows = try driver.run(progress: Progress(quiet: quiet))
            paths = driver.paths
        } else {
            let driver = try ProcessSweep(
                runner: runner, sweep: sweep, points: points, processes: processes, seed: seed,
                output: out, resume: resume, executable: Subprocess.currentExecutable,
                childArguments: Self.childArguments(CommandLine.arguments))
            rows = try driver.run { if !quiet { FileHandle.standardError.write(Data("\($0)\n".utf8)) } }
            paths = driver.paths
        }
        print(Summary.table(rows), terminator: "")
        if processes == 1 {
            print(
                "one process: these times say how fast, not whether a change made it slower (for compare's verdicts, --processes 3 or more)"
            )
        }
        print("wrote \(paths.results), \(paths.samples), \(paths.context)")
        let bad = rows.filter { $0.status == .wrong || $0.status == .error }
        if !rows.isEmpty && rows.allSatisfy({ $0.status == .skipped }) {
            throw BenchError("every point was skipped (\(rows[0].error)); nothing was measured")
        }
        if !bad.isEmpty {
            throw BenchError(
                "\(bad.count) point\(bad.count == 1 ? "" : "s") failed: \(bad.map { "\($0.point.name) (\($0.status.rawValue))" }.joined(separator: ", "))"
            )
        }
    }

    /// The options a child of `--processes` repeats: all given, less those the parent sets for
    /// each child (its file, its seed, quiet, no probes) and --processes itself.
    static func childArguments(_ arguments: [String]) -> [String] {
        let withValue: Set<String> = ["--out", "--resume", "--processes", "--seed"]
        let flags: Set<String> = ["--quiet", "--no-probes"]
        var kept: [String] = []
        var skipNext = false
        for argument in arguments.drop(while: { $0 != "sweep" }).dropFirst() {
            if skipNext { skipNext = false; continue }
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            if withValue.contains(argument) { skipNext = true; continue }
            if withValue.contains(name) || flags.contains(argument) { continue }
            kept.append(argument)
        }
        return kept
    }

    private func stableRunID() -> UInt64 {
        UInt64(Date().timeIntervalSince1970 * 1e6) ^ UInt64(getpid()) << 48
    }
}

/// "512M", "2G", "1048576" → bytes.
func parseBytes(_ text: String) throws -> Int {
    let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
    var digits = text.uppercased()
    var scale = 1
    if let last = digits.last, let unit = units[last] {
        scale = unit
        digits.removeLast()
    }
    guard let value = Double(digits), value > 0, value * Double(scale) < 9e18 else {
        throw BenchError("'\(text)': expected bytes like 8G, 512M or 1048576")
    }
    return Int(value * Double(scale))
}
