import DeformConvReference
import Foundation
import Testing

@testable import Bench

/// E-divisive means on seeded series with known steps. Every series comes from a fixed seed, so
/// each count below is one fixed number: the tests cannot flake, and the margins say how far
/// the detector is from its targets.
@Suite("Change points")
struct ChangePointTests {
    /// Run medians of a point: `level` times 1 + 1 % noise (a well-behaved kernel's between-run
    /// spread here), or with `bimodal` each run in a fast or a slow mode 15 % apart with
    /// probability ½, as OpenVINO's processes are.
    static func series(
        _ count: Int, steps: [(at: Int, factor: Double)] = [], bimodal: Bool = false, rng: inout SeededGenerator
    ) -> [Double] {
        (0..<count).map { i in
            let level = steps.filter { i >= $0.at }.reduce(1e-3) { $0 * $1.factor }
            let mode = bimodal && Bool.random(using: &rng) ? 1.15 : 1.0
            return level * mode * (1 + 0.01 * Double(rng.normal()))
        }
    }

    /// Q from its definition, maximised over τ and κ by brute force, against the prefix-sum scan.
    @Test func statisticMatchesDefinition() {
        var rng = SeededGenerator(seed: 7)
        let values = (0..<17).map { _ in Double(rng.normal()) }
        let detector = ChangePointDetector(minSegment: 2)
        var distance = [Double](repeating: 0, count: 17 * 17)
        for i in 0..<17 { for j in 0..<17 { distance[i * 17 + j] = abs(values[i] - values[j]) } }
        let order = Array(3..<17)
        func q(_ tau: Int, _ kappa: Int) -> Double {
            let l = order[..<tau].map { values[$0] }, r = order[tau..<kappa].map { values[$0] }
            let m = Double(l.count), n = Double(r.count)
            var between = 0.0, withinL = 0.0, withinR = 0.0
            for a in l { for b in r { between += abs(a - b) } }
            for i in 0..<l.count { for k in (i + 1)..<l.count { withinL += abs(l[i] - l[k]) } }
            for i in 0..<r.count { for k in (i + 1)..<r.count { withinR += abs(r[i] - r[k]) } }
            return m * n / (m + n) * (2 * between / (m * n) - withinL / (m * (m - 1) / 2) - withinR / (n * (n - 1) / 2))
        }
        let splits = (2...(order.count - 2)).flatMap { tau in ((tau + 2)...order.count).map { (tau, $0) } }
        let expected = splits.max { q($0.0, $0.1) < q($1.0, $1.1) }!
        let found = detector.bestSplit(order, distance, 17)!
        #expect(found.at == expected.0)
        // Sums of a few hundred terms of size ~1 in a different order: 1e-9 relative is far
        // above their rounding and far below any difference between two splits' Q.
        #expect(abs(found.q - q(expected.0, expected.1)) <= 1e-9 * abs(q(expected.0, expected.1)))
    }

    /// One step of +5 % (5 × the noise) in 40 runs, 50 series: found at the step's run exactly
    /// or one off, in every series. Each further split is tested at 0.01, so about one series
    /// in fifty may get a false second change point; more than 3 would say the test is off.
    @Test func findsOneStep() {
        var rng = SeededGenerator(seed: 11)
        let detector = ChangePointDetector(significance: 0.01, permutations: 199)
        var exact = 0, extra = 0
        for trial in 0..<50 {
            let at = 8 + trial % 25
            let found = detector.detect(Self.series(40, steps: [(at, 1.05)], rng: &rng))
            extra += max(0, found.count - 1)
            guard let point = found.min(by: { abs($0.index - at) < abs($1.index - at) }) else {
                Issue.record("series \(trial): the step at \(at) was not found")
                continue
            }
            #expect(abs(point.index - at) <= 1, "series \(trial): step at \(at), found at \(point.index)")
            #expect(point.change > 0.03 && point.change < 0.07)
            if point.index == at { exact += 1 }
        }
        #expect(exact >= 45)
        #expect(extra <= 3)
    }

