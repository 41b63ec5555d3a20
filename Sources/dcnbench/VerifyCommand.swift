import ArgumentParser
import Bench
import DeformConv
import Foundation

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run every variant on every case of a golden-vector directory and report the errors.",
        discussion: """
            DIR is laid out as docs/golden-format.md describes (index.json, one folder per case). \
            Checks the output of every variant and, for the designs with a backward pass (naive, \
            blockedGather), every gradient the case stores. Prints per case and variant the worst \
            error as a fraction of the float32 tolerance for each tensor and the max abs/rel errors; \
            exits 1 if any element is out of tolerance.

            Examples:
              dcnbench verify ../shared/testdata/deform-conv-golden
              dcnbench verify Tests/DeformConvTests/Golden
            """
    )

    @Argument(help: "Golden-vector directory.") var directory: String

    func run() throws {
        let outcomes = try Verify.run(directory: URL(fileURLWithPath: directory))
        print(Verify.table(outcomes), terminator: "")
        let failed = outcomes.filter { !$0.passed }
        if !failed.isEmpty {
            throw BenchError("\(failed.count) case/variant pair\(failed.count == 1 ? "" : "s") out of tolerance")
        }
    }
}
