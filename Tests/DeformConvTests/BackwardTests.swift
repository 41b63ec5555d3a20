import DeformConvReference
import Foundation
import Testing

@testable import DeformConv

/// The backward designs and the option sets that push the fast one through its edge paths:
/// several pixel blocks with a short last one and several workers (their copies of grad_input
/// and their weight sums added), the weights transposed or, wherever C_in/G allows, as given,
/// with both micro-kernels.
let backwardConfigurations: [(name: String, variant: KernelVariant, options: KernelOptions)] =
    [("naive", .naive, KernelOptions())]
    + MicroKernelTile.allCases.flatMap { tile in
        [
            ("blockedGather/\(tile.rawValue)", KernelVariant.blockedGather, KernelOptions(microKernel: tile)),
            (
                "blockedGather/small-blocks/3-workers/\(tile.rawValue)", .blockedGather,
                KernelOptions(
                    cacheBytes: KernelOptions.minCacheBytes, executor: ConcurrentTestExecutor(workerCount: 3),
                    fewPixels: 0, microKernel: tile)
            ),
            (
                "blockedGather/small-blocks/weights-as-given/\(tile.rawValue)", .blockedGather,
                KernelOptions(cacheBytes: KernelOptions.minCacheBytes, fewPixels: .max, microKernel: tile)
            ),
            (
                "blockedGather/small-blocks/3-workers/weights-as-given/\(tile.rawValue)", .blockedGather,
                KernelOptions(
                    cacheBytes: KernelOptions.minCacheBytes, executor: ConcurrentTestExecutor(workerCount: 3),
                    fewPixels: .max, microKernel: tile)
            ),
        ]
    }

/// The flat sizes of each gradient of `g`.
func gradientCounts(_ g: DeformConvGeometry) -> [(name: String, gradient: GradientSelection, count: Int)] {
    GradientSelection.named.filter { GradientSelection.all(g).contains($0.gradient) }.map { name, gradient in
        let shape =
            switch gradient {
            case .input: g.inputShape
            case .offset: g.offsetShape
            case .mask: g.maskShape
            case .weight: g.weightShape
            default: g.biasShape
            }
        return (name, gradient, shape.reduce(1, *))
    }
}

@Suite("Backward: every gradient against torchvision's golden vectors")
struct BackwardGoldenTests {
    static let set = Result { try GoldenSet(directory: goldenDirectory) }
    static let names = try! GoldenSet(directory: goldenDirectory).cases.map(\.name)

    @Test("our float64 reference reproduces every stored gradient", arguments: names)
    func referenceMatchesGolden(_ name: String) throws {
        // The stored gradients are float64 results rounded to float32: half an ulp apart, plus the
        // float64 rounding of sums in another order (2^-40 of their magnitude is far above it).
        let golden = try #require(try Self.set.get().cases.first { $0.name == name })
        let problem = try Problem(golden: golden)
        let reference = GradientReference(problem, gradOutput: try golden.tensor("grad_output"))
        for (label, gradient, count) in gradientCounts(problem.geometry) {
            let stored = try golden.tensor("grad_\(label)")
            for i in 0..<count {
                let e = reference.evaluator.element(gradient, i)
                #expect(
                    abs(e.value - Double(stored.data[i])) <= Double(stored.data[i].ulp) / 2 + 0x1p-40 * e.magnitude,
                    "\(name) grad_\(label)[\(i)]: reference \(e.value), stored \(stored.data[i])")
            }
        }
    }

    @Test("every backward design matches every stored gradient", arguments: names)
    func designsMatchGolden(_ name: String) throws {
        let golden = try #require(try Self.set.get().cases.first { $0.name == name })
        let problem = try Problem(golden: golden)
        let gradOutput = try golden.tensor("grad_output")
        let reference = GradientReference(problem, gradOutput: gradOutput)
        let expected = gradientCounts(problem.geometry).map { label, gradient, count in
            (label, try! golden.tensor("grad_\(label)"), reference.elements(gradient, count: count))
        }
        for (configuration, variant, options) in backwardConfigurations {
            let gradients = try problem.backward(variant, gradOutput: gradOutput, options: options)
            for (label, stored, elements) in expected {
                let actual = try #require(gradients[label])
                // Per element: the reference's bound for a float32 evaluation of its terms
                // (ReferenceEvaluator.Element.tolerance: 8u·√(terms+1)·Σ|term| + u·coordinate
                // sensitivity), the terms being N·H_out·W_out products for grad_weight and
                // C_out/G products per column gradient for the others.
                let result = Comparison(
                    actual: actual, expected: { Double(stored.data[$0]) }, tolerance: { elements[$0].tolerance })
                #expect(result.passed, "case \(name), \(configuration), grad_\(label): \(result)")
            }
        }
    }
}