    /// A regression and its fix (+8 %, then back), as the instruction gate's BlockedGEMM episode:
    /// two change points, slower then faster.
    @Test func findsRegressionAndFix() {
        var rng = SeededGenerator(seed: 12)
        let detector = ChangePointDetector(significance: 0.01, permutations: 199)
        let found = detector.detect(Self.series(36, steps: [(12, 1.08), (24, 1 / 1.08)], rng: &rng))
        #expect(found.map(\.index) == [12, 24])
        #expect(found.first.map { $0.change > 0 } == true)
        #expect(found.last.map { $0.change < 0 } == true)
    }

    /// Flat series at significance 0.01: 200 with 1 % noise and 200 with the bimodal noise. The
    /// permutation test is exact for exchangeable noise, so about 2 false alarms each are
    /// expected; more than 8 (binomial tail below 1e-3) would say the test is not at its level.
    /// The bimodal series are where a t-test on the means fails: its p-values assume a normal
    /// mean of a handful of runs.
    @Test(arguments: [false, true]) func flatSeriesAtStatedLevel(bimodal: Bool) {
        var rng = SeededGenerator(seed: bimodal ? 13 : 14)
        let detector = ChangePointDetector(significance: 0.01, permutations: 199)
        var alarms = 0
        for _ in 0..<200 where !detector.detect(Self.series(30, bimodal: bimodal, rng: &rng)).isEmpty {
            alarms += 1
        }
        #expect(alarms <= 8)
    }

    /// A step under bimodal noise: +20 % in 40 runs whose modes are 15 % apart is still found.
    @Test func findsStepInBimodalNoise() {
        var rng = SeededGenerator(seed: 15)
        let detector = ChangePointDetector(significance: 0.01, permutations: 199)
        var near = 0
        for _ in 0..<20 {
            let found = detector.detect(Self.series(40, steps: [(20, 1.2)], bimodal: true, rng: &rng))
            if found.contains(where: { abs($0.index - 20) <= 1 }) { near += 1 }
        }
        #expect(near >= 16)
    }

    /// Instruction counts are exact: a constant series has no change point, and a step of one
    /// instruction in ten million is one, found at its run.
    @Test func exactCounts() {
        let detector = ChangePointDetector()
        #expect(detector.detect([Double](repeating: 1e7, count: 20)).isEmpty)
        let found = detector.detect((0..<20).map { $0 < 13 ? 1e7 : 1e7 + 1 })
        #expect(found.map(\.index) == [13])
        #expect(found.first?.pValue ?? 1 <= 0.001)
    }

    /// The same series and seed give the same answer; too short a series gives none.
    @Test func deterministicAndShort() {
        var rng = SeededGenerator(seed: 16)
        let values = Self.series(30, steps: [(10, 1.03)], rng: &rng)
        let detector = ChangePointDetector(significance: 0.05, permutations: 99)
        #expect(detector.detect(values) == detector.detect(values))
        #expect(ChangePointDetector(minSegment: 3).detect([1, 1, 1, 2, 2]).isEmpty)
    }

    /// Counts: a change beyond the tolerance is a change point at once; the few hundredths of a
    /// percent two processes of one build differ by are not; a constant series has none.
    @Test func countSeries() {
        let steps = ChangePointDetector.countSteps([5e5, 5e5, 5e5, 6e5, 6e5, 5e5, 5e5, 5e5], tolerance: 0.0025)
        #expect(steps.map(\.index) == [3, 5])
        #expect(steps.map(\.before) == [5e5, 6e5])
        #expect(steps.map(\.after) == [6e5, 5e5])
        // Backfilled smoke counts of one point (tiled fwd v2 C8, 1 thread): a +4.0 % step, then
        // values 0.01 % apart.
        let counted: [Double] = [1_878_544, 1_953_403, 1_953_469, 1_953_517, 1_953_505, 1_953_391]
        #expect(ChangePointDetector.countSteps(counted, tolerance: 0.0025).map(\.index) == [1])
        #expect(ChangePointDetector.countSteps([5, 5, 5], tolerance: 0).isEmpty)
        #expect(ChangePointDetector.countSteps([], tolerance: 0.0025).isEmpty)
    }
}
