import Bench
import BenchTestSupport
import DeformConv
import Foundation
import Testing
import Topology

/// A kernel that computes the right answer and then spoils one element: the last, which the
/// gate always samples, as a lost final tile would.
final class BrokenKernel: BenchKernel {
    let inner: any BenchKernel
    init(_ inner: any BenchKernel) { self.inner = inner }
    var workspaceBytes: Int { inner.workspaceBytes }
    func forward(input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, bias: Tensor?, output: Tensor) throws {
        try inner.forward(input: input, offset: offset, mask: mask, weight: weight, bias: bias, output: output)
        output.data[output.count - 1] += 0.25
    }
    func prepare(weight: Tensor) throws { try inner.prepare(weight: weight) }
    func forward(input: Tensor, offset: Tensor, mask: Tensor?, bias: Tensor?, output: Tensor) throws {
        try inner.forward(input: input, offset: offset, mask: mask, bias: bias, output: output)
        output.data[output.count - 1] += 0.25
    }
    var backwardWorkspaceBytes: Int { inner.backwardWorkspaceBytes }
    /// Spoils the last element of grad_weight, which the gate always samples.
    func backward(
        input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, gradOutput: Tensor, gradients: DeformConvGradients
    ) throws {
        try inner.backward(
            input: input, offset: offset, mask: mask, weight: weight, gradOutput: gradOutput, gradients: gradients)
        if let w = gradients.weight { w.data[w.count - 1] += 0.25 }
    }
}

