import DeformConv
import DeformConvReference
import Foundation
import Testing

@Suite("Bad input: clear errors, no crash, no wrong answer")
struct BadInputTests {
    static func geometry(
        batch: Int = 1, inChannels: Int = 4, height: Int = 5, width: Int = 5, outChannels: Int = 4,
        kernel: Extent2 = Extent2(3), stride: Extent2 = Extent2(1), padding: Extent2 = Extent2(1),
        dilation: Extent2 = Extent2(1), groups: Int = 1, offsetGroups: Int = 1
    ) throws -> DeformConvGeometry {
        try DeformConvGeometry(
            batch: batch, inChannels: inChannels, height: height, width: width, outChannels: outChannels,
            kernel: kernel, stride: stride, padding: padding, dilation: dilation, groups: groups,
            offsetGroups: offsetGroups, hasMask: true, hasBias: false)
    }

    static func message(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch { return "\(error)" }
    }

    @Test("each invalid geometry throws naming the field and why")
    func invalidGeometry() {
        let cases: [(String, () throws -> Any)] = [
            ("invalid geometry: batch must be at least 1, got 0", { try Self.geometry(batch: 0) }),
            ("invalid geometry: inChannels must be at least 1, got -3", { try Self.geometry(inChannels: -3) }),
            ("invalid geometry: height must be at least 1, got 0", { try Self.geometry(height: 0) }),
            (
                "invalid geometry: width must be at most 16777216, got 16777217",
                { try Self.geometry(width: (1 << 24) + 1) }
            ),
            ("invalid geometry: kernel.w must be at least 1, got 0", { try Self.geometry(kernel: Extent2(3, 0)) }),
            ("invalid geometry: stride.h must be at least 1, got 0", { try Self.geometry(stride: Extent2(0, 1)) }),
            ("invalid geometry: padding.w must be at least 0, got -1", { try Self.geometry(padding: Extent2(1, -1)) }),
            ("invalid geometry: dilation.h must be at least 1, got 0", { try Self.geometry(dilation: Extent2(0, 1)) }),
            ("invalid geometry: groups must be at least 1, got 0", { try Self.geometry(groups: 0) }),
            ("invalid geometry: offsetGroups must be at least 1, got 0", { try Self.geometry(offsetGroups: 0) }),
            (
                "invalid geometry: inChannels (4) must be divisible by groups (3)",
                { try Self.geometry(outChannels: 6, groups: 3) }
            ),
            (
                "invalid geometry: outChannels (5) must be divisible by groups (2)",
                { try Self.geometry(outChannels: 5, groups: 2) }
            ),
            (
                "invalid geometry: inChannels (4) must be divisible by offsetGroups (3)",
                { try Self.geometry(offsetGroups: 3) }
            ),
            (
                "invalid geometry: kernel.h extent 9 (dilation 4) exceeds the padded input 7: the output would be empty",
                { try Self.geometry(padding: Extent2(1), dilation: Extent2(4, 1)) }
            ),
            (
                "invalid geometry: input tensor of shape [65536, 4096, 16, 16] exceeds 2147483647 elements",
                { try Self.geometry(batch: 65536, inChannels: 4096, height: 16, width: 16, outChannels: 1) }
            ),
            (
                "invalid geometry: offset tensor of shape [1, 18, 16384, 16384] exceeds 2147483647 elements",
                { try Self.geometry(inChannels: 1, height: 16384, width: 16384, outChannels: 1) }
            ),
        ]
        for (expected, body) in cases {
            #expect(Self.message(body) == expected)
        }
    }

