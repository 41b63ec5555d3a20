import CTargetFeatures
import DeformConv
import Foundation
import Topology

/// The JSON sidecar of a sweep (`…-context.json`): where, when and with what it ran.
public struct RunContext: Codable, Equatable, Sendable {
    public var runID: String
    public var dcnbenchVersion: String
    public var date: String
    public var host: String
    public var cpuModel: String
    public var machine: MachineSummary
    /// PUs the process may use, and the union of those the workers ran on.
    public var allowedCPUs: String
    public var usedCPUs: String?
    public var loadAverage: [Double]
    /// Steal time (USER_HZ ticks, all CPUs) from /proc/stat before and after: another tenant
    /// taking this VM's CPUs.
    public var stealTicksBefore: UInt64?
    public var stealTicksAfter: UInt64?
    public var swiftVersion: String
    public var buildConfiguration: String
    public var buildFlags: String
    public var gitCommit: String?
    public var gitDirty: Bool?
    public var sweep: String
    public var timing: TimingOptions
    public var cacheBytes: Int
    public var maxMemoryBytes: Int
    public var configID: String
    /// FMA peak and triad bandwidth measured at the start of the run, per thread count.
    public var probes: [Probes.Measurement]?
    /// `sweep --processes K`: the child process that took each process's samples, with the
    /// machine's state when it started. Absent for a run measured in its own process.
    public var processes: [ProcessRecord]?

    /// One child process of a `sweep --processes` run.
    public struct ProcessRecord: Codable, Equatable, Sendable {
        /// The `process` column of its samples.
        public var index: Int
        /// Its `--seed` (the tensors' layout within pages).
        public var seed: UInt64
        /// The run id it wrote its own files under.
        public var runID: String
        public var date: String
        public var allowedCPUs: String
        public var loadAverage: [Double]
        public var stealTicksBefore: UInt64?
        public var stealTicksAfter: UInt64?
    }

    /// Every field, as a sweep writes them; for tools and tests that write a context of their own.
    public init(
        runID: String, dcnbenchVersion: String, date: String, host: String, cpuModel: String, machine: MachineSummary,
        allowedCPUs: String, usedCPUs: String?, loadAverage: [Double], stealTicksBefore: UInt64?,
        stealTicksAfter: UInt64?, swiftVersion: String, buildConfiguration: String, buildFlags: String,
        gitCommit: String?, gitDirty: Bool?, sweep: String, timing: TimingOptions, cacheBytes: Int, maxMemoryBytes: Int,
        configID: String, probes: [Probes.Measurement]?
    ) {
        self.runID = runID
        self.dcnbenchVersion = dcnbenchVersion
        self.date = date
        self.host = host
        self.cpuModel = cpuModel
        self.machine = machine
        self.allowedCPUs = allowedCPUs
        self.usedCPUs = usedCPUs
        self.loadAverage = loadAverage
        self.stealTicksBefore = stealTicksBefore
        self.stealTicksAfter = stealTicksAfter
        self.swiftVersion = swiftVersion
        self.buildConfiguration = buildConfiguration
        self.buildFlags = buildFlags
        self.gitCommit = gitCommit
        self.gitDirty = gitDirty
        self.sweep = sweep
        self.timing = timing
        self.cacheBytes = cacheBytes
        self.maxMemoryBytes = maxMemoryBytes
        self.configID = configID
        self.probes = probes
    }

    public static let dcnbenchVersion = "0.1.0"

    static var buildConfiguration: String {
        #if DEBUG
            "debug"
        #else
            "release"
        #endif
    }

    /// Whether the kernels were built for the host's vectors (valgrind cannot run them).
    public static var isNativeBuild: Bool {
        #if DCNBENCH_NATIVE
            true
        #else
            false
        #endif
    }

    /// The target flags and the GEMM micro-kernel they imply (8x32 for 32 vector registers, 6x16
    /// for 16), since the same code runs a different tile on an AVX-512 and an AVX2 build.
    static var buildFlags: String {
        #if DCNBENCH_NATIVE
            "-target-cpu \(targetCPU) (\(CPUFeatures(rawValue: UInt32(dcn_required_features())))), micro-kernel \(MicroKernelTile.native.rawValue)"
        #else
            "portable (DCNBENCH_PORTABLE=1), micro-kernel \(MicroKernelTile.native.rawValue)"
        #endif
    }

    /// DCNBENCH_TARGET_CPU of the build (native, x86-64-v3, x86-64-v4, a CPU name), or portable.
    public static var targetCPU: String { String(cString: dcn_target_cpu()) }

    /// The compiler this binary was built with, to the minor version.
    static var swiftVersion: String {
        #if compiler(>=6.4)
            "6.4 or later"
        #elseif compiler(>=6.3)
            "6.3"
        #elseif compiler(>=6.2)
            "6.2"
        #elseif compiler(>=6.1)
            "6.1"
        #else
            "6.0"
        #endif
    }

    /// The host's name (the system's node name).
    public static var hostName: String {
        ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "unknown"
    }

    static func loadAverage() -> [Double] {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }

    /// Field 8 (steal) of the aggregate `cpu` line of /proc/stat.
    static func stealTicks() -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        else { return nil }
        let fields = line.split(separator: " ")
        return fields.count > 8 ? UInt64(fields[8]) : nil
    }

    /// The commit and dirty flag of the git checkout in the current directory, if any.
    static func gitState() -> (commit: String?, dirty: Bool?) {
        func git(_ arguments: [String]) -> String? {
            guard let run = try? Subprocess.run("/usr/bin/env", ["git"] + arguments), run.status == 0 else {
                return nil
            }
            return run.output
        }
        guard let commit = git(["rev-parse", "HEAD"])?.trimmingCharacters(in: .whitespacesAndNewlines) else {
            return (nil, nil)
        }
        let status = git(["status", "--porcelain", "--untracked-files=no"]) ?? ""
        return (commit, !status.isEmpty)
    }

    /// The part of the context that makes two measurements comparable: `--resume` reuses rows
    /// only with the same id.
    static func configID(timing: TimingOptions, machine: MachineSummary, cacheBytes: Int) -> String {
        let key =
            "\(dcnbenchVersion)|\(buildConfiguration)|\(buildFlags)|\(swiftVersion)|\(machine.cpuModel)|\(machine.allowedCPUs)|\(cacheBytes)|\(timing.minSampleSeconds)|\(timing.samples)|\(timing.warmupSeconds)|\(timing.maxSecondsPerPoint)|\(timing.mode == .interleaved)|\(timing.mode == .instructionCount)|\(timing.mode == .dryRun)|\(timing.referenceSteps)"
        return String(stableHash(key), radix: 16)
    }
}
