import DeformConv
import Foundation

/// `dcnbench list --json`: every selected point's fields under the results file's column names,
/// with what Swift derives from them (the shape, the design, the FLOPs and the output's size), and
/// the results file's columns. The contract with the scripts (`scripts/peers`, `compare-peers.sh`):
/// they read these fields and never take a point name apart or recompute a FLOP count.
public struct PointListing: Codable, Equatable, Sendable {
    public struct Point: Codable, Equatable, Sendable {
        public var name: String
        /// The name after its variant: a peer's row is named `peer:NAME/` + this.
        public var nameWithoutVariant: String
        public var variant: String
        public var version: String
        public var batch: Int
        public var inChannels: Int
        public var outChannels: Int
        public var height: Int
        public var width: Int
        public var kernelH: Int
        public var kernelW: Int
        public var stride: Int
        public var padding: Int
        public var dilation: Int
        public var groups: Int
        public var offsetGroups: Int
        public var threads: Int
        public var placement: String
        public var layout: String
        public var weights: String
        public var direction: String
        /// The problem without the design and the run configuration (`BenchPoint.shapeName`).
        public var shape: String
        /// The variant with its layout, weights and direction when not the defaults
        /// (`BenchPoint.design`).
        public var design: String
        /// Floating-point operations of one call, as GFLOP/s counts them.
        public var flops: Double
        public var outHeight: Int
        public var outWidth: Int
        /// N·C_out·H_out·W_out.
        public var outputElements: Int
    }

    public var schemaVersion: Int
    /// The results file's columns, in order: what a writer of rows (the peers') writes.
    public var columns: [String]
    public var points: [Point]

    public init(_ points: [BenchPoint]) throws {
        schemaVersion = ResultRow.schemaVersion
        columns = ResultRow.header
        self.points = try points.map(Point.init)
    }

    /// Pretty JSON with snake_case keys, the results file's spelling.
    public func json() throws -> Data { try SnakeCaseJSON.encode(self) }
}

extension PointListing.Point {
    /// The point's fields and what Swift derives from them.
    public init(_ p: BenchPoint) throws {
        let g = try p.geometry()
        self.init(
            name: p.name, nameWithoutVariant: p.nameWithoutVariant, variant: p.variant.rawValue,
            version: p.version.rawValue, batch: p.batch,
            inChannels: p.inChannels, outChannels: p.outChannels, height: p.height, width: p.width,
            kernelH: p.kernel.h, kernelW: p.kernel.w, stride: p.stride, padding: p.padding, dilation: p.dilation,
            groups: p.groups, offsetGroups: p.offsetGroups, threads: p.threads, placement: p.placement.description,
            layout: p.layout.rawValue, weights: p.weights.rawValue, direction: p.direction.rawValue,
            shape: p.shapeName, design: p.design, flops: p.flops(g), outHeight: g.outHeight, outWidth: g.outWidth,
            outputElements: g.outputShape.reduce(1, *))
    }
}
