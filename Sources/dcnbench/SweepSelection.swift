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

    @Option(help: "Variants, comma-separated (\(KernelVariant.allCases.map(\.rawValue).joined(separator: ", "))).")
    var variants: String?
    @Option(help: "DCN versions: v1, v2.") var versions: String?
    @Option(help: "Batch sizes N.") var batch: String?
    @Option(help: "Channels (C_in = C_out), replacing the sweep's shapes together with --hw.") var channels: String?
    @Option(help: "Square input sizes H = W, replacing the sweep's shapes together with --channels.") var hw: String?
    @Option(help: "Kernel sizes, e.g. 3 or 3x2.") var kernel: String?
    @Option(help: "Strides.") var stride: String?
    @Option(help: "Paddings.") var padding: String?
    @Option(help: "Dilations.") var dilation: String?
    @Option(help: "Convolution groups.") var groups: String?
    @Option(name: .customLong("offset-groups"), help: "Offset groups.") var offsetGroups: String?
    @Option(help: "Thread counts, e.g. 1,2.") var threads: String?
    @Option(help: "Placements: close, spread, none, pus:LIST; comma-separated, or ;-separated when a PU list (pus:0,1) is among them.") var placement: String?

    @Option(help: "Input/output layouts: nchw, nhwc.") var layouts: String?
    @Option(help: "When the weights are given: call (with every call), prepared (once, before the calls).") var weights: String?
    @Option(help: "Passes timed: fwd, bwd (every gradient; naive and blockedGather), fwd+bwd.") var directions: String?

    @Option(help: "Only points whose name matches this regular expression.")
    var filter: String?

    /// Whether no option was given.
    var isEmpty: Bool {
        [preset, sweepFile, variants, versions, batch, channels, hw, kernel, stride, padding, dilation, groups,
         offsetGroups, threads, placement, layouts, weights, directions, filter].allSatisfy { $0 == nil }
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
        o.variants = try list(variants, "variants") { try KernelVariant(named: $0) }
        o.versions = try list(versions, "versions") {
            guard let v = DCNVersion(rawValue: $0) else { throw BenchError("--versions: '\($0)' is not v1 or v2") }
            return v
        }
        o.batch = try ints(batch, "batch")
        o.channels = try ints(channels, "channels")
        o.sizes = try ints(hw, "hw")
        o.kernels = try list(kernel, "kernel") { try parseExtent($0) }
        o.strides = try ints(stride, "stride")
        o.paddings = try ints(padding, "padding")
        o.dilations = try ints(dilation, "dilation")
        o.groups = try ints(groups, "groups")
        o.offsetGroups = try ints(offsetGroups, "offset-groups")
        o.threads = try ints(threads, "threads")
        o.placements = try list(placement, "placement", separator: ";") { try Placement(parsing: $0) }
        o.layouts = try list(layouts, "layouts") { try TensorLayout(named: $0) }
        o.weights = try list(weights, "weights") { name in
            guard let mode = WeightsMode(rawValue: name) else {
                throw BenchError("'\(name)' is not call or prepared")
            }
            return mode
        }
        o.directions = try list(directions, "directions") { name in
            guard let direction = Direction(rawValue: name) else { throw BenchError("'\(name)' is not fwd, bwd or fwd+bwd") }
            return direction
        }
        let sweep = try base.applying(o)
        return (sweep, try sweep.points(matching: filter))
    }

    private func list<T>(_ text: String?, _ option: String, separator: Character = ",", _ parse: (String) throws -> T) throws -> [T]? {
        guard let text else { return nil }
        // Placements may themselves hold commas (pus:0,1): split those on ';' only if present.
        let items = separator == ";" && !text.contains(";") && !text.contains("pus:")
            ? text.split(separator: ",", omittingEmptySubsequences: false)
            : text.split(separator: separator, omittingEmptySubsequences: false)
        guard !text.isEmpty else { throw BenchError("--\(option) needs at least one value") }
        return try items.map { item in
            do { return try parse(String(item).trimmingCharacters(in: .whitespaces)) } catch {
                throw BenchError("--\(option): \(error)")
            }
        }
    }

    private func ints(_ text: String?, _ option: String) throws -> [Int]? {
        try list(text, option) {
            guard let value = Int($0) else { throw BenchError("'\($0)' is not an integer") }
            return value
        }
    }
}
