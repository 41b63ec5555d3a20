import ArgumentParser

@main
struct DCNBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dcnbench",
        abstract: "Deformable convolution on the CPU: kernels, pinned threads, benchmarks.",
        version: "0.1.0",
        subcommands: [SweepCommand.self, ListCommand.self, VerifyCommand.self, TopologyCommand.self, RunPointCommand.self]
    )
}
