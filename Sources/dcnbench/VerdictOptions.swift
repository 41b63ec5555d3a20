import ArgumentParser
import Bench
import Foundation

/// How a comparison decides and where its reports go: shared by `compare` and `ab`.
struct VerdictOptions: ParsableArguments {
    @Flag(
        help:
            "Judge times divided by the in-run reference kernel's (for baselines from another or a busier machine; on a busy VM it also takes out processes that ran on a slower CPU)."
    )
    var normalize = false
    @Option(help: "Relative tolerance (default 0.05).") var tolerance: Double?
    @Option(
        help: "Thresholds file: {\"default\": 0.05, \"variants\": {...}, \"points\": {...}, \"instructions\": 0.01}.")
    var thresholds: String?
    @Option(
        name: .customLong("min-processes"), help: "Processes a side needs for a timing verdict (default 3, at least 2)."
    ) var minProcesses: Int?
    @Option(help: "Write a Markdown summary here.") var markdown: String?
    @Option(help: "Write the verdict as JSON here.") var json: String?

    /// The options, each checked, naming the option at fault.
    func compareOptions() throws -> CompareOptions {
        var options = CompareOptions()
        options.normalize = normalize
        if let thresholds { try options.loadThresholds(thresholds) }
        if let tolerance {
            guard tolerance > 0, tolerance < 10 else { throw BenchError("--tolerance must be a fraction such as 0.05") }
            options.tolerance = tolerance
        }
        if let minProcesses {
            guard minProcesses >= 2, minProcesses <= 10_000 else {
                throw BenchError("--min-processes must be from 2 to 10000")
            }
            options.minProcesses = minProcesses
        }
        return options
    }

    /// Throws unless the report files may be written (see `OutputFile`): checked before the
    /// inputs are read.
    func checkOutputs(inputs: [String]) throws {
        for (option, target) in [("--markdown", markdown), ("--json", json)] {
            if let target { try OutputFile.check(target, option: option, inputs: inputs) }
        }
    }

    /// Writes the reports asked for.
    func write(_ comparison: Comparison, inputs: [String]) throws {
        if let markdown {
            try OutputFile.write(Data(comparison.markdown.utf8), to: markdown, option: "--markdown", inputs: inputs)
        }
        if let json { try OutputFile.write(try comparison.json(), to: json, option: "--json", inputs: inputs) }
    }
}
