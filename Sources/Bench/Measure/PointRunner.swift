import DeformConv
import Foundation
import Topology

/// Measures points one at a time: the timing loop, the gate, the memory guard.
public final class PointRunner {
    public let timing: TimingOptions
    public let topology: MachineTopology
    public let machine: MachineSummary
    /// The per-core L2 (hwloc's figure) given to the kernels as their block budget.
    public let cacheBytes: Int
    public let maxMemoryBytes: Int
    public let runID: String
    public let configID: String
    let factory: KernelFactory
    let timestamp: () -> String
    /// Measured fp32 peak (GFLOP/s) by thread count, for `pct_peak` (filled by the driver's probes).
    public var peakGFLOPS: [Int: Double] = [:]
    /// Draws where each point's tensors start within a page (`TestData`): one per process, so
    /// that processes differ in layout as they would in a user's program.
    public let layoutSeed: UInt64

    public init(
        timing: TimingOptions, maxMemoryBytes: Int, runID: String, layoutSeed: UInt64 = 0,
        factory: @escaping KernelFactory = standardKernels
    ) throws {
        try timing.validate()
        self.timing = timing
        topology = try MachineTopology.shared()
        machine = MachineSummary(topology)
        cacheBytes = Int(machine.cache(level: 2)?.sizeBytes ?? 1 << 20)
        self.maxMemoryBytes = maxMemoryBytes
        self.runID = runID
        self.layoutSeed = layoutSeed
        configID = RunContext.configID(timing: timing, machine: machine, cacheBytes: cacheBytes)
        self.factory = factory
        let formatter = ISO8601DateFormatter()
        timestamp = { formatter.string(from: Date()) }
    }

    /// The row a point gets before any measurement, filled in as it goes.
    func row(_ point: BenchPoint, _ status: ResultRow.Status, tensorBytes: Int) -> ResultRow {
        ResultRow(
            runID: runID, point: point, status: status, tensorBytes: tensorBytes, host: RunContext.hostName,
            cpuModel: machine.cpuModel, configID: configID, timestamp: timestamp())
    }

    /// Whether the point's threads can be placed; nil if so, else the reason.
    public func placementProblem(_ point: BenchPoint) -> String? {
        do {
            _ = try point.placement.cpuSets(threads: point.poolThreads, on: topology, smt: needsSMT(point))
            return nil
        } catch { return "\(error)" }
    }

    /// One thread per core while they fit, then PUs.
    func needsSMT(_ point: BenchPoint) -> Bool { point.poolThreads > topology.corePUs.count }

    /// Builds everything a point needs and checks its output, or returns the row that ends it
    /// (skipped, wrong, error).
    func prepare(_ point: BenchPoint, gate: Bool = true) -> Result<PreparedPoint, ResultRowBox> {
        let geometry: DeformConvGeometry
        do { geometry = try point.geometry() } catch {
            return .failure(ResultRowBox(fail(row(point, .error, tensorBytes: 0), "\(error)")))
        }
        let tensorBytes = point.tensorBytes(geometry)
        guard tensorBytes <= maxMemoryBytes else {
            return .failure(
                ResultRowBox(
                    fail(
                        row(point, .skipped, tensorBytes: tensorBytes),
                        "needs \(tensorBytes) bytes of tensors, over --max-memory \(maxMemoryBytes)")))
        }
        do {
            let pool = try PinnedPool(threads: point.poolThreads, placement: point.placement, smt: needsSMT(point))
            let executor = PoolExecutor(pool: pool)
            let data = try TestData(
                geometry: geometry, layout: point.layout, direction: point.direction,
                seed: stableHash(point.shapeName), layoutSeed: layoutSeed ^ stableHash(point.name), pool: pool)
            let options = KernelOptions(cacheBytes: cacheBytes, executor: executor, dispatchWorkers: point.threads)
            let kernel = try factory(point, geometry, options)
            guard tensorBytes + kernel.workspaceBytes <= maxMemoryBytes else {
                var r = row(point, .skipped, tensorBytes: tensorBytes)
                r.workspaceBytes = kernel.workspaceBytes
                return .failure(
                    ResultRowBox(
                        fail(
                            r,
                            "needs \(tensorBytes + kernel.workspaceBytes) bytes with workspace, over --max-memory \(maxMemoryBytes)"
                        )))
            }
            if point.weights == .prepared { try kernel.prepare(weight: data.weight) }  // once, untimed
            let prepared = PreparedPoint(
                point: point, geometry: geometry, pool: pool, kernel: kernel, executor: executor, data: data)
            guard gate else { return .success(prepared) }
            try prepared.callKernel()
            if let mismatch = try check(prepared) {
                var r = row(point, .wrong, tensorBytes: tensorBytes)
                r.workspaceBytes = kernel.workspaceBytes + kernel.backwardWorkspaceBytes
                return .failure(ResultRowBox(fail(r, mismatch)))
            }
            return .success(prepared)
        } catch {
            return .failure(ResultRowBox(fail(row(point, .error, tensorBytes: tensorBytes), "\(error)")))
        }
    }

    /// The correctness gate on what the point's call computed: the output, the gradients, or
    /// both. The reference reads NCHW: NHWC points are checked through NCHW copies.
    private func check(_ p: PreparedPoint) throws -> String? {
        let g = p.geometry, data = p.data, nchw = p.point.layout == .nchw
        let input = nchw ? data.input : try data.input.nchwCopy(shape: g.inputShape)
        let seed = stableHash(p.point.name)
        if p.point.direction != .bwd,
            let mismatch = try CorrectnessGate.check(
                geometry: g, input: input, offset: data.offset, mask: data.mask, weight: data.weight,
                output: nchw ? data.output : try data.output.nchwCopy(shape: g.outputShape), seed: seed)
        {
            return mismatch
        }
        guard let gradOutput = data.gradOutput, var gradients = data.gradients else { return nil }
        if !nchw { gradients.input = try gradients.input?.nchwCopy(shape: g.inputShape) }
        return try CorrectnessGate.check(
            geometry: g, input: input, offset: data.offset, mask: data.mask, weight: data.weight,
            gradOutput: nchw ? gradOutput : try gradOutput.nchwCopy(shape: g.outputShape), gradients: gradients,
            seed: seed)
    }

