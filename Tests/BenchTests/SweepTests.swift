import BenchTestSupport
import DeformConv
import Foundation
import Testing
import Topology

@testable import Bench

@Suite("Sweep expansion")
struct SweepTests {
    @Test("smoke on 2 cores: 36 points, named google-benchmark style, designs' own thread rules")
    func smoke() throws {
        let points = Preset.smoke.sweep(cores: 2, pus: 2).points
        // Per shape and version: naive t1, tiled t1, dispatch t1+t2 (none), blockedGather t1+t2
        // (close) forward; naive t1 and blockedGather t1+t2 backward.
        #expect(points.count == 2 * 2 * (6 + 3))
        #expect(
            points.filter { $0.direction == .bwd }.allSatisfy { $0.variant == .naive || $0.variant == .blockedGather })
        #expect(points.first?.name == "naive/fwd/v1/N1/C8/K8/12x12/k3x3/s1/p1/d1/g1/og1/t1/close")
        #expect(points.contains { $0.name == "blockedGather/fwd/v2/N1/C6/K10/9x7/k3x3/s2/p1/d1/g2/og3/t2/close" })
        #expect(points.filter { $0.variant == .naive || $0.variant == .tiled }.allSatisfy { $0.threads == 1 })
        #expect(points.filter { $0.variant == .dispatch }.allSatisfy { $0.placement == .none })
        #expect(Set(points.map(\.name)).count == points.count)
        try Sweep.validate(points)
    }

    @Test("a backward exists for naive and blockedGather only, channels-last for blockedGather only, weights per call")
    func directions() throws {
        let points = SweepAxes(
            variants: KernelVariant.allCases, versions: [.v2], shapes: [Shape(channels: 4, size: 6)],
            threads: [1], layouts: [.nchw, .nhwc], weights: [.call, .prepared],
            directions: Direction.allCases
        ).points
        let backward = points.filter { $0.direction != .fwd }
        #expect(
            Set(backward.map(\.name)) == [
                "naive/bwd/v2/N1/C4/K4/6x6/k3x3/s1/p1/d1/g1/og1/t1/close",
                "naive/fwd+bwd/v2/N1/C4/K4/6x6/k3x3/s1/p1/d1/g1/og1/t1/close",
                "blockedGather/bwd/v2/N1/C4/K4/6x6/k3x3/s1/p1/d1/g1/og1/t1/close",
                "blockedGather/fwd+bwd/v2/N1/C4/K4/6x6/k3x3/s1/p1/d1/g1/og1/t1/close",
                "blockedGather/bwd/v2/N1/C4/K4/6x6/k3x3/s1/p1/d1/g1/og1/t1/close/nhwc",
                "blockedGather/fwd+bwd/v2/N1/C4/K4/6x6/k3x3/s1/p1/d1/g1/og1/t1/close/nhwc",
            ])
        for point in backward { #expect(try BenchPoint(name: point.name) == point) }
        #expect(throws: BenchError.self) {
            try BenchPoint(name: "naive/sideways/v2/N1/C4/K4/6x6/k3x3/s1/p1/d1/g1/og1/t1/close")
        }
        var o = Sweep.Overrides()
        o.directions = [.bwd]
        let overridden = try Sweep(
            name: "x",
            blocks: [
                SweepAxes(
                    variants: [.tiled, .blockedGather], shapes: [Shape(channels: 4, size: 6)],
                    threads: [1])
            ]
        ).applying(o).points
        #expect(overridden.map(\.name).allSatisfy { $0.hasPrefix("blockedGather/bwd/") } && overridden.count == 2)
    }

    @Test("every preset expands to valid, uniquely named points")
    func presets() throws {
        for preset in Preset.allCases {
            let points = preset.sweep(cores: 2, pus: 4).points
            #expect(!points.isEmpty, "\(preset)")
            #expect(Set(points.map(\.name)).count == points.count, "\(preset)")
            try Sweep.validate(points)
        }
        let ids = Preset.default.sweep(cores: 2, pus: 2).points
        // 4 ResNet shapes × 2 versions × 6 points (naive, tiled, dispatch t1/t2, blockedGather
        // t1/t2 on 2 cores), + the detection layer without naive: 2 × 5, + blockedGather in NHWC
        // and with prepared weights on all 5 shapes: 2 × 5 × 2 versions × 2 thread counts.
        // And blockedGather's backward on all 5 shapes: 5 × 2 versions × 2 thread counts.
        #expect(ids.count == 4 * 2 * 6 + 2 * 5 + 2 * 5 * 2 * 2 + 5 * 2 * 2)
        #expect(ids.filter { $0.direction == .bwd }.allSatisfy { $0.name.hasPrefix("blockedGather/bwd/") })
        #expect(
            ids.filter { $0.layout == .nhwc }.allSatisfy {
                $0.name.hasSuffix("/close/nhwc") && $0.variant == .blockedGather
            })
        #expect(
            ids.filter { $0.weights == .prepared }.allSatisfy {
                $0.name.hasSuffix("/close/prepared") && $0.variant == .blockedGather
            })
        #expect(ids.filter { $0.weights == .prepared }.count == 5 * 2 * 2)
        for point in ids { #expect(try BenchPoint(name: point.name) == point) }
        #expect(
            Preset.threads.sweep(cores: 2, pus: 4).points.filter { $0.variant == .blockedGather }.map(\.threads).max()
                == 4)
        // The threads preset climbs geometrically: on 64 cores with SMT, 8 counts, not 128.
        #expect(Preset.ladder(cores: 64, pus: 128) == [1, 2, 4, 8, 16, 32, 64, 128])
        #expect(Preset.ladder(cores: 48, pus: 48) == [1, 2, 4, 8, 16, 32, 48])
        #expect(
            Preset.ladder(cores: 2, pus: 2) == [1, 2] && Preset.ladder(cores: 1, pus: 2) == [1, 2]
                && Preset.ladder(cores: 1, pus: 1) == [1])
        #expect(Set(Preset.threads.sweep(cores: 64, pus: 128).points.map(\.threads)) == [1, 2, 4, 8, 16, 32, 64, 128])
    }

    @Test("overrides replace axes; channels × hw replace the shapes")
    func overrides() throws {
        var o = Sweep.Overrides()
        o.variants = [.tiled, .blockedGather]
        o.threads = [1, 2]
        o.placements = [.close, .spread]
        o.channels = [64, 128]
        o.sizes = [28, 56]
        o.versions = [.v2]
        let points = try Preset.default.sweep(cores: 2, pus: 2).applying(o).points
        // 4 shapes × (tiled t1 close/spread + blockedGather t1,t2 × close/spread) = 4 × 6, in
        // NCHW, from the preset's channels-last block (its layout is not overridden) in NHWC, and
        // from its backward block blockedGather's 4 backward points per shape (tiled has no
        // backward). Its prepared-weights block, its variants overridden and no --weights
        // given, measures weights per call: the same points as the first block, counted once.
        #expect(points.count == 4 * 6 * 2 + 4 * 4)
        #expect(points.filter { $0.direction == .bwd }.allSatisfy { $0.variant == .blockedGather })
        #expect(points.allSatisfy { $0.weights == .call })
        #expect(points.filter { $0.layout == .nhwc }.count == 4 * 6)
        #expect(Set(points.map { "\($0.inChannels)@\($0.height)" }) == ["64@28", "128@28", "64@56", "128@56"])
        #expect(points.allSatisfy { $0.version == .v2 })
        o.threads = [0]
        #expect(throws: BenchError("--threads 0: must be at least 1")) {
            try Preset.smoke.sweep(cores: 2, pus: 2).applying(o)
        }
        o.threads = []
        #expect(throws: BenchError("--threads needs at least one value")) {
            try Preset.smoke.sweep(cores: 2, pus: 2).applying(o)
        }
    }

    @Test("the cartesian product is the nested loops' order, first axis slowest; an empty axis gives nothing")
    func cartesianOrder() {
        #expect(cartesianIndices([2, 3]) == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]])
        #expect(cartesianIndices([2, 0, 3]).isEmpty)
        #expect(cartesianIndices([]) == [[]])
    }

    @Test("weights not given mean per call, on the command line as in a sweep file")
    func oneWeightsDefault() throws {
        var o = Sweep.Overrides()
        o.variants = [.blockedGather]
        let cli = try Preset.default.sweep(cores: 2, pus: 2).applying(o).points
        let file = try SweepFile.parse(
            Data(#"{"name": "f", "blocks": [{"variants": ["blockedGather"], "channels": [8], "hw": [12]}]}"#.utf8),
            source: "f", cores: 2
        ).points
        #expect(Set(cli.map(\.weights)) == [.call] && Set(file.map(\.weights)) == [.call])
        o.weights = [.prepared]
        #expect(Set(try Preset.default.sweep(cores: 2, pus: 2).applying(o).points.map(\.weights)) == [.prepared])
        // Without --variants a preset keeps its own prepared block.
        #expect(try Preset.default.sweep(cores: 2, pus: 2).points.contains { $0.weights == .prepared })
    }

    @Test("filters select by regular expression and refuse to match nothing")
    func filters() throws {
        let sweep = Preset.smoke.sweep(cores: 2, pus: 2)
        #expect(try sweep.points(matching: "^blockedGather/fwd/.*/t2/").count == 4)
        #expect(try sweep.points(matching: "^blockedGather/.*/t2/").count == 8)
        #expect(try sweep.points(matching: "v2/.*g2").count == 9)
        #expect(throws: BenchError("--filter 'nothing' matches none of the 36 points of sweep 'smoke'")) {
            try sweep.points(matching: "nothing")
        }
        #expect(throws: BenchError("--filter '(' is not a valid regular expression")) {
            try sweep.points(matching: "(")
        }
    }

    @Test("an axis value that makes an invalid geometry is named with the point")
    func invalidPoint() throws {
        var o = Sweep.Overrides()
        o.sizes = [2]
        o.paddings = [0]
        o.kernels = [Extent2(5)]
        let points = try Preset.smoke.sweep(cores: 2, pus: 2).applying(o).points
        #expect(
            throws: BenchError(
                "point naive/fwd/v1/N1/C8/K8/2x2/k5x5/s1/p0/d1/g1/og1/t1/close: invalid geometry: kernel.h extent 5 (dilation 1) exceeds the padded input 2: the output would be empty"
            )
        ) {
            try Sweep.validate(points)
        }
    }

    @Test("sweep files parse, and their mistakes are located")
    func sweepFiles() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sweeps/example.json")
        let sweep = try SweepFile.load(example.path, cores: 2)
        #expect(sweep.name == "example")
        // Block 0: 2 shapes × (tiled t1 × 2 placements + blockedGather t1,t2 × 2 placements);
        // block 1: 2 shapes × 2 offset groups × v1, v2 (the default versions).
        #expect(sweep.points.count == 2 * 6 + 2 * 2 * 2)
        func error(_ json: String) -> String {
            do { _ = try SweepFile.parse(Data(json.utf8), source: "s.json", cores: 2); return "no error" } catch {
                return "\(error)"
            }
        }
        #expect(
            error("{\n  \"name\": \"x\",\n  \"blocks\": [,]\n}").hasPrefix("sweep file s.json: invalid JSON at line 3"))
        #expect(
            error(#"{"name": "x", "blocks": [{"variants": ["fast"], "channels": [8], "hw": [8]}]}"#)
                == "sweep file s.json: blocks[0].variants[0]: expected one of naive, tiled, dispatch, blockedGather, got \"fast\""
        )
        #expect(
            error(#"{"name": "x", "blocks": [{"variants": ["naive"], "channels": [8], "hw": [8], "thread": [1]}]}"#)
                .hasPrefix("sweep file s.json: blocks[0].thread: unknown key"))
        #expect(
            error(#"{"name": "x", "blocks": [{"variants": ["naive"], "channels": [8], "hw": [8], "threads": [0]}]}"#)
                == "sweep file s.json: blocks[0].threads[0]: expected an integer ≥ 1, got 0")
        #expect(
            error(#"{"name": "x", "blocks": [{"variants": ["naive"], "channels": [8]}]}"#)
                == "sweep file s.json: blocks[0]: channels and hw go together")
        #expect(error(#"{"blocks": []}"#) == "sweep file s.json: name: expected a non-empty string")
    }
}

