import ArgumentParser
import CTargetFeatures
import Foundation
import StoreCommands
import Topology

@main
struct DCNBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dcnbench",
        abstract: "Deformable convolution on the CPU: kernels, pinned threads, benchmarks.",
        discussion:
            "Exit codes: 0 success; 1 a usage or input error, or a failed point or check; compare also uses 2, 3 and 4 (see `dcnbench compare --help`).",
        version: "0.1.0",
        subcommands: [
            SweepCommand.self, ABCommand.self, MergeCommand.self, CompareCommand.self, ReportCommand.self,
            ListCommand.self, VerifyCommand.self, TopologyCommand.self, ProbeCommand.self,
            StoreCommand.self, HistoryCommand.self, DashboardCommand.self, ChangePointsCommand.self,
            RunPointCommand.self,
        ]
    )

    /// `--threads -1` as `--threads=-1`: ArgumentParser reads a value that starts with a dash as
    /// the next option and says "Missing value", where the option's own check should say what
    /// it takes. Only an option name followed by a negative number (or a shard like -1/2).
    static func joiningNegativeValues(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            if argument.hasPrefix("--"), !argument.contains("="), i + 1 < arguments.count,
                arguments[i + 1].range(of: #"^-[0-9.]"#, options: .regularExpression) != nil
            {
                result.append("\(argument)=\(arguments[i + 1])")
                i += 2
            } else {
                result.append(argument)
                i += 1
            }
        }
        return result
    }

    /// Like ArgumentParser's, except that usage errors exit 1 (not 64), so that scripts see one
    /// code for every kind of bad input and compare's verdict codes stay unambiguous.
    static func main() {
        // Before any code built for the target runs: a CPU without its features would stop on
        // an illegal instruction somewhere, with no word on why.
        if let problem = BuildTarget.problem(
            target: String(cString: dcn_target_cpu()),
            required: CPUFeatures(rawValue: UInt32(dcn_required_features())), available: .host)
        {
            FileHandle.standardError.write(Data("Error: \(problem)\n".utf8))
            Foundation.exit(1)
        }
        do {
            var command = try parseAsRoot(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Foundation.exit(0)
            }
            FileHandle.standardError.write(
                Data(
                    (message.hasPrefix("Error:") || message.contains("Usage:") ? message : "Error: \(message)").utf8 + [
                        10
                    ]))
            Foundation.exit(1)
        }
    }
}