@Suite("SweepRunner", .serialized)
struct SweepRunnerTests {
    @Test("rows, samples and context are written; resume measures only what is missing")
    func resume() throws {
        let directory = try temporaryDirectory()
        let out = directory.appendingPathComponent("run.csv").path
        let first = tinyPoints([.tiled])
        let runner = try PointRunner(timing: quickTiming, maxMemoryBytes: 1 << 30, runID: "first")
        let sweep = Sweep(name: "t", blocks: [])
        let rows = try SweepRunner(runner: runner, sweep: sweep, points: first, output: out, resume: nil).run(
            progress: Progress(quiet: true))
        #expect(rows.count == 1 && rows[0].status == .ok && rows[0].statistics?.count == 3)
        let paths = OutputPaths(results: out)
        #expect(try CSVTable.read(paths.samples).records.count == 3)
        let context = try JSONDecoder().decode(
            RunContext.self, from: Data(contentsOf: URL(fileURLWithPath: paths.context)))
        #expect(context.runID == "first" && context.stealTicksAfter != nil && !context.machine.cpuModel.isEmpty)

        // The same file again without --resume: refused, and the file untouched.
        #expect(throws: BenchError("\(out) exists; continue it with --resume \(out), or choose another --out")) {
            try SweepRunner(runner: runner, sweep: sweep, points: first, output: out, resume: nil)
        }
        // Resume with one more point: only that one is measured, under the file's run id.
        let both = tinyPoints([.tiled, .blockedGather])
        let second = try PointRunner(timing: quickTiming, maxMemoryBytes: 1 << 30, runID: "second")
        do {  // the driver, and its lock on the file, end here
            let driver = try SweepRunner(runner: second, sweep: sweep, points: both, output: nil, resume: out)
            #expect(driver.pending.map(\.variant) == [.blockedGather])
            let all = try driver.run(progress: Progress(quiet: true))
            #expect(all.map(\.point.variant) == [.tiled, .blockedGather])
        }
        let table = try CSVTable.read(out)
        #expect(table.records.count == 2)
        #expect(Set(table.records.map { $0["run_id"]! }) == ["first"])
        #expect(try CSVTable.read(paths.samples).records.count == 6)
        // Different timing options make a different configuration: resuming would append a
        // second row per point (and compare would pool them), so it is refused.
        var other = quickTiming
        other.samples = 4
        let third = try PointRunner(timing: other, maxMemoryBytes: 1 << 30, runID: "third")
        #expect(
            throws: BenchError(
                "\(out) was measured with other options or on another machine (config \(runner.configID), this run \(third.configID)): resume it with the same timing options here, or start a new file"
            )
        ) {
            try SweepRunner(runner: third, sweep: sweep, points: both, output: nil, resume: out)
        }
        #expect(try CSVTable.read(out).records.count == 2, "the refused resume left the file as it was")
    }

    @Test(
        "the GEMM roof runs blockedGather's GEMM with the build's micro-kernel and reports GFLOP/s apart from the FMA peak"
    )
    func gemmRoof() throws {
        let roof = try Probes.gemmRoof(threads: 1, blocks: 1, repetitions: 1, minimumSeconds: 0)
        #expect(roof.unit == Probes.gemmUnit && roof.unit != "GFLOP/s")
        #expect(
            roof.value > 0 && roof.value.isFinite
                && roof.placement.contains("micro-kernel \(MicroKernelTile.native.rawValue)"))
    }

    @Test("the peak probes keep running for their minimum time, however few repetitions are asked for")
    func probeWindow() throws {
        let clock = ContinuousClock()
        let peak = clock.measure { _ = try? Probes.fmaPeak(threads: 1, repetitions: 1, minimumSeconds: 0.2) }
        let roof = clock.measure {
            _ = try? Probes.gemmRoof(threads: 1, blocks: 1, repetitions: 1, minimumSeconds: 0.2)
        }
        #expect(peak >= .milliseconds(200) && roof >= .milliseconds(200), "\(peak), \(roof)")
    }

    @Test("the memory guard skips a point instead of allocating it")
    func memoryGuard() throws {
        let runner = try PointRunner(timing: quickTiming, maxMemoryBytes: 1000, runID: "m")
        let (row, samples) = runner.measure(tinyPoints([.tiled])[0], medians: [:])
        #expect(row.status == .skipped)
        #expect(row.error.hasPrefix("needs "), "\(row.error)")
        #expect(row.error.hasSuffix("bytes of tensors, over --max-memory 1000"))
        #expect(samples.isEmpty)
    }

    @Test("the correctness gate catches a broken kernel, which is then not timed")
    func gate() throws {
        let broken: KernelFactory = { point, geometry, options in
            let real = try DeformConvolution(geometry: geometry, variant: point.variant, options: options)
            return point.variant == .tiled ? BrokenKernel(real) : real
        }
        let runner = try PointRunner(timing: quickTiming, maxMemoryBytes: 1 << 30, runID: "g", factory: broken)
        for point in tinyPoints() {
            let (row, samples) = runner.measure(point, medians: [:])
            if point.variant == .tiled {
                #expect(row.status == .wrong)
                #expect(row.error.contains("out of tolerance; worst at index 143"), "\(row.error)")
                #expect(samples.isEmpty && row.statistics == nil)
            } else {
                #expect(row.status == .ok && samples.count == 3)
            }
        }
    }

    @Test("dry run checks every point once without timing")
    func dryRun() throws {
        var timing = quickTiming
        timing.mode = .dryRun
        let runner = try PointRunner(timing: timing, maxMemoryBytes: 1 << 30, runID: "d")
        for point in Preset.smoke.sweep(cores: 2, pus: 2).points where runner.placementProblem(point) == nil {
            let (row, samples) = runner.measure(point, medians: [:])
            #expect(row.status == .ok, "\(point.name): \(row.error)")
            #expect(samples.isEmpty && row.statistics == nil)
        }
    }

    @Test("NHWC points are measured and checked through NCHW copies; a broken one is caught")
    func nhwcPoints() throws {
        let points = SweepAxes(
            variants: [.tiled, .blockedGather], versions: [.v2], shapes: [Shape(channels: 5, size: 7)],
            threads: [1], layouts: [.nhwc]
        ).points
        let runner = try PointRunner(timing: quickTiming, maxMemoryBytes: 1 << 30, runID: "l")
        for point in points {
            #expect(point.name.hasSuffix("/nhwc"))
            let (row, samples) = runner.measure(point, medians: [:])
            #expect(row.status == .ok && samples.count == 3, "\(point.name): \(row.error)")
        }
        let broken = try PointRunner(
            timing: quickTiming, maxMemoryBytes: 1 << 30, runID: "b",
            factory: { point, geometry, options in
                BrokenKernel(
                    try DeformConvolution(
                        geometry: geometry, variant: point.variant, options: options, layout: point.layout))
            })
        #expect(broken.measure(points[0], medians: [:]).row.status == .wrong)
    }

    @Test(
        "points with prepared weights (either layout) are measured and checked; a broken one is caught; names round-trip"
    )
    func preparedPoints() throws {
        let points = SweepAxes(
            variants: [.tiled, .blockedGather], versions: [.v2], shapes: [Shape(channels: 5, size: 7)],
            threads: [1], layouts: [.nchw, .nhwc], weights: [.prepared]
        ).points
        let runner = try PointRunner(timing: quickTiming, maxMemoryBytes: 1 << 30, runID: "p")
        for point in points {
            #expect(point.name.hasSuffix("/prepared"))
            #expect(try BenchPoint(name: point.name) == point)
            let (row, samples) = runner.measure(point, medians: [:])
            #expect(row.status == .ok && samples.count == 3, "\(point.name): \(row.error)")
        }
        let broken = try PointRunner(
            timing: quickTiming, maxMemoryBytes: 1 << 30, runID: "b",
            factory: { point, geometry, options in
                BrokenKernel(
                    try DeformConvolution(
                        geometry: geometry, variant: point.variant, options: options, layout: point.layout))
            })
        let blockedGather = points.first { $0.variant == .blockedGather }!
        #expect(broken.measure(blockedGather, medians: [:]).row.status == .wrong)
        #expect(throws: BenchError.self) {
            try BenchPoint(name: "blockedGather/fwd/v2/N1/C5/K5/7x7/k3x3/s1/p1/d1/g1/og1/t1/close/prepared/nhwc")
        }
    }

    @Test(
        "backward points (both layouts, alone and after the forward) are measured and their gradients checked; a broken one is caught"
    )
    func backwardPoints() throws {
        let points = SweepAxes(
            variants: [.naive, .blockedGather], versions: [.v1, .v2], shapes: [Shape(channels: 5, size: 7)],
            threads: [1], layouts: [.nchw, .nhwc], directions: [.bwd, .fwdBwd]
        ).points
        #expect(points.count == 2 * 6)
        let runner = try PointRunner(timing: quickTiming, maxMemoryBytes: 1 << 30, runID: "w")
        for point in points {
            let (row, samples) = runner.measure(point, medians: [:])
            #expect(row.status == .ok && samples.count == 3, "\(point.name): \(row.error)")
            let g = try point.geometry()
            #expect(row.gflops == point.direction.flopMultiple * g.multiplyAddFLOPs / row.statistics!.median / 1e9)
            #expect(row.tensorBytes == 2 * g.compulsoryBytes)
            #expect((row.workspaceBytes ?? 0) > 0 || point.variant == .naive)
        }
        let broken = try PointRunner(
            timing: quickTiming, maxMemoryBytes: 1 << 30, runID: "b",
            factory: { point, geometry, options in
                BrokenKernel(
                    try DeformConvolution(
                        geometry: geometry, variant: point.variant, options: options, layout: point.layout))
            })
        for point in points where point.direction == .bwd {
            let row = broken.measure(point, medians: [:]).row
            // The forward is not run by a bwd point: the spoiled grad_weight is what the gate sees.
            #expect(row.status == .wrong && row.error.hasPrefix("grad_weight:"), "\(point.name): \(row.error)")
        }
    }

    @Test("speed-ups refer to naive and to one thread of the same shape")
    func speedups() throws {
        let points = SweepAxes(
            variants: [.naive, .blockedGather], versions: [.v1], shapes: [Shape(channels: 4, size: 6)],
            threads: [1, 2]
        ).points
        let runner = try PointRunner(timing: quickTiming, maxMemoryBytes: 1 << 30, runID: "s")
        let dir = try temporaryDirectory()
        let rows = try SweepRunner(
            runner: runner, sweep: Sweep(name: "s", blocks: []), points: points,
            output: dir.appendingPathComponent("s.csv").path, resume: nil
        ).run(progress: Progress(quiet: true))
        let naive = try #require(rows.first { $0.point.variant == .naive }?.statistics?.median)
        for row in rows where row.point.variant == .blockedGather {
            let median = try #require(row.statistics?.median)
            #expect(row.speedupVsNaive == naive / median)
            let t1 = try #require(
                rows.first { $0.point.variant == .blockedGather && $0.point.threads == 1 }?.statistics?.median)
            #expect(row.speedupVsOneThread == t1 / median)
        }
    }

    @Test("verify passes on the golden set")
    func verify() throws {
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DeformConvTests/Golden")
        let outcomes = try Verify.run(directory: golden)
        #expect(outcomes.count == 27 * KernelVariant.allCases.count)
        #expect(outcomes.allSatisfy { $0.passed })
        #expect(Verify.table(outcomes).contains("(all cases)"))
        // Every gradient stored is checked for the designs with a backward pass, none for the others.
        let v2Bias = try #require(outcomes.first { $0.caseName == "v2_bias" && $0.variant == .blockedGather })
        #expect(
            Set(v2Bias.worstRatios.keys) == [
                "output", "grad_input", "grad_offset", "grad_mask", "grad_weight", "grad_bias",
            ])
        let v1 = try #require(outcomes.first { $0.caseName == "v1_basic" && $0.variant == .naive })
        #expect(Set(v1.worstRatios.keys) == ["output", "grad_input", "grad_offset", "grad_weight"])
        #expect(outcomes.filter { $0.variant == .tiled }.allSatisfy { $0.worstRatios.keys.sorted() == ["output"] })
    }
}
