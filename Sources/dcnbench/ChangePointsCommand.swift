import ArgumentParser
import Bench
import Foundation
import StoreCommands

struct ChangePointsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changepoints",
        abstract: "The change points of any series of numbers (one per line), as history finds them.",
        discussion: """
            The detector of `dcnbench history`: E-divisive means with a seeded permutation test, \
            or with --counts every change beyond a tolerance (instruction counts). Prints one \
            change point per line (the index of the first value after it, 0-based, its p-value, \
            the medians of the segments before and after), or --json. docs/history.md.

            Examples:
              dcnbench changepoints series.txt
              seq 1 40 | awk '{print ($1 > 20) ? 1.1 : 1.0}' | dcnbench changepoints - --json
            """
    )

    @Argument(help: "A file of numbers, one per line; - for standard input.") var file: String
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "The series is of counts (instructions): a change beyond --count-tolerance is a change point.")
    var counts = false
    @Option(help: "With --counts: the relative change from a segment's median that is a change point.")
    var countTolerance = 0.0025
    @Option(help: "A split is a change point when the permutation test's p is at most this.") var significance = 0.001
    @Option(help: "Permutations per test.") var permutations = 999
    @Option(help: "Fewest values in a segment.") var minSegment = 3

    func run() throws {
        try DetectorOptions.check(significance: significance, permutations: permutations, minSegment: minSegment)
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = try InputFile.read(file, what: "series file")
        }
        let source = file == "-" ? "standard input" : file
        var values: [Double] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let value = Double(text), value.isFinite else {
                throw BenchError("\(source) line \(number + 1): '\(text.prefix(40))' is not a finite number; give one number per line")
            }
            values.append(value)
        }
        guard values.count <= 100_000 else {
            throw BenchError("\(source): \(values.count) values; the detector takes at most 100000 (it is quadratic)")
        }
        let points =
            counts
            ? ChangePointDetector.countSteps(values, tolerance: countTolerance)
            : ChangePointDetector(significance: significance, permutations: permutations, minSegment: minSegment)
                .detect(values)
        if json {
            FileHandle.standardOutput.write(try SnakeCaseJSON.encode(points) + Data("\n".utf8))
        } else {
            if points.isEmpty { print("no change point in \(values.count) values") }
            for p in points { print("\(p.index)  p \(p.pValue)  \(p.before) -> \(p.after)") }
        }
    }
}