@Suite("Backward: random problems")
struct BackwardRandomTests {
    /// Geometries with groups, offset groups that straddle conv groups, strides, dilations,
    /// padding, batch > 1, a mask or not, and channel counts that leave vector tails.
    static let geometries: [DeformConvGeometry] = [
        try! DeformConvGeometry(
            batch: 2, inChannels: 20, height: 9, width: 7, outChannels: 6, kernel: Extent2(3),
            stride: Extent2(1), padding: Extent2(1), dilation: Extent2(1), groups: 1, offsetGroups: 1,
            hasMask: true, hasBias: true),
        try! DeformConvGeometry(
            batch: 1, inChannels: 36, height: 8, width: 10, outChannels: 8, kernel: Extent2(3, 2),
            stride: Extent2(2, 1), padding: Extent2(1, 0), dilation: Extent2(2, 1), groups: 2, offsetGroups: 3,
            hasMask: true, hasBias: false),
        try! DeformConvGeometry(
            batch: 3, inChannels: 32, height: 6, width: 6, outChannels: 40, kernel: Extent2(3),
            stride: Extent2(1), padding: Extent2(2), dilation: Extent2(1), groups: 4, offsetGroups: 2,
            hasMask: false, hasBias: true),
        // One output pixel per image, fewer than the 3-worker configuration's workers: workers
        // (worker 0 among them) with no pixels must leave the sums alone.
        try! DeformConvGeometry(
            batch: 2, inChannels: 17, height: 2, width: 2, outChannels: 5, kernel: Extent2(3),
            stride: Extent2(2), padding: Extent2(1), dilation: Extent2(1), groups: 1, offsetGroups: 1,
            hasMask: true, hasBias: true),
        // A wide layer on a small plane: an image's columns take less room than the grad_weight
        // sums, so with several workers step 3 runs per image by output channels over shared
        // columns; the 3-worker split of 64 channels crosses the group boundary at 32.
        try! DeformConvGeometry(
            batch: 2, inChannels: 24, height: 3, width: 3, outChannels: 64, kernel: Extent2(3),
            stride: Extent2(1), padding: Extent2(1), dilation: Extent2(1), groups: 2, offsetGroups: 3,
            hasMask: true, hasBias: true),
        // C_in/G·kh·kw a multiple of 32, so the weights can be multiplied as given: with 3
        // workers, shared columns (5) and the workers' own sums (6).
        try! DeformConvGeometry(
            batch: 2, inChannels: 64, height: 4, width: 3, outChannels: 64, kernel: Extent2(3),
            stride: Extent2(1), padding: Extent2(1), dilation: Extent2(1), groups: 2, offsetGroups: 2,
            hasMask: true, hasBias: true),
        try! DeformConvGeometry(
            batch: 1, inChannels: 32, height: 5, width: 6, outChannels: 7, kernel: Extent2(3),
            stride: Extent2(1), padding: Extent2(1), dilation: Extent2(1), groups: 1, offsetGroups: 1,
            hasMask: false, hasBias: false),
    ]

