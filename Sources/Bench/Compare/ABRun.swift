import DeformConvReference
import Foundation

/// `dcnbench ab BASELINE CURRENT [sweep options]`: two executables measured in alternating
/// fresh processes, then compared with the process as the unit of repetition.
///
/// Each process is a plain `sweep` of the given options by one executable, into its own file
/// (`DIR/A-k.csv`, `DIR/B-k.csv`). Sides alternate in ABBA blocks (A B, B A, A B, …), so a
/// drift of the machine during the run hits both alike, and processes of one side never run
/// beside the other's. Process k of both sides gets the same `--seed`, so the two builds see the
/// same layouts of their tensors. A pilot of two blocks (two processes a side) measures the
/// spread between processes; K, the processes per side, is then the count that would detect a
/// change of the tolerance with 80 % power at that spread, at least 3 (compare's minimum), at
/// most `maxProcesses`, and within `maxSeconds` as the pilot's processes lasted.
public final class ABRun {
    public struct Options: Sendable {
        public var baseline: String
        public var current: String
        public var sweepArguments: [String]
        public var directory: String
        /// Processes a side; nil chooses from the pilot.
        public var processes: Int?
        public var maxProcesses = 20
        public var maxSeconds = 1200.0
        public var seed: UInt64 = 1
        public var compare = CompareOptions()

        public init(baseline: String, current: String, sweepArguments: [String], directory: String) {
            self.baseline = baseline
            self.current = current
            self.sweepArguments = sweepArguments
            self.directory = directory
        }
    }

    public struct Outcome {
        public var comparison: Comparison
        public var processes: Int
    }

    let options: Options
    private let say: (String) -> Void
    private var order: [String] = []

