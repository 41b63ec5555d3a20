import DeformConv
import Foundation
import Topology

/// A problem size: channels in and out, and the input's height and width.
public struct Shape: Hashable, Codable, Sendable {
    public var inChannels: Int
    public var outChannels: Int
    public var height: Int
    public var width: Int

    public init(inChannels: Int, outChannels: Int, height: Int, width: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.height = height
        self.width = width
    }

    /// C channels in and out on an S×S input.
    public init(channels: Int, size: Int) {
        self.init(inChannels: channels, outChannels: channels, height: size, width: size)
    }
}

/// The axes of one block of a sweep; the block's points are their cartesian product, less the
/// combinations a design does not have:
/// - `naive` and `tiled` are single-threaded: only threads = 1;
/// - `dispatch` runs on Dispatch's threads, which cannot be pinned: only placement `none`;
/// - a backward (`bwd`, `fwd+bwd`) only for designs that have one (`naive`, `blockedGather`),
///   channels-last only on `blockedGather`, and with weights given per call (training's case).
public struct SweepAxes: Equatable, Sendable {
    public var variants: [KernelVariant]
    public var versions: [DCNVersion] = [.v1, .v2]
    public var batch: [Int] = [1]
    public var shapes: [Shape]
    public var kernels: [Extent2] = [Extent2(3)]
    public var strides: [Int] = [1]
    public var paddings: [Int] = [1]
    public var dilations: [Int] = [1]
    public var groups: [Int] = [1]
    public var offsetGroups: [Int] = [1]
    public var threads: [Int]
    public var placements: [Placement] = [.close]
    public var layouts: [TensorLayout] = [.nchw]
    public var weights: [WeightsMode] = [.call]
    public var directions: [Direction] = [.fwd]

    public init(
        variants: [KernelVariant], versions: [DCNVersion] = [.v1, .v2], batch: [Int] = [1], shapes: [Shape],
        kernels: [Extent2] = [Extent2(3)], strides: [Int] = [1], paddings: [Int] = [1], dilations: [Int] = [1],
        groups: [Int] = [1], offsetGroups: [Int] = [1], threads: [Int], placements: [Placement] = [.close],
        layouts: [TensorLayout] = [.nchw], weights: [WeightsMode] = [.call], directions: [Direction] = [.fwd]
    ) {
        self.variants = variants
        self.versions = versions
        self.batch = batch
        self.shapes = shapes
        self.kernels = kernels
        self.strides = strides
        self.paddings = paddings
        self.dilations = dilations
        self.groups = groups
        self.offsetGroups = offsetGroups
        self.threads = threads
        self.placements = placements
        self.layouts = layouts
        self.weights = weights
        self.directions = directions
    }

    /// Whether a design has the pass `direction` in `layout` with weights `mode`.
    static func exists(
        _ variant: KernelVariant, _ direction: Direction, _ layout: TensorLayout, _ mode: WeightsMode
    ) -> Bool {
        guard direction.runsBackward else { return true }
        return variant.hasBackward && (layout == .nchw || variant == .blockedGather) && mode == .call
    }

    /// The cartesian product of the axes, the problem's outermost (shape, version, batch, kernel,
    /// stride, padding, dilation, groups, offset groups), then the design and its run
    /// (variant, threads, placement, layout, weights, direction), less what a design lacks: one
    /// thread for a single-threaded variant, no placement for one that cannot be pinned, the
    /// passes and layouts of `exists`.
    public var points: [BenchPoint] {
        let counts = [
            shapes.count, versions.count, batch.count, kernels.count, strides.count, paddings.count,
            dilations.count, groups.count, offsetGroups.count, variants.count, threads.count,
            placements.count, layouts.count, weights.count, directions.count,
        ]
        return cartesianIndices(counts).compactMap { i -> BenchPoint? in
            let variant = variants[i[9]], threads = threads[i[10]]
            let layout = layouts[i[12]], mode = weights[i[13]], direction = directions[i[14]]
            guard variant.isMultiThreaded || threads == 1, variant.canBePinned || i[11] == 0,
                Self.exists(variant, direction, layout, mode)
            else { return nil }
            let shape = shapes[i[0]]
            return BenchPoint(
                variant: variant, version: versions[i[1]], batch: batch[i[2]], inChannels: shape.inChannels,
                outChannels: shape.outChannels, height: shape.height, width: shape.width, kernel: kernels[i[3]],
                stride: strides[i[4]], padding: paddings[i[5]], dilation: dilations[i[6]], groups: groups[i[7]],
                offsetGroups: offsetGroups[i[8]], threads: threads,
                placement: variant.canBePinned ? placements[i[11]] : .none, layout: layout, weights: mode,
                direction: direction)
        }
    }
}

/// Every combination of one index per axis (`counts[a]` values on axis a), the first axis
/// varying slowest: the order of nested loops over the axes.
func cartesianIndices(_ counts: [Int]) -> [[Int]] {
    counts.reduce([[]]) { prefixes, count in prefixes.flatMap { prefix in (0..<count).map { prefix + [$0] } } }
}

/// A sweep: the union of one or more blocks of axes, in order, without repeated points.
public struct Sweep: Equatable, Sendable {
    public var name: String
    public var blocks: [SweepAxes]

    public init(name: String, blocks: [SweepAxes]) {
        self.name = name
        self.blocks = blocks
    }

    /// Every point once, in the blocks' order, so that within a shape `naive` and 1-thread
    /// rows come before the rows whose speed-ups refer to them.
    public var points: [BenchPoint] {
        var seen = Set<String>()
        return blocks.flatMap(\.points).filter { seen.insert($0.name).inserted }
    }

