import Foundation

/// Runs a program to its end and returns its exit status and both outputs (standard error read
/// beside standard output, so a chatty child cannot block on a full pipe). The one way the
/// harness starts processes: git for the context, valgrind for instruction counts (and the
/// command-line tests, the executable).
public enum Subprocess {
    public struct Outcome: Sendable {
        public var status: Int32
        public var output: String
        public var errors: String
    }

    /// This program's own executable (children of `sweep --processes`, valgrind's target).
    public static var currentExecutable: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    private final class Buffer: @unchecked Sendable { var data = Data() }

    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: URL? = nil
    ) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errorBuffer = Buffer(), group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            errorBuffer.data = errors.fileHandleForReading.readDataToEndOfFile()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            errors: String(decoding: errorBuffer.data, as: UTF8.self))
    }
}