    @Test("tensors that do not match the geometry are refused by every variant")
    func shapeMismatch() throws {
        let g = try Self.geometry()
        let p = try Problem(g, seed: 3)
        let wrongInput = try Tensor(shape: [1, 4, 5, 6])
        let wrongOffset = try Tensor(shape: [1, 9, 5, 5])
        let noBiasGeometry = try DeformConvolution(geometry: g, variant: .naive)
        for variant in KernelVariant.allCases {
            let op = try DeformConvolution(geometry: g, variant: variant)
            #expect(
                Self.message {
                    try op.forward(input: wrongInput, offset: p.offset, mask: p.mask, weight: p.weight, bias: nil)
                }
                    == "tensor 'input' has shape [1, 4, 5, 6], expected [1, 4, 5, 5]")
            #expect(
                Self.message {
                    try op.forward(input: p.input, offset: wrongOffset, mask: p.mask, weight: p.weight, bias: nil)
                }
                    == "tensor 'offset' has shape [1, 9, 5, 5], expected [1, 18, 5, 5]")
            #expect(
                Self.message {
                    try op.forward(input: p.input, offset: p.offset, mask: nil, weight: p.weight, bias: nil)
                }
                    == "tensor 'mask' is required: the geometry has hasMask")
            #expect(
                Self.message {
                    try op.forward(input: p.input, offset: p.offset, mask: p.mask, weight: p.weight, bias: p.weight)
                }
                    == "tensor 'bias' was given but the geometry has no hasBias")
        }
        #expect(
            Self.message {
                try noBiasGeometry.forward(input: p.input, offset: p.offset, mask: p.mask, weight: p.input, bias: nil)
            }
                == "tensor 'weight' has shape [1, 4, 5, 5], expected [4, 4, 3, 3]")
    }

    @Test("bad tensor shapes, variant names and options give errors")
    func otherErrors() throws {
        #expect(Self.message { try Tensor(shape: [2, -1]) } == "invalid tensor shape [2, -1]: negative extent")
        #expect(
            Self.message { try Tensor(shape: [1 << 40, 1 << 40]) }
                == "invalid tensor shape [1099511627776, 1099511627776]: more than 2147483647 elements")
        #expect(
            Self.message { try Tensor(shape: [2], values: [1]) }
                == "invalid tensor shape [2]: 1 values given for 2 elements")
        #expect(
            Self.message { try KernelVariant(named: "fast") }
                == "unknown kernel variant 'fast'; valid variants: naive, tiled, dispatch, blockedGather")
        let g = try Self.geometry()
        #expect(
            Self.message {
                try DeformConvolution(geometry: g, variant: .tiled, options: KernelOptions(cacheBytes: 100))
            }
                == "invalid option cacheBytes: must be at least 4096, got 100")
        #expect(
            Self.message {
                try DeformConvolution(geometry: g, variant: .dispatch, options: KernelOptions(dispatchWorkers: 0))
            }
                == "invalid option dispatchWorkers: must be at least 1, got 0")
        #expect(
            Self.message {
                try DeformConvolution(
                    geometry: g, variant: .blockedGather,
                    options: KernelOptions(executor: ConcurrentTestExecutor(workerCount: 0)))
            } == "invalid option executor: must have at least 1 worker, got 0")
    }

    static let badValues: [Float] = [
        .nan, -.nan, .infinity, -.infinity, 1e30, -1e30,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e9, -3e8,
    ]

    @Test("non-finite or huge offsets on a tap make it contribute 0, in every variant", arguments: badValues)
    func badOffsets(_ bad: Float) throws {
        let g = try DeformConvGeometry(
            batch: 2, inChannels: 4, height: 7, width: 6, outChannels: 6, kernel: Extent2(3, 3),
            padding: Extent2(1), groups: 2, offsetGroups: 2, hasMask: true, hasBias: true)
        let badTap = 4  // the centre tap
        // dy only, dx only, both: each must knock the tap out.
        for axes in [[0], [1], [0, 1]] {
            let p = try Problem(g, seed: 11)
            for n in 0..<g.batch {
                for og in 0..<g.offsetGroups {
                    for axis in axes {
                        let channel = 2 * (og * g.taps + badTap) + axis
                        (p.offset.data + (n * 2 * g.offsetGroups * g.taps + channel) * g.outPixels)
                            .update(repeating: bad, count: g.outPixels)
                    }
                }
            }
            // Expected: the same problem with that tap's weights zeroed, offsets left finite.
            let clean = try Problem(g, seed: 11)
            for k in stride(from: badTap, to: clean.weight.count, by: g.taps) { clean.weight.data[k] = 0 }
            let reference = clean.reference
            for (label, variant, options) in variantConfigurations {
                let output = try p.run(variant, options: options)
                #expect(
                    output.scalars.allSatisfy { $0.isFinite },
                    "\(label), offset \(bad) on axes \(axes): non-finite output")
                let result = Comparison(
                    actual: output, expected: { reference.value[$0] }, tolerance: reference.tolerance)
                #expect(result.passed, "\(label), offset \(bad) on axes \(axes): \(result)")
            }
        }
    }

    @Test(
        "the reference's tolerances stay numbers with non-finite offsets: an off-image sample moves nothing",
        arguments: badValues)
    func toleranceWithBadOffsets(_ bad: Float) throws {
        let g = try DeformConvGeometry(
            batch: 1, inChannels: 2, height: 5, width: 5, outChannels: 2, kernel: Extent2(3, 3),
            padding: Extent2(1), hasMask: true, hasBias: true)
        let p = try Problem(g, seed: 3)
        for k in stride(from: 0, to: p.offset.count, by: 3) { p.offset.data[k] = bad }
        let forward = Reference(g, input: p.input, offset: p.offset, mask: p.mask, weight: p.weight, bias: p.bias)
        #expect(forward.elements.allSatisfy { $0.tolerance.isFinite }, "forward, offset \(bad)")
        let gradOutput = try Tensor(
            shape: g.outputShape, values: Array(repeating: 1, count: g.outputShape.reduce(1, *)))
        let gradients = GradientReference(p, gradOutput: gradOutput)
        for (gradient, count) in [
            (GradientSelection.weight, p.weight.count), (.offset, p.offset.count), (.mask, p.mask!.count),
            (.input, p.input.count),
        ] {
            #expect(
                gradients.elements(gradient, count: count).allSatisfy { $0.tolerance.isFinite },
                "\(gradient), offset \(bad)")
        }
    }

    @Test("bad offsets scattered at random give finite outputs that agree across variants")
    func scatteredBadOffsets() throws {
        let g = try DeformConvGeometry(
            batch: 1, inChannels: 6, height: 9, width: 11, outChannels: 5, kernel: Extent2(3, 2),
            stride: Extent2(2, 1), padding: Extent2(1, 0), offsetGroups: 3, hasMask: true, hasBias: false)
        let p = try Problem(g, seed: 5)
        var rng = SeededGenerator(seed: 99)
        for k in 0..<p.offset.count where rng.next() % 4 == 0 {
            p.offset.data[k] = Self.badValues[Int(rng.next() % UInt64(Self.badValues.count))]
        }
        let reference = p.reference
        for (label, variant, options) in variantConfigurations {
            let output = try p.run(variant, options: options)
            #expect(output.scalars.allSatisfy { $0.isFinite }, "\(label): non-finite output")
            let result = Comparison(actual: output, expected: { reference.value[$0] }, tolerance: reference.tolerance)
            #expect(result.passed, "\(label): \(result)")
        }
    }

    @Test("a NaN pixel at a zero-weight corner does not leak; a NaN mask propagates")
    func nanPropagation() throws {
        let g = try DeformConvGeometry(
            batch: 1, inChannels: 1, height: 3, width: 3, outChannels: 1, kernel: Extent2(1, 1),
            hasMask: true, hasBias: false)
        let p = try Problem(g, seed: 8)
        p.offset.fill(0)  // every sample at an integer position: three of its corners weigh 0
        p.mask!.fill(1)
        p.weight.fill(1)
        p.input.data[4] = .nan  // the centre pixel (1, 1)
        let naive = try p.run(.naive)
        for (label, variant, options) in variantConfigurations {
            let output = try p.run(variant, options: options)
            for k in 0..<9 {
                // Only the output reading pixel (1, 1) itself is NaN; (0, 0) has it as a 0-weight corner.
                #expect(output.data[k].isNaN == (k == 4), "\(label): output \(k) = \(output.data[k])")
                if k != 4 { #expect(output.data[k] == p.input.data[k], "\(label): output \(k)") }
            }
            #expect(naive.data[0] == output.data[0])
        }
        // With 32 channels, which blockedGather blends 16 at a time, the NaN at pixel (0, 0):
        // the plan points every zero-weight corner at offset 0, so a gather that read those
        // corners would leak it into all nine outputs; only the output reading (0, 0) may be NaN.
        let wide = try Problem(
            DeformConvGeometry(
                batch: 1, inChannels: 32, height: 3, width: 3, outChannels: 1, kernel: Extent2(1, 1),
                hasMask: true, hasBias: false), seed: 9)
        wide.offset.fill(0)
        wide.mask!.fill(1)
        wide.input.data[17 * 9] = .nan  // channel 17, pixel (0, 0)
        for (label, variant, options) in variantConfigurations {
            let output = try wide.run(variant, options: options)
            for k in 0..<9 { #expect(output.data[k].isNaN == (k == 0), "\(label), 32 channels: output \(k)") }
        }
        p.input.data[4] = 0
        p.mask!.data[7] = .nan
        for (label, variant, options) in variantConfigurations {
            let output = try p.run(variant, options: options)
            #expect(
                output.data[7].isNaN
                    && output.scalars.enumerated().allSatisfy { $0.offset == 7 || $0.element.isFinite },
                "\(label): a NaN mask must make exactly its own output NaN")
        }
    }
}