    @Test(
        "fast backward equals naive and the float64 reference on random geometries",
        arguments: 0..<geometries.count)
    func fastMatchesNaive(_ which: Int) throws {
        let problem = try Problem(Self.geometries[which], seed: UInt64(100 + which))
        let gradOutput = try problem.randomGradOutput(seed: UInt64(200 + which))
        let reference = GradientReference(problem, gradOutput: gradOutput)
        let naive = try problem.backward(.naive, gradOutput: gradOutput)
        for (label, gradient, count) in gradientCounts(problem.geometry) {
            let elements = reference.elements(gradient, count: count)
            let slow = try #require(naive[label])
            let check = Comparison(
                actual: slow, expected: { elements[$0].value }, tolerance: { elements[$0].tolerance })
            #expect(check.passed, "naive grad_\(label): \(check)")
            for (configuration, variant, options) in backwardConfigurations where variant != .naive {
                let fast = try #require(try problem.backward(variant, gradOutput: gradOutput, options: options)[label])
                let result = Comparison(
                    actual: fast, expected: { elements[$0].value }, tolerance: { elements[$0].tolerance })
                #expect(result.passed, "\(configuration) grad_\(label): \(result)")
                // Both within their bound of the exact value, so within twice it of each other.
                let pair = Comparison(
                    actual: fast, expected: { Double(slow.data[$0]) }, tolerance: { 2 * elements[$0].tolerance })
                #expect(pair.passed, "\(configuration) against naive, grad_\(label): \(pair)")
            }
        }
    }

    @Test("with several workers, a wide layer on a small plane shares its image's columns; others do not")
    func sharedColumnsChoice() {
        func shares(_ which: Int, workers: Int) -> Bool {
            BlockedGatherBackward(
                geometry: Self.geometries[which],
                options: KernelOptions(executor: ConcurrentTestExecutor(workerCount: workers)), layout: .nchw
            ).sharedColumns
        }
        #expect(shares(4, workers: 3) && shares(4, workers: 2))
        #expect(!shares(4, workers: 1))
        #expect(!shares(0, workers: 3) && !shares(2, workers: 2))
        #expect(shares(5, workers: 3) && !shares(6, workers: 3))
    }

    @Test(
        "the weights are multiplied as given with few pixels per output channel of a group, where C_in/G·kh·kw is a multiple of 32"
    )
    func weightsAsGivenChoice() {
        func asGiven(_ which: Int, fewPixels: Int = KernelOptions().fewPixels) -> Bool {
            BlockedGatherBackward(
                geometry: Self.geometries[which], options: KernelOptions(fewPixels: fewPixels), layout: .nchw
            ).weightsAsGiven
        }
        // 5: 24 pixels for 32 output channels per group, 96 per 128; 6: 30 for 7, 548 per 128.
        #expect(asGiven(5) && !asGiven(6))
        #expect(!asGiven(5, fewPixels: 96) && asGiven(5, fewPixels: 97))
        #expect(!asGiven(6, fewPixels: 548) && asGiven(6, fewPixels: 549))
        // 20·9 = 180 and 8·9 = 72 are not multiples of 32.
        #expect(!asGiven(0, fewPixels: .max) && !asGiven(2, fewPixels: .max))
        #expect(!asGiven(5, fewPixels: 0))
    }

