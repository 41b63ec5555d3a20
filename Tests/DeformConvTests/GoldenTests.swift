import DeformConv
import DeformConvReference
import Foundation
import Testing

@Suite("Golden vectors from torchvision")
struct GoldenTests {
    static let set = Result { try GoldenSet(directory: goldenDirectory) }

    @Test("the golden set loads and lists its cases")
    func loads() throws {
        let set = try Self.set.get()
        #expect(set.cases.count >= 20)
        #expect(Set(set.cases.map(\.name)).count == set.cases.count)
    }

    @Test(
        "our float64 reference reproduces the stored outputs",
        arguments: try! GoldenSet(directory: goldenDirectory).cases.map(\.name))
    func referenceMatchesGolden(_ name: String) throws {
        // Checks the test's own reference against torchvision before it judges our kernels. The
        // stored outputs are float64 results rounded to float32: at most half an ulp apart.
        let golden = try #require(try Self.set.get().cases.first { $0.name == name })
        let problem = try Problem(golden: golden)
        let reference = problem.reference
        let stored = try golden.tensor("output")
        for i in 0..<stored.count {
            let e = Double(stored.data[i])
            #expect(
                abs(reference.value[i] - e) <= Double(stored.data[i].ulp) / 2 + 1e-12,
                "\(name) element \(i): reference \(reference.value[i]), stored \(e)")
        }
    }

    @Test(
        "every variant matches every golden output",
        arguments: try! GoldenSet(directory: goldenDirectory).cases.map(\.name))
    func variantsMatchGolden(_ name: String) throws {
        let golden = try #require(try Self.set.get().cases.first { $0.name == name })
        let problem = try Problem(golden: golden)
        let reference = problem.reference
        let stored = try golden.tensor("output")
        for (label, variant, options) in variantConfigurations {
            let output = try problem.run(variant, options: options)
            let result = Comparison(
                actual: output, expected: { Double(stored.data[$0]) },
                tolerance: reference.tolerance)
            #expect(result.passed, "case \(name), variant \(label): \(result)")
        }
    }
}