@Suite("Statistics")
struct StatisticsTests {
    @Test("against values computed by hand")
    func handComputed() throws {
        let s = try #require(Statistics([4, 1, 100, 3, 2]))
        #expect(s.count == 5 && s.min == 1 && s.max == 100)
        #expect(s.median == 3)
        #expect(s.mean == 22)
        // Type 7: h = 4·0.1 = 0.4 → 1 + 0.4·(2 − 1); h = 3.6 → 4 + 0.6·(100 − 4).
        #expect(abs(s.p10 - 1.4) < 1e-12)
        #expect(abs(s.p90 - 61.6) < 1e-12)
        // Deviations −21, −20, −19, −18, 78: Σ² = 7610, /(n − 1) = 1902.5.
        #expect(abs(s.stddev - 1902.5.squareRoot()) < 1e-12)
        // |x − 3| = 2, 1, 0, 1, 97 → median 1.
        #expect(s.mad == 1)
        #expect(abs(s.cv - 1902.5.squareRoot() / 22) < 1e-12)
        let even = try #require(Statistics([1, 2, 3, 4]))
        #expect(even.median == 2.5 && even.mad == 1)
        let one = try #require(Statistics([0.5]))
        #expect(one.median == 0.5 && one.stddev == 0 && one.p10 == 0.5 && one.cv == 0)
        #expect(Statistics([]) == nil)
    }
}
