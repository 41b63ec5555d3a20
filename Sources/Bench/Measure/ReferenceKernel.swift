import DeformConv

/// A fixed compute-bound kernel timed in the same run as the points, so that a comparison can
/// divide out how fast the machine happened to be (`compare --normalize`), and the loop of the
/// FMA-peak probe: independent `SIMD16<Float>` FMA chains, register-resident, the same kind of
/// work as the kernels' inner loop. As many chains as the register file holds with the two
/// operands beside them, and enough to cover two FMA pipes' latency: 8 with 32 vector registers
/// (AVX-512: 8 zmm), 6 with 16 (AVX2: 12 ymm; 8 chains there spill, see
/// docs/design-measurements.md). 2^18 steps × 8 × 16 × 2 = 67 MFLOP, well under a millisecond.
public enum ReferenceKernel {
    public static let steps = 1 << 18
    /// Independent SIMD16 chains per step (see above).
    public static let chains = MicroKernelTile.native == .tile8x32 ? 8 : 6
    public static var flops: Double { flops(steps: steps) }
    public static func flops(steps: Int) -> Double { Double(steps) * Double(chains) * 16 * 2 }

    /// Runs the loop; returns a value that depends on every step, so it cannot be elided.
    @inline(never)
    public static func run(steps: Int = steps, seed: Float = 1) -> Float {
        let a = SIMD16<Float>(repeating: 0.999_999), b = SIMD16<Float>(repeating: 1e-7 * seed)
        var c0 = SIMD16<Float>(repeating: seed), c1 = c0 + 1, c2 = c0 + 2, c3 = c0 + 3
        var c4 = c0 + 4, c5 = c0 + 5, c6 = c0 + 6, c7 = c0 + 7
        // c ← b + c·a: each chain converges (no overflow, no denormals) and depends on every step.
        if chains == 8 {
            for _ in 0..<steps {
                c0 = b.addingProduct(c0, a); c1 = b.addingProduct(c1, a)
                c2 = b.addingProduct(c2, a); c3 = b.addingProduct(c3, a)
                c4 = b.addingProduct(c4, a); c5 = b.addingProduct(c5, a)
                c6 = b.addingProduct(c6, a); c7 = b.addingProduct(c7, a)
            }
        } else {
            for _ in 0..<steps {
                c0 = b.addingProduct(c0, a); c1 = b.addingProduct(c1, a)
                c2 = b.addingProduct(c2, a); c3 = b.addingProduct(c3, a)
                c4 = b.addingProduct(c4, a); c5 = b.addingProduct(c5, a)
            }
        }
        return ((c0 + c1) + (c2 + c3) + (c4 + c5) + (c6 + c7)).sum()
    }

    /// Seconds of one run on the calling thread: the fastest of three, so that an interrupt in
    /// one of them does not count.
    public static func time(steps: Int = steps) -> Double {
        (0..<3).map { _ in
            let start = now()
            sink = run(steps: steps, seed: sink == 0 ? 1 : 1 + sink * 1e-30)
            return now() - start
        }.min()!
    }

    /// Keeps the result observable.
    nonisolated(unsafe) static var sink: Float = 0
}