    @Test(
        "channels-last backward equals NCHW after transposing input, grad_output and grad_input",
        arguments: [1, 4, 5])
    func channelsLast(_ which: Int) throws {
        let problem = try Problem(Self.geometries[which], seed: 7)
        let g = problem.geometry
        let gradOutput = try problem.randomGradOutput(seed: 8)
        let options = KernelOptions(
            cacheBytes: KernelOptions.minCacheBytes, executor: ConcurrentTestExecutor(workerCount: 2))
        let nchw = try problem.backward(.blockedGather, gradOutput: gradOutput, options: options)
        let op = try DeformConvolution(geometry: g, variant: .blockedGather, options: options, layout: .nhwc)
        let nhwc = try op.backward(
            input: transposed(
                problem.input, images: g.batch, rows: g.inChannels, columns: g.height * g.width,
                shape: g.inputShape(.nhwc)),
            offset: problem.offset, mask: problem.mask, weight: problem.weight,
            gradOutput: transposed(
                gradOutput, images: g.batch, rows: g.outChannels, columns: g.outPixels, shape: g.outputShape(.nhwc)),
            computing: .all(g))
        let reference = GradientReference(problem, gradOutput: gradOutput)
        for (label, gradient, count) in gradientCounts(g) {
            let elements = reference.elements(gradient, count: count)
            var actual = try #require(nhwc[label])
            if gradient == .input {
                actual = try transposed(
                    actual, images: g.batch, rows: g.height * g.width, columns: g.inChannels, shape: g.inputShape)
            }
            let result = Comparison(
                actual: actual, expected: { Double(nchw[label]!.data[$0]) }, tolerance: { 2 * elements[$0].tolerance })
            #expect(result.passed, "nhwc grad_\(label): \(result)")
        }
    }