@Suite("Non-finite pixels take the general gather path")
struct NonFinitePixelTests {
    @Test("with ±∞ and NaN pixels every variant agrees with naive, NaN where naive is NaN")
    func nonFinitePixels() throws {
        let g = try DeformConvGeometry(
            batch: 2, inChannels: 4, height: 9, width: 8, outChannels: 3, kernel: Extent2(3, 3),
            padding: Extent2(1), offsetGroups: 2, hasMask: true, hasBias: true)
        let p = try Problem(g, seed: 21)
        p.input.data[5] = .infinity
        p.input.data[200] = -.infinity
        p.input.data[300] = .nan
        let naive = try p.run(.naive)
        let nonFinite = (0..<naive.count).filter { !naive.data[$0].isFinite }
        #expect(!nonFinite.isEmpty && nonFinite.count < naive.count / 2, "the planted pixels reach some outputs only")
        // Finite outputs give the planted pixels zero weight, so the reference of a copy with
        // those pixels zeroed is their exact value, with its usual fp32 tolerance.
        let clean = try Problem(g, seed: 21)
        for k in [5, 200, 300] { clean.input.data[k] = 0 }
        let reference = clean.reference
        for (label, variant, options) in variantConfigurations {
            let output = try p.run(variant, options: options)
            for k in 0..<output.count {
                if naive.data[k].isFinite {
                    #expect(
                        abs(Double(output.data[k]) - reference.value[k]) <= reference.tolerance(k),
                        "\(label) output \(k)")
                } else {
                    #expect(!output.data[k].isFinite, "\(label) output \(k): \(output.data[k]), naive \(naive.data[k])")
                }
            }
        }
    }
}
