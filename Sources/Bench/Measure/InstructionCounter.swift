import Foundation

/// Counts the instructions of one kernel call with valgrind (cachegrind, cache simulation off):
/// deterministic, unlike time, whatever else the machine is doing.
///
/// The process is run twice, calling the kernel once and twice after identical set-up
/// (`dcnbench run-point NAME --calls K`); the difference is one call. Hash seeding is made
/// deterministic so the set-up executes the same instructions both times. valgrind cannot run
/// AVX-512 code, so this needs a portable build (`DCNBENCH_PORTABLE=1`).
public enum InstructionCounter {
    public static func valgrindPath() -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(directory)/valgrind"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Instructions of one call of `point`'s kernel, run by the `dcnbench` at `executable`.
    public static func count(point: BenchPoint, executable: String, valgrind: String) throws -> Int {
        let once = try total(point: point, calls: 1, executable: executable, valgrind: valgrind)
        let twice = try total(point: point, calls: 2, executable: executable, valgrind: valgrind)
        guard twice > once else {
            throw BenchError("instruction counts of \(point.name) did not grow with calls (\(once), \(twice))")
        }
        return twice - once
    }

    static func total(point: BenchPoint, calls: Int, executable: String, valgrind: String) throws -> Int {
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_DETERMINISTIC_HASHING"] = "1"
        let run = try Subprocess.run(
            valgrind,
            [
                "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                executable, "run-point", point.name, "--calls", "\(calls)",
            ],
            environment: environment)
        let text = run.errors
        guard run.status == 0 else {
            throw BenchError(
                "valgrind on \(point.name) exited \(run.status): \(text.split(separator: "\n").suffix(3).joined(separator: " | "))"
            )
        }
        // "==123== I   refs:      1,234,567"
        guard
            let line = text.split(separator: "\n").first(where: { $0.contains("I   refs:") || $0.contains("I refs:") }),
            let count = Int(line.split(separator: ":").last!.filter(\.isNumber))
        else {
            throw BenchError("no instruction count in valgrind's output for \(point.name)")
        }
        return count
    }
}
