import DeformConv
import DeformConvReference
import Testing

/// The one output check of the gate, `verify` and the tests: it must fail where it should.
@Suite("OutputComparison")
struct OutputComparisonTests {
    @Test("within tolerance passes; just over, a NaN, or an infinity fails, naming the worst element")
    func decisions() throws {
        let t = try Tensor(shape: [4])
        for (i, v) in [Float(1), 2, 3, 4].enumerated() { t.data[i] = v }
        let exact = OutputComparison(actual: t, expected: { Double($0 + 1) }, tolerance: { _ in 0 })
        #expect(exact.passed && exact.checked == 4 && exact.maxAbs == 0)
        t.data[2] = 3.5
        let loose = OutputComparison(actual: t, expected: { Double($0 + 1) }, tolerance: { _ in 0.5 })
        #expect(loose.passed && loose.worstIndex == 2 && loose.worstRatio == 1)
        let tight = OutputComparison(actual: t, expected: { Double($0 + 1) }, tolerance: { _ in 0.49 })
        #expect(
            !tight.passed && tight.failures == 1 && tight.worstIndex == 2 && tight.actual == 3.5 && tight.expected == 3)
        t.data[3] = .nan
        let nan = OutputComparison(actual: t, expected: { Double($0 + 1) }, tolerance: { _ in 1 })
        #expect(!nan.passed && nan.worstIndex == 3 && nan.worstRatio == .infinity && nan.maxAbs == .infinity)
        t.data[3] = .infinity
        #expect(!OutputComparison(actual: t, expected: { Double($0 + 1) }, tolerance: { _ in 1e30 }).passed)
    }

    @Test("only the given indices are checked")
    func subset() throws {
        let t = try Tensor(shape: [3])
        t.data[0] = 0; t.data[1] = 100; t.data[2] = 0
        let some = OutputComparison(actual: t, indices: [0, 2], expected: { _ in 0 }, tolerance: { _ in 0 })
        #expect(some.passed && some.checked == 2)
        #expect(!OutputComparison(actual: t, indices: [1], expected: { _ in 0 }, tolerance: { _ in 0 }).passed)
    }
}