    /// Command-line overrides: each non-nil list replaces that axis in every block; `channels`
    /// and `sizes` together (or either with the block's other values) replace the shapes by
    /// their product.
    public struct Overrides: Equatable, Sendable {
        public var variants: [KernelVariant]?
        public var versions: [DCNVersion]?
        public var batch: [Int]?
        public var channels: [Int]?
        public var sizes: [Int]?
        public var kernels: [Extent2]?
        public var strides: [Int]?
        public var paddings: [Int]?
        public var dilations: [Int]?
        public var groups: [Int]?
        public var offsetGroups: [Int]?
        public var threads: [Int]?
        public var placements: [Placement]?
        public var layouts: [TensorLayout]?
        public var weights: [WeightsMode]?
        public var directions: [Direction]?

        public init() {}

        var isEmpty: Bool { self == Overrides() }
    }

    /// The sweep with `overrides` applied; throws on empty lists or values out of range.
    public func applying(_ o: Overrides) throws -> Sweep {
        func positive(_ values: [Int]?, _ option: String, min: Int = 1) throws {
            guard let values else { return }
            guard !values.isEmpty else { throw BenchError("--\(option) needs at least one value") }
            if let bad = values.first(where: { $0 < min }) {
                throw BenchError("--\(option) \(bad): must be at least \(min)")
            }
        }
        try positive(o.batch, "batch")
        try positive(o.channels, "channels")
        try positive(o.sizes, "hw")
        try positive(o.strides, "stride")
        try positive(o.paddings, "padding", min: 0)
        try positive(o.dilations, "dilation")
        try positive(o.groups, "groups")
        try positive(o.offsetGroups, "offset-groups")
        try positive(o.threads, "threads")
        if let bad = o.threads?.first(where: { $0 > Self.maxThreads }) {
            throw BenchError("--threads \(bad): at most \(Self.maxThreads)")
        }
        var result = self
        result.blocks = blocks.map { block in
            var b = block
            if let v = o.variants { b.variants = v }
            if let v = o.versions { b.versions = v }
            if let v = o.batch { b.batch = v }
            if o.channels != nil || o.sizes != nil {
                // New channels keep each shape's H×W, new sizes its channels; both replace the
                // shapes outright (sizes × channels).
                let bases = o.channels != nil && o.sizes != nil ? [Shape(channels: 1, size: 1)] : b.shapes
                var seen = Set<Shape>()
                b.shapes = (o.sizes.map { $0.map(Optional.some) } ?? [nil]).flatMap { size in
                    bases.flatMap { base in
                        (o.channels.map { $0.map(Optional.some) } ?? [nil]).map { c in
                            Shape(
                                inChannels: c ?? base.inChannels, outChannels: c ?? base.outChannels,
                                height: size ?? base.height, width: size ?? base.width)
                        }
                    }
                }.filter { seen.insert($0).inserted }
            }
            if let v = o.kernels { b.kernels = v }
            if let v = o.strides { b.strides = v }
            if let v = o.paddings { b.paddings = v }
            if let v = o.dilations { b.dilations = v }
            if let v = o.groups { b.groups = v }
            if let v = o.offsetGroups { b.offsetGroups = v }
            if let v = o.threads { b.threads = v }
            if let v = o.placements { b.placements = v }
            if let v = o.layouts { b.layouts = v }
            // Weights not given: call, as in a sweep file's block without `weights`. A preset's
            // prepared-weights block belongs to its variant; with other variants asked for, it
            // must not turn them all into prepared runs of their own.
            if let v = o.weights { b.weights = v } else if o.variants != nil { b.weights = [.call] }
            if let v = o.directions { b.directions = v }
            return b
        }
        return result
    }

    /// The points whose names match `regex` (anywhere in the name); an error if it does not
    /// compile or matches nothing.
    public func points(matching regex: String?) throws -> [BenchPoint] {
        let all = points
        // Axes can combine to nothing (the naive kernel has no threads; tiled no backward): an
        // empty selection is an error, as a filter that matches nothing is.
        guard !all.isEmpty else {
            throw BenchError(
                "the axes of sweep '\(name)' select no point (e.g. a variant without the thread count, direction or layout asked for; see `dcnbench list`): widen them"
            )
        }
        guard let regex else { return all }
        let pattern: NSRegularExpression
        do { pattern = try NSRegularExpression(pattern: regex) } catch {
            throw BenchError("--filter '\(regex)' is not a valid regular expression")
        }
        let selected = all.filter {
            pattern.firstMatch(in: $0.name, range: NSRange($0.name.startIndex..., in: $0.name)) != nil
        }
        guard !selected.isEmpty else {
            throw BenchError("--filter '\(regex)' matches none of the \(all.count) points of sweep '\(name)'")
        }
        return selected
    }

    /// Every point's geometry, or an error naming the first invalid point and why.
    /// Thread counts above this are refused before anything is allocated: no machine this tool
    /// pins has that many PUs, and a pool of 2^32 threads would exhaust memory, not measure.
    public static let maxThreads = 4096

    public static func validate(_ points: [BenchPoint]) throws {
        for point in points {
            guard point.threads <= maxThreads else {
                throw BenchError("point \(point.name): \(point.threads) threads, more than \(maxThreads)")
            }
            do { _ = try point.geometry() } catch {
                throw BenchError("point \(point.name): \(error)")
            }
        }
    }
}