    public init(options: Options, log: @escaping (String) -> Void) throws {
        var o = options
        for (which, path) in [("BASELINE", o.baseline), ("CURRENT", o.current)] {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw BenchError("ab: \(which) \(path) is not an executable file (give the path of a built dcnbench)")
            }
        }
        o.baseline = URL(fileURLWithPath: o.baseline).standardizedFileURL.path
        o.current = URL(fileURLWithPath: o.current).standardizedFileURL.path
        if let k = o.processes, k < 3 || k > 1000 {
            throw BenchError("ab: --processes must be from 3 to 1000 (compare needs 3 a side for a verdict)")
        }
        guard o.maxProcesses >= 3, o.maxProcesses <= 1000 else {
            throw BenchError("ab: --max-processes must be from 3 to 1000")
        }
        guard o.maxSeconds > 0, o.maxSeconds <= 7 * 86400 else {
            throw BenchError("ab: --max-time must be in (0, 604800] seconds")
        }
        let reserved: Set<String> = [
            "--out", "--resume", "--seed", "--processes", "--quiet", "--no-probes", "--dry-run", "--instructions",
        ]
        if let bad = o.sweepArguments.first(where: { reserved.contains(String($0.split(separator: "=").first ?? "")) })
        {
            throw BenchError(
                "ab: \(bad) is set by ab for each process (or times nothing); leave it out of the sweep options")
        }
        let fm = FileManager.default
        if fm.fileExists(atPath: o.directory) {
            guard (try? fm.contentsOfDirectory(atPath: o.directory))?.isEmpty == true else {
                throw BenchError("ab: --out \(o.directory) exists and is not an empty folder; name a new one")
            }
        } else {
            do { try fm.createDirectory(atPath: o.directory, withIntermediateDirectories: true) } catch {
                throw BenchError("ab: cannot create \(o.directory): \(error.localizedDescription)")
            }
        }
        self.options = o
        say = log
    }

    public func run() throws -> Outcome {
        var files: [[String]] = [[], []]  // baseline, current
        var seconds: [Double] = []
        let start = Date()
        func block(_ index: Int) throws {
            // ABBA: even blocks run the baseline first, odd blocks the current.
            for side in index % 2 == 0 ? [0, 1] : [1, 0] {
                let k = files[side].count
                let path = "\(options.directory)/\(side == 0 ? "A" : "B")-\(k + 1).csv"
                let began = Date()
                try runProcess(
                    side == 0 ? options.baseline : options.current, path: path,
                    seed: stableHash("\(options.seed)/ab \(k)"))
                seconds.append(Date().timeIntervalSince(began))
                files[side].append(path)
                order.append(
                    "\(ISO8601DateFormatter().string(from: began)) \(side == 0 ? "A" : "B")-\(k + 1) \(String(format: "%.1f", seconds.last!)) s"
                )
            }
        }
        try block(0)
        try block(1)
        let pilot = try Self.spread(files[0], files[1])
        let perProcess = seconds.reduce(0, +) / Double(seconds.count)
        var k = options.processes ?? 0
        if options.processes == nil {
            let needed = Self.processesNeeded(spread: pilot ?? 0, tolerance: options.compare.tolerance)
            let affordable = Int((options.maxSeconds - Date().timeIntervalSince(start)) / (2 * perProcess)) + 2
            k = max(3, min(needed, options.maxProcesses, affordable))
        }
        say(
            String(
                format: "pilot: between-process spread %@ (median over points); %d processes a side (%.0f s each)",
                pilot.map { String(format: "%.1f%%", $0 * 100) } ?? "-", k, perProcess))
        var index = 2
        while files[0].count < k || files[1].count < k {
            try block(index)
            index += 1
        }
        try (order.joined(separator: "\n") + "\n").write(
            toFile: "\(options.directory)/order.txt", atomically: true, encoding: .utf8)
        let comparison = try Comparison.compare(
            baseline: ResultSet(paths: files[0]), current: ResultSet(paths: files[1]),
            options: options.compare)
        return Outcome(comparison: comparison, processes: k)
    }

    private func runProcess(_ executable: String, path: String, seed: UInt64) throws {
        let name = URL(fileURLWithPath: path).lastPathComponent
        say("\(name): \(executable)")
        let arguments =
            ["sweep"] + options.sweepArguments + ["--out", path, "--seed", "\(seed)", "--quiet", "--no-probes"]
        let outcome = try Subprocess.run(executable, arguments)
        // A sweep whose points failed (wrong, error) exits 1 with its file written; compare shows
        // those points as inconclusive. No file is the process failing to run.
        guard FileManager.default.fileExists(atPath: OutputPaths(results: path).context) else {
            throw BenchError(
                "ab: \(executable) \(arguments.joined(separator: " ")) failed (exit \(outcome.status)): \(outcome.errors.suffix(2000))"
            )
        }
    }

    /// The median over points of the larger of the two sides' between-process CVs.
    static func spread(_ a: [String], _ b: [String]) throws -> Double? {
        let sides = try [a, b].map { try ResultSet(paths: $0) }
        let cvs = sides[0].order.compactMap { name -> Double? in
            let each = sides.compactMap { side -> Double? in
                guard let samples = side.samples[name] else { return nil }
                return ProcessGroups(samples).betweenProcessCV
            }
            return each.max()
        }.sorted()
        return cvs.isEmpty ? nil : Statistics.percentile(cvs, 0.5)
    }

    /// Processes a side for 80 % power to detect a change of `tolerance` at the 5 % level when
    /// process medians spread by `spread` (a CV): 2·(z₀.₉₇₅ + z₀.₈)²·σ²/δ² with σ and δ on the
    /// log scale, plus one for the t distribution's heavier tails at small K; at least 3.
    public static func processesNeeded(spread: Double, tolerance: Double) -> Int {
        let delta = log(1 + tolerance), sigma = log(1 + spread)
        let n = 2 * pow(1.959964 + 0.841621, 2) * sigma * sigma / (delta * delta)
        return max(3, Int(n.rounded(.up)) + 1)
    }
}
