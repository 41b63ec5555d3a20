import DeformConv
import DeformConvReference
import Testing

@Suite("Variants agree on random geometries")
struct CrossVariantTests {
    /// A random small geometry: odd sizes, stride/dilation/padding combinations, groups and
    /// offset groups that divide C_in (not necessarily each other), batch up to 3.
    static func randomGeometry(_ rng: inout SeededGenerator) -> DeformConvGeometry {
        while true {
            let groups = Int.random(in: 1...3, using: &rng)
            let offsetGroups = Int.random(in: 1...3, using: &rng)
            let lcm = groups * offsetGroups / gcd(groups, offsetGroups)
            if let g = try? DeformConvGeometry(
                batch: Int.random(in: 1...3, using: &rng),
                inChannels: lcm * Int.random(in: 1...3, using: &rng),
                height: Int.random(in: 1...11, using: &rng), width: Int.random(in: 1...11, using: &rng),
                outChannels: groups * Int.random(in: 1...6, using: &rng),
                kernel: Extent2(Int.random(in: 1...4, using: &rng), Int.random(in: 1...4, using: &rng)),
                stride: Extent2(Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng)),
                padding: Extent2(Int.random(in: 0...2, using: &rng), Int.random(in: 0...2, using: &rng)),
                dilation: Extent2(Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng)),
                groups: groups, offsetGroups: offsetGroups,
                hasMask: Bool.random(using: &rng), hasBias: Bool.random(using: &rng))
            {
                return g
            }  // otherwise the output was empty: draw again
        }
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    @Test("every variant equals naive on 300 random problems")
    func agreeWithNaive() throws {
        var rng = SeededGenerator(seed: 20261125)
        for trial in 0..<300 {
            let g = Self.randomGeometry(&rng)
            let scale = [Float(0.5), 2, 6][trial % 3]
            let problem = try Problem(g, seed: rng.next(), offsetScale: scale)
            // Half the trials get exactly integer and border coordinates mixed in.
            if trial % 2 == 1 {
                for i in stride(from: 0, to: problem.offset.count, by: 3) {
                    problem.offset.data[i] = [-1, 0, 1, 2, -2, 0.5, -0.5][Int(rng.next() % 7)]
                }
            }
            let reference = problem.reference
            let naive = try problem.run(.naive)
            // naive and the variant each err by up to the tolerance from the exact value.
            let naiveCheck = Comparison(
                actual: naive, expected: { reference.value[$0] }, tolerance: reference.tolerance)
            #expect(naiveCheck.passed, "trial \(trial) \(g), naive vs float64: \(naiveCheck)")
            for (label, variant, options) in variantConfigurations where variant != .naive {
                let output = try problem.run(variant, options: options)
                let result = Comparison(
                    actual: output, expected: { Double(naive.data[$0]) },
                    tolerance: { 2 * reference.tolerance($0) })
                #expect(result.passed, "trial \(trial) \(g), \(label) vs naive: \(result)")
            }
        }
    }
}

@Suite("Deep reductions: several k-slices, partial tiles")
struct DeepReductionTests {
    /// (C_in/G)·kh·kw of 540–600 spans three k-slices of every micro-kernel (256 per slice), so the
    /// GEMMs carry partial sums across slices; 7×7 = 49 or 5×9 = 45 pixels and 13 or 10 output
    /// channels per group leave partial panels (16 and 32 columns) and partial row blocks (6 and 8)
    /// in every slice. The random geometries above stay under one slice.
    @Test(
        "every variant matches the float64 reference when k spans several slices",
        arguments: [(64, 13, 1, 1, 7, 7), (120, 20, 2, 3, 5, 9)])
    func severalSlices(
        inChannels: Int, outChannels: Int, groups: Int, offsetGroups: Int, height: Int, width: Int
    ) throws {
        let g = try DeformConvGeometry(
            batch: 2, inChannels: inChannels, height: height, width: width, outChannels: outChannels,
            kernel: Extent2(3, 3), padding: Extent2(1), groups: groups, offsetGroups: offsetGroups,
            hasMask: true, hasBias: true)
        #expect(g.groupInChannels * g.taps > 2 * 256)
        let problem = try Problem(g, seed: 7, offsetScale: 2)
        let reference = problem.reference
        for (label, variant, options) in variantConfigurations {
            let output = try problem.run(variant, options: options)
            let result = Comparison(actual: output, expected: { reference.value[$0] }, tolerance: reference.tolerance)
            #expect(result.passed, "\(g), \(label) vs float64: \(result)")
        }
    }
}
