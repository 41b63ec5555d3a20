import Foundation

/// `dcnbench report --json`: the series every table of the report is made from, for the scripts
/// that draw them (`scripts/plot.py`). Swift owns each figure: the point's fields, shape, design
/// and FLOPs (as `dcnbench list --json` gives them), the pooling of files into processes, the
/// geometric mean of the process medians and its interval; a script only draws.
extension Report {
    public struct Document: Codable, Equatable, Sendable {
        /// Bumped when a field changes meaning or goes.
        public var formatVersion = 1
        public var sources: [String]
        /// The contexts of every run of the files (machine, build, probes), in file order.
        public var contexts: [RunContext]
        public var series: [Series]
    }

    public struct Series: Codable, Equatable, Sendable {
        public var point: PointListing.Point
        /// Processes that measured it, over all the files.
        public var processes: Int
        /// Geometric mean of the process medians (seconds per call).
        public var seconds: Double
        public var gflops: Double
        /// The error bar of `gflops`: with two processes or more the 95 % interval of the
        /// geometric mean (hierarchical bootstrap over processes, t with K − 1 degrees of
        /// freedom); with one, the GFLOP/s at its samples' p90 and p10 times.
        public var gflopsLow: Double
        public var gflopsHigh: Double
        /// "95 % interval over processes" or "p10–p90 of one process's samples".
        public var errorBar: String
        /// Compulsory bytes of the tensors; nil for a peer.
        public var tensorBytes: Int?
        /// FLOPs per compulsory byte; nil for a peer.
        public var intensity: Double?
        public var pctPeak: Double?
        public var betweenProcessCV: Double?
        public var withinProcessCV: Double?
    }

    public var document: Document {
        let series = rows.map { r -> Series in
            var low = r.gflops, high = r.gflops, bar = "none"
            let groups = r.groups
            if let seconds = groups.interval(of: .geometricMean, seed: Self.seed) {
                (low, high, bar) = (r.flops / seconds.high / 1e9, r.flops / seconds.low / 1e9, "95 % interval over processes")
            } else if let spread = r.sampleSpread, spread.p10 > 0, spread.p90 > 0 {
                (low, high, bar) = (
                    r.flops / spread.p90 / 1e9, r.flops / spread.p10 / 1e9, "p10–p90 of one process's samples"
                )
            }
            let within = r.withinCVs.sorted()
            return Series(
                point: r.point, processes: groups.count, seconds: r.median, gflops: r.gflops, gflopsLow: low,
                gflopsHigh: high, errorBar: bar, tensorBytes: r.tensorBytes,
                intensity: r.tensorBytes.flatMap { $0 > 0 ? r.flops / Double($0) : nil }, pctPeak: r.pctPeak,
                betweenProcessCV: groups.betweenProcessCV,
                withinProcessCV: within.isEmpty ? nil : Statistics.percentile(within, 0.5))
        }
        return Document(sources: sources, contexts: contexts, series: series)
    }

    /// Pretty JSON with snake_case keys, as `dcnbench list --json`.
    public func json() throws -> Data { try SnakeCaseJSON.encode(document) }
}
