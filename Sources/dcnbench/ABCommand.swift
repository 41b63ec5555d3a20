import ArgumentParser
import Bench
import Foundation

struct ABCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ab",
        abstract: "Measure two dcnbench executables in alternating fresh processes and say what changed.",
        discussion: """
            Runs `sweep` with the given sweep options in child processes of BASELINE and CURRENT, \\
            alternately in ABBA blocks (never at once), K processes a side, each into its own file \\
            under --out; then judges every point as `compare` does, with the process as the unit \\
            of repetition. K comes from a pilot of 2 processes a side: the count that detects a \\
            change of the tolerance with 80% power at the measured spread between processes, at \\
            least 3, at most --max-processes, within --max-time. Executables, not revisions: \\
            compare build flags, toolchains or two checkouts (scripts/ab.sh builds two revisions \\
            and calls this). ab's own options go before the executables; everything after them is \\
            the sweep's.

            Exit codes as compare's: 0 no regression; 2 a regression; 3 inconclusive points (no \\
            regression); 4 improvements only; 1 usage or input error.

            Examples:
              dcnbench ab .build-a/release/dcnbench .build/release/dcnbench --preset smoke
              dcnbench ab --processes 5 --json v.json old/dcnbench new/dcnbench --preset default --filter blockedGather
              DCNBENCH_TARGET_CPU=x86-64-v3 swift build -c release --scratch-path .build-v3
              dcnbench ab .build-v3/release/dcnbench .build/release/dcnbench --variants blockedGather --threads 1
            """
    )

    @Option(help: "Folder for the processes' files (default results/ab-<host>-<UTC date>); must be new or empty.")
    var out: String?
    @Option(help: "Processes a side (at least 3); default: chosen from the pilot.") var processes: Int?
    @Option(name: .customLong("max-processes"), help: "Most processes a side when chosen from the pilot.")
    var maxProcesses = 20
    @Option(
        name: .customLong("max-time"),
        help: "Seconds the run may take when K is chosen from the pilot (K stays at least 3).") var maxTime = 1200.0
    @Option(help: "Seed of the layouts (process k of both sides shares one).") var seed: UInt64 = 1
    @OptionGroup var verdict: VerdictOptions
    @Flag(help: "No progress output.") var quiet = false

    @Argument(help: "The baseline's dcnbench executable.") var baseline: String
    @Argument(help: "The current dcnbench executable.") var current: String
    @Argument(
        parsing: .captureForPassthrough, help: "Sweep options, as `dcnbench sweep` takes them (default --preset smoke)."
    )
    var sweepOptions: [String] = []

    func run() throws {
        let directory = out ?? String(OutputPaths.defaultPath(sweep: "ab").dropLast(4))
        var options = ABRun.Options(
            baseline: baseline, current: current,
            sweepArguments: sweepOptions.isEmpty ? ["--preset", "smoke"] : sweepOptions, directory: directory)
        options.processes = processes
        options.maxProcesses = maxProcesses
        options.maxSeconds = maxTime
        options.seed = seed
        options.compare = try verdict.compareOptions()
        try verdict.checkOutputs(inputs: [])  // now, not after a run of many minutes
        let run = try ABRun(options: options) { if !quiet { FileHandle.standardError.write(Data("\($0)\n".utf8)) } }
        let outcome = try run.run()
        let comparison = outcome.comparison
        print(comparison.table, terminator: "")
        print("\(outcome.processes) processes a side; files in \(directory)")
        try verdict.write(comparison, inputs: [])
        if comparison.exitCode != 0 { throw ExitCode(comparison.exitCode) }
    }
}
