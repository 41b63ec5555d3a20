import DeformConv
import Dispatch
import Foundation
import Topology

/// Measurements of the machine itself, for the roofline (`pct_peak`) and for judging a pool:
/// the fp32 FMA peak, STREAM triad bandwidth, and the cost of an empty parallel run.
public enum Probes {
    /// One probe's result for a thread count.
    public struct Measurement: Codable, Equatable, Sendable {
        public var threads: Int
        public var placement: String
        /// GFLOP/s for the peak probe, GB/s for the triad, nanoseconds for the run overheads.
        public var value: Double
        public var unit: String
    }

    /// Peak fp32 FLOP rate: every worker of a `threads`-thread pool (`close`) runs the register-
    /// resident FMA loop of `ReferenceKernel` at once; the best of at least `repetitions` runs
    /// spread over at least `minimumSeconds`. A peak is a best case, and twenty runs of a few
    /// milliseconds fit inside one burst of a shared host's load, which then set a peak below
    /// what the kernels reach (docs/harness.md, "The machine's roofs").
    public static func fmaPeak(
        threads: Int, placement: Placement = .close, repetitions: Int = 20, minimumSeconds: Double = 0.5
    ) throws -> Measurement {
        let pool = try PinnedPool(threads: threads, placement: placement)
        defer { pool.shutdown() }
        let steps = 1 << 20
        var best = Double.infinity
        let started = now()
        var runs = 0
        while runs < repetitions || now() - started < minimumSeconds {
            let start = now()
            pool.run { w in
                let value = ReferenceKernel.run(steps: steps, seed: 1 + Float(w))
                if value.isNaN { print("") }  // keeps the result live
            }
            best = min(best, now() - start)
            runs += 1
        }
        let flops = Double(threads) * ReferenceKernel.flops(steps: steps)
        return Measurement(threads: threads, placement: "\(placement)", value: flops / best / 1e9, unit: "GFLOP/s")
    }

    /// The unit of the GEMM roof, apart from the FMA peak's "GFLOP/s".
    public static let gemmUnit = "GEMM GFLOP/s"

    /// The GEMM roof: every worker of a `threads`-thread pool runs `blockedGather`'s GEMM with
    /// the build's micro-kernel on operands resident in its L2 (`MicroKernelTile.gemmRoof`) at
    /// once; the best of at least `repetitions` runs spread over at least `minimumSeconds`, as
    /// the FMA peak. Between the FMA peak and a point's GFLOP/s it tells how much of the gap is
    /// the GEMM itself and how much what surrounds it.
    public static func gemmRoof(
        threads: Int, placement: Placement = .close, blocks: Int = 200,
        repetitions: Int = 20, minimumSeconds: Double = 0.5
    ) throws -> Measurement {
        let pool = try PinnedPool(threads: threads, placement: placement)
        defer { pool.shutdown() }
        let tile = MicroKernelTile.native
        var best = Double.infinity
        let started = now()
        var runs = 0
        while runs < repetitions || now() - started < minimumSeconds {
            let start = now()
            pool.run { _ in
                if tile.gemmRoof(blocks: blocks).isNaN { print("") }  // keeps the result live
            }
            best = min(best, now() - start)
            runs += 1
        }
        let flops = Double(threads * blocks) * tile.gemmRoofFLOPs
        return Measurement(
            threads: threads, placement: "\(placement), micro-kernel \(tile.rawValue)", value: flops / best / 1e9,
            unit: gemmUnit)
    }

    /// STREAM triad a[i] = b[i] + s·c[i] over arrays of `bytesPerArray` (default 4× the last-level
    /// cache, so memory and not cache is measured), each worker owning a contiguous share that it
    /// first-touched itself; bandwidth counts 3 arrays × 8 bytes… here fp32: 12 bytes per element
    /// (no write-allocate counted, as STREAM does). Best of `repetitions`.
    public static func triad(
        threads: Int, placement: Placement = .close, bytesPerArray: Int? = nil,
        repetitions: Int = 10
    ) throws -> Measurement {
        let machine = MachineSummary(try MachineTopology.shared())
        let llc = machine.caches.filter { $0.kind != "instruction" }.map(\.sizeBytes).max() ?? 32 << 20
        let count = (bytesPerArray ?? Int(4 * llc)) / MemoryLayout<Float>.size
        let pool = try PinnedPool(threads: threads, placement: placement)
        defer { pool.shutdown() }
        let arrays = (0..<3).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: count) }
        defer { arrays.forEach { $0.deallocate() } }
        let a = UncheckedPointer(arrays[0]), b = UncheckedPointer(arrays[1]), c = UncheckedPointer(arrays[2])
        let workers = threads
        pool.run { w in  // first touch by the owner
            let range = (count * w / workers)..<(count * (w + 1) / workers)
            for i in range { a.pointer[i] = 0; b.pointer[i] = 1; c.pointer[i] = 2 }
        }
        var best = Double.infinity
        for _ in 0..<repetitions {
            let start = now()
            pool.run { w in
                let lower = count * w / workers, upper = count * (w + 1) / workers
                let x = a.pointer, y = b.pointer, z = c.pointer
                for i in lower..<upper { x[i] = y[i] + 3 * z[i] }
            }
            best = min(best, now() - start)
        }
        return Measurement(
            threads: threads, placement: "\(placement)",
            value: Double(3 * count * MemoryLayout<Float>.size) / best / 1e9, unit: "GB/s")
    }

    /// Median cost of one empty `run` on a pinned pool (run records off, so only the hand-off
    /// is measured) and of one empty `concurrentPerform` with as many iterations.
    public static func runOverhead(threads: Int, placement: Placement = .close) throws -> [Measurement] {
        func median(_ body: () -> Void) -> Double {
            for _ in 0..<1000 { body() }
            let samples = (0..<21).map { _ -> Double in
                let n = 10_000
                let start = now()
                for _ in 0..<n { body() }
                return (now() - start) / Double(n) * 1e9
            }
            return Statistics(samples)!.median
        }
        let pool = try PinnedPool(threads: threads, placement: placement)
        defer { pool.shutdown() }
        pool.recordsRuns = false
        let pooled = median { pool.run { _ in } }
        pool.recordsRuns = true
        let recorded = median { pool.run { _ in } }
        let dispatch = median { DispatchQueue.concurrentPerform(iterations: threads) { _ in } }
        return [
            Measurement(threads: threads, placement: "pool \(placement)", value: pooled, unit: "ns per empty run"),
            Measurement(
                threads: threads, placement: "pool \(placement), recording", value: recorded, unit: "ns per empty run"),
            Measurement(threads: threads, placement: "concurrentPerform", value: dispatch, unit: "ns per empty run"),
        ]
    }
}
