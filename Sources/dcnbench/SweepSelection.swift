import ArgumentParser
import Bench
import DeformConv
import Topology

/// Which points: a preset or a sweep file, axis overrides, a filter. Shared by `sweep` and `list`.
struct SweepSelection: ParsableArguments {
    @Option(help: "Named sweep: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")) (see `dcnbench list`).")
    var preset: String?

    @Option(name: .customLong("sweep-file"), help: "Sweep from a JSON file (format: sweeps/README.md).")
    var sweepFile: String?

    @Option(
        help: "Variants, comma-separated (\(KernelVariant.allCases.map(\.rawValue).joined(separator: ", "))).",
        transform: { try ValueList($0) { try KernelVariant(named: $0) } })
    var variants: ValueList<KernelVariant>?
    @Option(help: "DCN versions: v1, v2.", transform: ValueList.named) var versions: ValueList<DCNVersion>?
    @Option(help: "Batch sizes N.", transform: ValueList.integers) var batch: ValueList<Int>?
    @Option(
        help: "Channels (C_in = C_out), replacing the sweep's shapes together with --hw.", transform: ValueList.integers
    )
    var channels: ValueList<Int>?
    @Option(
        help: "Square input sizes H = W, replacing the sweep's shapes together with --channels.",
        transform: ValueList.integers)
    var hw: ValueList<Int>?
    @Option(help: "Kernel sizes, e.g. 3 or 3x2.", transform: { try ValueList($0, parseExtent) }) var kernel:
        ValueList<Extent2>?
    @Option(help: "Strides.", transform: ValueList.integers) var stride: ValueList<Int>?
    @Option(help: "Paddings.", transform: ValueList.integers) var padding: ValueList<Int>?
    @Option(help: "Dilations.", transform: ValueList.integers) var dilation: ValueList<Int>?
    @Option(help: "Convolution groups.", transform: ValueList.integers) var groups: ValueList<Int>?
    @Option(name: .customLong("offset-groups"), help: "Offset groups.", transform: ValueList.integers) var offsetGroups:
        ValueList<Int>?
    @Option(help: "Thread counts, e.g. 1,2.", transform: ValueList.integers) var threads: ValueList<Int>?
    @Option(
        help:
            "Placements: close, spread, none, pus:LIST; comma-separated, or ;-separated when a PU list (pus:0,1) is among them.",
        transform: ValueList.placements)
    var placement: ValueList<Placement>?

    @Option(help: "Input/output layouts: nchw, nhwc.", transform: ValueList.named) var layouts: ValueList<TensorLayout>?
    @Option(
        help:
            "When the weights are given: call (with every call), prepared (once, before the calls). Default: call (a preset keeps its prepared block unless --variants is given).",
        transform: ValueList.named)
    var weights: ValueList<WeightsMode>?
    @Option(
        help: "Passes timed: fwd, bwd (every gradient; naive and blockedGather), fwd+bwd.", transform: ValueList.named)
    var directions: ValueList<Direction>?

    @Option(help: "Only points whose name matches this regular expression.")
    var filter: String?

    @Option(
        help:
            "Only shard K of N (e.g. 2/4) of the selected points: disjoint shards that together are the sweep, balanced by FLOPs, stable under reordering of the sweep.",
        transform: Shard.init(parsing:))
    var shard: Shard?

    /// Whether no option was given.
    var isEmpty: Bool {
        let given: [Any?] = [
            preset, sweepFile, variants, versions, batch, channels, hw, kernel, stride, padding, dilation, groups,
            offsetGroups, threads, placement, layouts, weights, directions, filter, shard,
        ]
        return given.allSatisfy { $0 == nil }
    }

    /// Resolves the sweep and its points; every error names the option.
    func points(cores: Int, pus: Int) throws -> (sweep: Sweep, points: [BenchPoint]) {
        guard preset == nil || sweepFile == nil else { throw BenchError("give --preset or --sweep-file, not both") }
        let base: Sweep
        if let sweepFile {
            base = try SweepFile.load(sweepFile, cores: cores)
        } else {
            base = try Preset.named(preset ?? "default").sweep(cores: cores, pus: pus)
        }
        var o = Sweep.Overrides()
        o.variants = variants?.values
        o.versions = versions?.values
        o.batch = batch?.values
        o.channels = channels?.values
        o.sizes = hw?.values
        o.kernels = kernel?.values
        o.strides = stride?.values
        o.paddings = padding?.values
        o.dilations = dilation?.values
        o.groups = groups?.values
        o.offsetGroups = offsetGroups?.values
        o.threads = threads?.values
        o.placements = placement?.values
        o.layouts = layouts?.values
        o.weights = weights?.values
        o.directions = directions?.values
        let sweep = try base.applying(o)
        let points = try sweep.points(matching: filter)
        return (sweep, shard.map { $0.select(points) } ?? points)
    }
}
