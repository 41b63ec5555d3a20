import DeformConv
import DeformConvReference
import Topology

/// The inputs of one point, deterministic in the point's shape (not in the thread count), and
/// written by the pool's pinned workers, each its contiguous share, so that first touch puts
/// the pages where they are used.
struct TestData {
    let input: Tensor
    let offset: Tensor
    let mask: Tensor?
    let weight: Tensor
    let output: Tensor
    /// A backward's incoming gradient and the gradients it writes (nil for the forward alone).
    let gradOutput: Tensor?
    let gradients: DeformConvGradients?

    /// Each tensor's offset from a page boundary, in cache lines, in the order they are made
    /// (input, offset, mask, weight, output, then a backward's grad_output and gradients).
    private(set) var lineOffsets: [Int] = []

    /// Values as the golden set draws them, in distribution: input and weights uniform in
    /// [−1, 1] (weights scaled by 1/√fan-in), offsets uniform in [−2, 2], masks in (0, 1).
    /// Each buffer starts a number of cache lines past a page boundary drawn from `layoutSeed`
    /// (see `Tensor.uninitialized(shape:pageOffset:)`).
    init(
        geometry g: DeformConvGeometry, layout: TensorLayout, direction: Direction, seed: UInt64, layoutSeed: UInt64,
        pool: PinnedPool
    ) throws {
        var rng = SeededGenerator(seed: layoutSeed)
        var lines: [Int] = []
        func tensor(_ shape: [Int]) throws -> Tensor {
            let line = Int(rng.next() % UInt64(Tensor.pageSize / Tensor.alignment))
            lines.append(line)
            return try .uninitialized(shape: shape, pageOffset: line * Tensor.alignment)
        }
        input = try tensor(g.inputShape(layout))
        offset = try tensor(g.offsetShape)
        mask = g.hasMask ? try tensor(g.maskShape) : nil
        weight = try tensor(g.weightShape)
        output = try tensor(g.outputShape(layout))
        let weightScale = 1 / Float(g.reductionLength).squareRoot()
        Self.fill(input, seed: seed &+ 1, pool: pool) { $0 }
        Self.fill(offset, seed: seed &+ 2, pool: pool) { 2 * $0 }
        if let mask { Self.fill(mask, seed: seed &+ 3, pool: pool) { 0.5 + 0.499 * $0 } }
        Self.fill(weight, seed: seed &+ 4, pool: pool) { weightScale * $0 }
        Self.fill(output, seed: 0, pool: pool) { _ in 0 }
        if direction.runsBackward {
            // grad_output uniform in [−1, 1]; every gradient of the geometry, zeroed by the workers.
            let upstream = try tensor(g.outputShape(layout))
            Self.fill(upstream, seed: seed &+ 5, pool: pool) { $0 }
            var gradients = DeformConvGradients()
            gradients.input = try tensor(g.inputShape(layout))
            gradients.offset = try tensor(g.offsetShape)
            gradients.mask = g.hasMask ? try tensor(g.maskShape) : nil
            gradients.weight = try tensor(g.weightShape)
            for case let t? in [gradients.input, gradients.offset, gradients.mask, gradients.weight] {
                Self.fill(t, seed: 0, pool: pool) { _ in 0 }
            }
            gradOutput = upstream
            self.gradients = gradients
        } else {
            gradOutput = nil
            gradients = nil
        }
        lineOffsets = lines
    }

    /// Element i = transform(u_i), u_i uniform in [−1, 1] from a hash of (seed, i).
    static func fill(_ t: Tensor, seed: UInt64, pool: PinnedPool, _ transform: @escaping @Sendable (Float) -> Float) {
        let workers = pool.threadCount, count = t.count, data = UncheckedPointer(t.data)
        pool.run { w in
            let start = count * w / workers, end = count * (w + 1) / workers
            for i in start..<end {
                data.pointer[i] = transform(uniform(seed: seed, index: UInt64(i)))
            }
        }
    }
}

/// A pointer the workers of one run write disjoint parts of.
struct UncheckedPointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}

/// SplitMix64's finaliser of (seed, index), mapped to [−1, 1].
func uniform(seed: UInt64, index: UInt64) -> Float {
    var z = seed &+ index &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Float(z >> 40) / Float(1 << 23) - 1
}

/// FNV-1a of a string: stable seeds and ids across runs and machines (Hasher is randomised).
public func stableHash(_ text: String) -> UInt64 {
    text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
}