    @Test("finite differences in float64 confirm the reference's gradients away from integer coordinates")
    func finiteDifferences() throws {
        // The loss is piecewise polynomial in the offsets: bilinear in (y, x) inside a cell, with
        // kinks where a coordinate crosses an integer (the cell changes). Offsets are moved so
        // every coordinate is at least 0.2 from an integer and the steps (0.05) stay inside the
        // cell, where the loss is linear along each single offset, input, weight or mask
        // element: a central difference is then exact up to float64 rounding.
        let g = Self.geometries[1]
        var problem = try Problem(g, seed: 11)
        for n in 0..<g.batch {
            for channel in 0..<2 * g.offsetGroups * g.taps {
                let t = (channel / 2) % g.taps, isY = channel % 2 == 0
                for pixel in 0..<g.outPixels {
                    let i = (n * 2 * g.offsetGroups * g.taps + channel) * g.outPixels + pixel
                    let origin =
                        isY
                        ? (pixel / g.outWidth) * g.stride.h - g.padding.h + (t / g.kernel.w) * g.dilation.h
                        : (pixel % g.outWidth) * g.stride.w - g.padding.w + (t % g.kernel.w) * g.dilation.w
                    let coordinate = Float(origin) + problem.offset.data[i]
                    let fraction = coordinate - coordinate.rounded(.down)
                    if fraction < 0.2 || fraction > 0.8 { problem.offset.data[i] += 0.5 - fraction }
                }
            }
        }
        let gradOutput = try problem.randomGradOutput(seed: 12)
        let reference = GradientReference(problem, gradOutput: gradOutput)
        let fast = try problem.backward(.blockedGather, gradOutput: gradOutput)
        func loss() -> Double {
            let evaluator = try! ReferenceEvaluator(
                geometry: g, input: problem.input, offset: problem.offset,
                mask: problem.mask, weight: problem.weight, bias: nil)
            return (0..<gradOutput.count).reduce(0.0) { $0 + evaluator.element($1).value * Double(gradOutput.data[$1]) }
        }
        var rng = SeededGenerator(seed: 13)
        let tensors: [(String, GradientSelection, Tensor)] =
            [
                ("input", .input, problem.input), ("offset", .offset, problem.offset), ("mask", .mask, problem.mask!),
                ("weight", .weight, problem.weight),
            ]
        for (label, gradient, tensor) in tensors {
            for _ in 0..<12 {
                let i = Int.random(in: 0..<tensor.count, using: &rng)
                let original = tensor.data[i]
                tensor.data[i] = original + 0.05
                let up = loss(), stepUp = Double(tensor.data[i]) - Double(original)
                tensor.data[i] = original - 0.05
                let down = loss(), stepDown = Double(original) - Double(tensor.data[i])
                tensor.data[i] = original
                let difference = (up - down) / (stepUp + stepDown)
                let exact = reference.evaluator.element(gradient, i)
                // Exact up to float64 rounding of sums of about 10^3 terms of size ≤ the magnitude.
                #expect(
                    abs(difference - exact.value) <= 1e-9 * (exact.magnitude + 1),
                    "\(label)[\(i)]: finite difference \(difference), reference \(exact.value)")
                let actual = Double(try #require(fast[label]).data[i])
                #expect(
                    abs(actual - exact.value) <= exact.tolerance,
                    "\(label)[\(i)]: blockedGather \(actual), reference \(exact.value) ± \(exact.tolerance)")
            }
        }
    }

    @Test("the same inputs and workers give bit-identical gradients on 20 multi-threaded runs")
    func deterministic() throws {
        let problem = try Problem(Self.geometries[2], seed: 21)
        let gradOutput = try problem.randomGradOutput(seed: 22)
        let options = KernelOptions(
            cacheBytes: KernelOptions.minCacheBytes, executor: ConcurrentTestExecutor(workerCount: 4))
        let op = try DeformConvolution(geometry: problem.geometry, variant: .blockedGather, options: options)
        let first = try op.backward(
            input: problem.input, offset: problem.offset, mask: problem.mask, weight: problem.weight,
            gradOutput: gradOutput, computing: .all(problem.geometry))
        for run in 1..<20 {
            let again = try op.backward(
                input: problem.input, offset: problem.offset, mask: problem.mask, weight: problem.weight,
                gradOutput: gradOutput, computing: .all(problem.geometry))
            for (label, _, count) in gradientCounts(problem.geometry) {
                let a = first[label]!, b = again[label]!
                let same = (0..<count).allSatisfy { a.data[$0].bitPattern == b.data[$0].bitPattern }
                #expect(same, "run \(run): grad_\(label) differs in its bits")
            }
        }
    }

    @Test(
        "NaN, ±inf and huge offsets give finite gradients that leave those points out",
        arguments: [KernelVariant.naive, .blockedGather])
    func nonFiniteOffsets(_ variant: KernelVariant) throws {
        let problem = try Problem(Self.geometries[0], seed: 31)
        let wild: [Float] = [.nan, .infinity, -.infinity, 1e30, -1e30, 3e9, -3e9, .greatestFiniteMagnitude]
        for i in stride(from: 0, to: problem.offset.count, by: 3) {
            problem.offset.data[i] = wild[(i / 3) % wild.count]
        }
        let gradOutput = try problem.randomGradOutput(seed: 32)
        let gradients = try problem.backward(
            variant, gradOutput: gradOutput,
            options: KernelOptions(executor: ConcurrentTestExecutor(workerCount: 2)))
        let reference = GradientReference(problem, gradOutput: gradOutput)
        for (label, gradient, count) in gradientCounts(problem.geometry) {
            let actual = try #require(gradients[label])
            #expect(
                (0..<count).allSatisfy { actual.data[$0].isFinite }, "\(variant) grad_\(label) has a non-finite element"
            )
            let elements = reference.elements(gradient, count: count)
            let result = Comparison(
                actual: actual, expected: { elements[$0].value }, tolerance: { elements[$0].tolerance })
            #expect(result.passed, "\(variant) grad_\(label): \(result)")
        }
    }

    @Test(
        "asking for a subset computes only that subset, and the same values",
        arguments: [KernelVariant.naive, .blockedGather])
    func subsets(_ variant: KernelVariant) throws {
        let problem = try Problem(Self.geometries[0], seed: 41)
        let gradOutput = try problem.randomGradOutput(seed: 42)
        let op = try DeformConvolution(geometry: problem.geometry, variant: variant)
        let all = try op.backward(
            input: problem.input, offset: problem.offset, mask: problem.mask, weight: problem.weight,
            gradOutput: gradOutput, computing: .all(problem.geometry))
        for (label, gradient) in GradientSelection.named {
            let one = try op.backward(
                input: problem.input, offset: problem.offset, mask: problem.mask, weight: problem.weight,
                gradOutput: gradOutput, computing: gradient)
            let work = try #require(op.lastBackwardWork)
            #expect(one.selection == gradient)
            #expect((work.weightProducts > 0) == (gradient == .weight), "\(label): \(work)")
            #expect((work.columnProducts > 0) == [.input, .offset, .mask].contains(gradient), "\(label): \(work)")
            #expect((work.spreadSamples > 0) == (gradient == .input), "\(label): \(work)")
            #expect((work.offsetSamples > 0) == (gradient == .offset), "\(label): \(work)")
            #expect((work.maskSamples > 0) == (gradient == .mask), "\(label): \(work)")
            #expect((work.biasTerms > 0) == (gradient == .bias), "\(label): \(work)")
            let a = try #require(one[label]), b = try #require(all[label])
            // Each gradient's sums run in the same order whatever else is computed.
            #expect((0..<a.count).allSatisfy { a.data[$0].bitPattern == b.data[$0].bitPattern }, "\(label) differs")
        }
    }
}