    private func fail(_ row: ResultRow, _ reason: String) -> ResultRow {
        var r = row
        r.error = reason
        return r
    }

    /// Untimed calls for `warmupSeconds` (at least one), then iterations per sample so that one
    /// sample lasts `minSampleSeconds`.
    func warmUp(_ p: PreparedPoint) throws {
        p.pool.rebindCaller()
        let start = now()
        var calls = 0
        repeat {
            try p.callKernel()
            calls += 1
        } while now() - start < timing.warmupSeconds
        let perCall = max((now() - start) / Double(calls), 1e-9)
        p.iterations = max(1, Int((timing.minSampleSeconds / perCall).rounded(.up)))
        _ = p.executor.drain()
    }

    /// One timed sample: `iterations` calls between two reads of the monotonic clock, with the
    /// process CPU time and the workers' PUs around it.
    func sample(_ p: PreparedPoint) throws {
        p.pool.rebindCaller()
        let reference = ReferenceKernel.time(steps: timing.referenceSteps)
        let bound = p.pool.bindings[0]
        let puBefore = currentPU()
        let cpuStart = processCPUSeconds()
        let start = now()
        for _ in 0..<p.iterations { try p.callKernel() }
        let wall = now() - start
        let cpu = processCPUSeconds() - cpuStart
        let puAfter = currentPU()
        let log = p.executor.drain()
        var pus = log.pus
        pus.formUnion([puBefore, puAfter])
        let callerMoved =
            puBefore != puAfter || (bound.map { !$0.contains(puBefore) || !$0.contains(puAfter) } ?? false)
        p.pus.formUnion(pus)
        p.elapsed += wall
        var row = SampleRow(
            runID: runID, name: p.point.name, index: p.samples.count,
            secondsPerIteration: wall / Double(p.iterations), iterations: p.iterations,
            cpuSeconds: cpu, migrated: log.migrated || callerMoved, referenceSeconds: reference)
        row.layout = p.data.lineOffsets.map(String.init).joined(separator: ".")
        p.samples.append(row)
    }

    /// Whether the point has all its samples or used up its time.
    func isDone(_ p: PreparedPoint) -> Bool {
        p.samples.count >= timing.samples || (p.elapsed >= timing.maxSecondsPerPoint && !p.samples.isEmpty)
    }

    /// The finished row; speed-ups filled from `reference` (medians by point name).
    func finish(_ p: PreparedPoint, medians: [String: Double]) -> ResultRow {
        var r = row(p.point, .ok, tensorBytes: p.point.tensorBytes(p.geometry))
        r.workspaceBytes = p.kernel.workspaceBytes + p.kernel.backwardWorkspaceBytes
        r.iterationsPerSample = p.iterations
        r.pusUsed = CPUSet(p.pus).description
        if timing.mode == .dryRun {
            r.error = "dry run: checked, not timed"
            return r
        }
        r.summarize(p.samples, geometry: p.geometry, peakGFLOPS: peakGFLOPS[p.point.threads], medians: medians)
        return r
    }

    /// Measures one point start to end (the sequential mode).
    public func measure(_ point: BenchPoint, medians: [String: Double]) -> (row: ResultRow, samples: [SampleRow]) {
        switch prepare(point) {
        case let .failure(box):
            return (box.row, [])
        case let .success(p):
            defer { p.pool.shutdown() }
            do {
                if timing.mode != .dryRun {
                    try warmUp(p)
                    while !isDone(p) { try sample(p) }
                }
                return (finish(p, medians: medians), p.samples)
            } catch {
                return (fail(row(point, .error, tensorBytes: point.tensorBytes(p.geometry)), "\(error)"), [])
            }
        }
    }

    /// Prepares `point` without the gate and calls its kernel `times` times: what instruction
    /// counting runs under valgrind.
    public func call(_ point: BenchPoint, times: Int) throws {
        switch prepare(point, gate: false) {
        case let .failure(box): throw BenchError("\(point.name): \(box.row.status.rawValue): \(box.row.error)")
        case let .success(p):
            defer { p.pool.shutdown() }
            for _ in 0..<times { try p.callKernel() }
        }
    }

    /// The row of `sweep --instructions`: the point checked (gate) in this process, then its
    /// kernel's instructions per call counted by valgrind in two child processes.
    func countInstructions(_ point: BenchPoint, executable: String, valgrind: String) -> ResultRow {
        var timing = self.timing
        timing.mode = .dryRun
        let checker = try? PointRunner(
            timing: timing, maxMemoryBytes: maxMemoryBytes, runID: runID, layoutSeed: layoutSeed,
            factory: factory)
        var (row, _) = (checker ?? self).measure(point, medians: [:])
        guard row.status == .ok else { return row }
        do {
            row.instructions = try InstructionCounter.count(point: point, executable: executable, valgrind: valgrind)
            row.error = ""
        } catch {
            row.status = .error
            row.error = "\(error)"
        }
        return row
    }
}

/// A finished row carried in a `Result`'s failure slot.
struct ResultRowBox: Error {
    let row: ResultRow
    init(_ row: ResultRow) { self.row = row }
}
