import ArgumentParser
import Bench
import Foundation

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shards of a sweep, or runs from several machines, into one results file.",
        discussion: """
            Writes OUT.csv with every row of the inputs (each keeps its run_id, host and config_id), \
            OUT-samples.csv with each row's own samples, and OUT-context.json with every run's \
            context. Refuses inputs of different schema versions, a point that two inputs hold, an \
            input without its samples or context, and an OUT that exists or is an input.

            Examples:
              dcnbench sweep --preset smoke --shard 1/2 --out a.csv
              dcnbench sweep --preset smoke --shard 2/2 --out b.csv
              dcnbench merge smoke.csv a.csv b.csv
            """
    )

    @Argument(help: "The merged results file (NAME.csv; must not exist).") var output: String
    @Argument(help: "Results files to merge (their samples and context files beside them).") var inputs: [String]

    func run() throws {
        let summary = try Merge.run(output: output, inputs: inputs)
        print(
            "merged \(summary.rows) rows, \(summary.samples) samples, \(summary.runs) run\(summary.runs == 1 ? "" : "s") into \(output)"
        )
    }
}