@Suite("Backward: bad requests")
struct BackwardBadInputTests {
    static let problem = try! Problem(BackwardRandomTests.geometries[0], seed: 51)

    func backward(
        _ variant: KernelVariant = .blockedGather, layout: TensorLayout = .nchw, gradOutput: Tensor? = nil,
        gradients: DeformConvGradients
    ) throws {
        let p = Self.problem
        try DeformConvolution(geometry: p.geometry, variant: variant, layout: layout)
            .backward(
                input: p.input, offset: p.offset, mask: p.mask, weight: p.weight,
                gradOutput: gradOutput ?? (try Tensor(shape: p.geometry.outputShape)), gradients: gradients)
    }

    @Test("clear errors for designs and layouts without a backward, wrong shapes, absent tensors and aliases")
    func errors() throws {
        let g = Self.problem.geometry
        let fine = try DeformConvGradients(.all(g), geometry: g)
        #expect(
            throws: DeformConvError.unsupported(
                operation: "backward of tiled", reason: "only naive and blockedGather have a backward pass")
        ) {
            try backward(.tiled, gradients: fine)
        }
        #expect(throws: DeformConvError.self) { try backward(.dispatch, gradients: fine) }
        #expect(throws: DeformConvError.self) { try backward(.naive, layout: .nhwc, gradients: fine) }
        #expect(throws: DeformConvError.shapeMismatch(tensor: "grad_output", expected: g.outputShape, actual: [1])) {
            try backward(gradOutput: try Tensor(shape: [1]), gradients: fine)
        }
        #expect(
            throws: DeformConvError.shapeMismatch(tensor: "grad_weight", expected: g.weightShape, actual: g.biasShape)
        ) {
            try backward(gradients: DeformConvGradients(weight: try Tensor(shape: g.biasShape)))
        }
        let v1 = try Problem(BackwardRandomTests.geometries[2], seed: 52)
        #expect(
            throws: DeformConvError.tensorPresence(
                tensor: "grad_mask", reason: "was given but the geometry has no hasMask")
        ) {
            try DeformConvolution(geometry: v1.geometry, variant: .naive)
                .backward(
                    input: v1.input, offset: v1.offset, mask: nil, weight: v1.weight,
                    gradOutput: try Tensor(shape: v1.geometry.outputShape),
                    gradients: DeformConvGradients(mask: try Tensor(shape: v1.geometry.maskShape)))
        }
        #expect(throws: DeformConvError.self) {
            try backward(gradients: DeformConvGradients(input: Self.problem.input))
        }
        #expect(
            throws: DeformConvError.tensorPresence(
                tensor: "grad_offset", reason: "is the same tensor as offset: gradients need tensors of their own")
        ) {
            try backward(gradients: DeformConvGradients(offset: Self.problem.offset))
        }
    }
}
