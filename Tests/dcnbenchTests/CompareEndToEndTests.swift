import BenchTestSupport
import DeformConv
import Foundation
import Testing
import Topology

@testable import Bench

/// A kernel doing its work `times` times: a real slowdown of known size.
final class RepeatedWork: BenchKernel {
    let inner: any BenchKernel
    let times: Int
    init(_ inner: any BenchKernel, times: Int) {
        self.inner = inner
        self.times = times
    }
    var workspaceBytes: Int { inner.workspaceBytes }
    func forward(input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, bias: Tensor?, output: Tensor) throws {
        for _ in 0..<times {
            try inner.forward(input: input, offset: offset, mask: mask, weight: weight, bias: bias, output: output)
        }
    }
    func prepare(weight: Tensor) throws { try inner.prepare(weight: weight) }
    func forward(input: Tensor, offset: Tensor, mask: Tensor?, bias: Tensor?, output: Tensor) throws {
        for _ in 0..<times { try inner.forward(input: input, offset: offset, mask: mask, bias: bias, output: output) }
    }
    var backwardWorkspaceBytes: Int { inner.backwardWorkspaceBytes }
    func backward(
        input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, gradOutput: Tensor, gradients: DeformConvGradients
    ) throws {
        for _ in 0..<times {
            try inner.backward(
                input: input, offset: offset, mask: mask, weight: weight, gradOutput: gradOutput, gradients: gradients)
        }
    }
}

@Suite("compare end to end", .serialized)
struct CompareEndToEndTests {

    @Test("a kernel slowed by doing its work four times is called a regression; the unchanged one is not")
    func injectedSlowdown() throws {
        var timing = TimingOptions()
        timing.samples = 12
        timing.minSampleSeconds = 0.003
        timing.warmupSeconds = 0.01
        timing.referenceSteps = 1 << 8
        timing.probes = false
        let points =
            SweepAxes(variants: [.tiled], versions: [.v2], shapes: [Shape(channels: 8, size: 16)], threads: [1]).points
            + SweepAxes(
                variants: [.blockedGather], versions: [.v2], shapes: [Shape(channels: 8, size: 16)], threads: [1]
            ).points
        // Six runs a side, each its own runner, prepared data and pool: in one test process,
        // but each a separate run to compare. Judged on times normalised by the reference
        // kernel timed before each sample, so that another job on the machine slows both the
        // kernel and its reference. The step is 4x: beside a parallel test run, runs of a few
        // milliseconds a sample spread by tens of per cent between runs, and a 2x step with
        // five runs a side was once missed.
        func runner(_ id: String, slowTiled: Bool) throws -> PointRunner {
            try PointRunner(
                timing: timing, maxMemoryBytes: 1 << 30, runID: id,
                factory: { point, geometry, options in
                    let real = try DeformConvolution(geometry: geometry, variant: point.variant, options: options)
                    return slowTiled && point.variant == .tiled ? RepeatedWork(real, times: 4) : real
                })
        }
        var files: [[String]] = [[], []]
        var measured: [[[(ResultRow, [SampleRow])]]] = [[], []]
        for k in 0..<6 {
            let pair = [try runner("a\(k)", slowTiled: false), try runner("b\(k)", slowTiled: true)]
            // Same-job A/B: samples of both sides alternate, so machine drift hits both alike.
            var sides: [[(ResultRow, [SampleRow])]] = [[], []]
            for point in points {
                let prepared = try pair.map { runner -> PreparedPoint in
                    guard case let .success(p) = runner.prepare(point) else { throw BenchError("prepare failed") }
                    try runner.warmUp(p)
                    return p
                }
                while !pair[0].isDone(prepared[0]) || !pair[1].isDone(prepared[1]) {
                    for (side, runner) in pair.enumerated() where !runner.isDone(prepared[side]) {
                        try runner.sample(prepared[side])
                    }
                }
                for (side, runner) in pair.enumerated() {
                    sides[side].append((runner.finish(prepared[side], medians: [:]), prepared[side].samples))
                    prepared[side].pool.shutdown()
                }
            }
            for side in 0..<2 {
                files[side].append(try writeResult(sides[side]))
                measured[side].append(sides[side])
            }
        }
        var options = CompareOptions()
        options.normalize = true
        let comparison = try Comparison.compare(
            baseline: ResultSet(paths: files[0]), current: ResultSet(paths: files[1]),
            options: options)
        let tiled = try #require(comparison.points.first { $0.name.hasPrefix("tiled/") })
        #expect(tiled.verdict == .regressed, "\(comparison.table)")
        #expect(tiled.ratio! > 2)
        // The unchanged kernel: far from the 4× step (its verdict is a matter of chance, held to
        // at most 5% by the simulation tests, so not asserted here).
        #expect(
            try #require(comparison.points.first { $0.name.hasPrefix("blockedGather/") }?.ratio) < 1.5,
            "\(comparison.table)")
        #expect(comparison.exitCode == 2)

        // The built executable says the same with exit code 2 and writes its reports.
        let directory = try temporaryDirectory()
        let paths = files.map { $0.joined(separator: ",") }
        let result = try dcnbench(
            ["compare", "--normalize", paths[0], paths[1], "--markdown", "m.md", "--json", "v.json"], in: directory)
        #expect(result.status == 2, "\(result.err)")
        #expect(result.out.hasPrefix("verdict") && result.out.contains("regressed"))
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("v.json")))
            as? [String: Any]
        #expect(json?["exitCode"] as? Int == 2)
        #expect(
            try String(contentsOf: directory.appendingPathComponent("m.md"), encoding: .utf8).contains("| regressed |"))
        // Usage errors exit 1.
        #expect(try dcnbench(["compare", paths[0]]).status == 1)
        #expect(try dcnbench(["compare", paths[0], "/nonexistent.csv"]).status == 1)
        // Identical inputs: no regression, exit 0.
        #expect(try dcnbench(["compare", paths[0], paths[0]]).status == 0)
        // One run a side: no verdict on times, whatever they say (exit 3).
        #expect(try dcnbench(["compare", files[0][0], files[1][0]]).status == 3)

        // Contexts from different machines: refused for absolute times, allowed normalised or forced.
        let moved = try zip(measured, ["one", "two"]).map { runs, host in
            try runs.map { rows in
                try writeResult(
                    rows.map { row, samples in
                        var r = row; r.host = host; return (r, samples)
                    })
            }
            .joined(separator: ",")
        }
        let refused = try dcnbench(["compare", moved[0], moved[1]])
        #expect(refused.status == 1 && refused.err.contains("the results come from different machines (one, two)"))
        #expect(try dcnbench(["compare", moved[0], moved[1], "--force"]).status != 1, "compared, not refused")
        let normalized = try dcnbench(["compare", moved[0], moved[1], "--normalize"])
        #expect(normalized.out.contains("warning: the results come from different machines"))
    }
}
