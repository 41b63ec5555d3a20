import DeformConv
import DeformConvReference
import Foundation

/// The tensors of one problem.
struct Problem {
    var geometry: DeformConvGeometry
    var input: Tensor
    var offset: Tensor
    var mask: Tensor?
    var weight: Tensor
    var bias: Tensor?

    /// Random tensors as the golden set makes them: N(0,1) input, weights scaled by 1/√fan-in,
    /// sigmoid masks, offsets N(0,1)·`offsetScale`.
    init(_ g: DeformConvGeometry, seed: UInt64, offsetScale: Float = 2) throws {
        var rng = SeededGenerator(seed: seed)
        func filled(_ shape: [Int], _ value: (inout SeededGenerator) -> Float) throws -> Tensor {
            let t = try Tensor(shape: shape)
            for i in 0..<t.count { t.data[i] = value(&rng) }
            return t
        }
        geometry = g
        input = try filled(g.inputShape) { $0.normal() }
        offset = try filled(g.offsetShape) { $0.normal() * offsetScale }
        mask = g.hasMask ? try filled(g.maskShape) { 1 / (1 + exp(-$0.normal())) } : nil
        let scale = 1 / Float(g.reductionLength).squareRoot()
        weight = try filled(g.weightShape) { $0.normal() * scale }
        bias = g.hasBias ? try filled(g.biasShape) { $0.normal() } : nil
    }

    init(golden c: GoldenCase) throws {
        geometry = c.geometry
        input = try c.tensor("input")
        offset = try c.tensor("offset")
        mask = c.geometry.hasMask ? try c.tensor("mask") : nil
        weight = try c.tensor("weight")
        bias = c.geometry.hasBias ? try c.tensor("bias") : nil
    }

    func run(_ variant: KernelVariant, options: KernelOptions = .init()) throws -> Tensor {
        try DeformConvolution(geometry: geometry, variant: variant, options: options)
            .forward(input: input, offset: offset, mask: mask, weight: weight, bias: bias)
    }

    /// All the gradients of `selection` for the upstream gradient `gradOutput`.
    func backward(
        _ variant: KernelVariant, gradOutput: Tensor, selection: GradientSelection? = nil,
        options: KernelOptions = .init(), layout: TensorLayout = .nchw
    ) throws -> DeformConvGradients {
        try DeformConvolution(geometry: geometry, variant: variant, options: options, layout: layout)
            .backward(
                input: input, offset: offset, mask: mask, weight: weight, gradOutput: gradOutput,
                computing: selection ?? .all(geometry))
    }

    /// A random upstream gradient, N(0,1), in the output's shape.
    func randomGradOutput(seed: UInt64) throws -> Tensor {
        var rng = SeededGenerator(seed: seed)
        let t = try Tensor(shape: geometry.outputShape)
        for i in 0..<t.count { t.data[i] = rng.normal() }
        return t
    }

    var reference: Reference {
        Reference(geometry, input: input, offset: offset, mask: mask, weight: weight, bias: bias)
    }
}

/// A multi-threaded executor for tests: `workers` iterations of `concurrentPerform`.
struct ConcurrentTestExecutor: ParallelExecutor {
    let workerCount: Int
    func run(_ body: @Sendable (Int) -> Void) {
        DispatchQueue.concurrentPerform(iterations: workerCount, execute: body)
    }
}

/// Every variant, and the option sets that push each through its edge paths: several pixel
/// blocks with a short last one (a tiny cache budget) and several workers; each with both GEMM
/// micro-kernels, whichever this machine's build would pick.
let variantConfigurations: [(name: String, variant: KernelVariant, options: KernelOptions)] =
    [("naive", .naive, KernelOptions())]
    + MicroKernelTile.allCases.flatMap { tile in
        let small = KernelOptions.minCacheBytes
        let configurations: [(name: String, variant: KernelVariant, options: KernelOptions)] = [
            ("tiled", .tiled, KernelOptions(microKernel: tile)),
            ("tiled/small-tiles", .tiled, KernelOptions(cacheBytes: small, microKernel: tile)),
            ("dispatch", .dispatch, KernelOptions(dispatchWorkers: 3, microKernel: tile)),
            (
                "dispatch/small-tiles", .dispatch,
                KernelOptions(cacheBytes: small, dispatchWorkers: 2, microKernel: tile)
            ),
            ("blockedGather", .blockedGather, KernelOptions(microKernel: tile)),
            // Both products of blockedGather whatever the size: packed weights, and weights as given.
            (
                "blockedGather/packed/small-blocks/3-workers", .blockedGather,
                KernelOptions(
                    cacheBytes: small, executor: ConcurrentTestExecutor(workerCount: 3), fewPixels: 0, microKernel: tile
                )
            ),
            (
                "blockedGather/as-given/small-blocks/3-workers", .blockedGather,
                KernelOptions(
                    cacheBytes: small, executor: ConcurrentTestExecutor(workerCount: 3), fewPixels: .max,
                    microKernel: tile)
            ),
        ]
        return configurations.map { ("\($0.name)/\(tile.rawValue)", $0.variant, $0.options) }
    }

/// The library's output check (`OutputComparison`), as the tests name it.
typealias Comparison = OutputComparison

let goldenDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden")
