import BenchTestSupport
import DeformConvReference
import Foundation
import Testing

@testable import Bench

/// compare's timing rule (`Comparison.timingVerdict` on `ProcessRatio` and `WelchTest`) on
/// seeded two-level data: process effects, sample noise, outliers, a bimodal process effect like
/// OpenVINO's. Every trial is drawn from a fixed seed, so each rate below is one fixed number:
/// the test cannot flake, and its margins say how far the rule is from its targets.
@Suite("Verdicts on simulated processes")
struct VerdictSimulationTests {
    struct Scenario {
        var processes: Int
        var between: Double
        var ratio: Double
        var bimodal = false
        var within = 0.01
    }

    struct Rates {
        var regressed = 0.0, improved = 0.0, covered = 0.0
        var verdicts: Double { regressed + improved }
    }

    /// 200 trials: enough that a rate of 5 % is known within about ±1.5 %, and few enough for
    /// a debug build (each trial is 2 × 1000 bootstrap resamples).
    static let trials = 200

    static func run(_ s: Scenario, seed: UInt64) -> Rates {
        var rng = SeededGenerator(seed: seed)
        var rates = Rates()
        for _ in 0..<trials {
            let a = ProcessGroups(
                twoLevel(
                    1e-3, processes: s.processes, samples: 10, between: s.between, within: s.within,
                    bimodal: s.bimodal, rng: &rng))
            let b = ProcessGroups(
                twoLevel(
                    1e-3 * s.ratio, processes: s.processes, samples: 10, between: s.between,
                    within: s.within, bimodal: s.bimodal, rng: &rng))
            guard let r = ProcessRatio(baseline: a, current: b, seed: rng.next()),
                let p = WelchTest(a.medians.map { log($0) }, b.medians.map { log($0) })?.pValue
            else { continue }
            switch Comparison.timingVerdict(
                ratio: r.ratio, low: r.low, high: r.high, adjustedP: p, tolerance: 0.05, alpha: 0.05)
            {
            case .regressed: rates.regressed += 1
            case .improved: rates.improved += 1
            default: break
            }
            if r.low <= s.ratio && s.ratio <= r.high { rates.covered += 1 }
        }
        let n = Double(trials)
        return Rates(regressed: rates.regressed / n, improved: rates.improved / n, covered: rates.covered / n)
    }

    @Test(
        "A/A: regressed + improved on at most 5% of points, bimodal processes and 15% spread included",
        arguments: [
            Scenario(processes: 5, between: 0.03, ratio: 1), Scenario(processes: 3, between: 0.03, ratio: 1),
            Scenario(processes: 5, between: 0.15, ratio: 1),
            Scenario(processes: 5, between: 0, ratio: 1, bimodal: true),
            Scenario(processes: 3, between: 0, ratio: 1, bimodal: true),
            Scenario(processes: 10, between: 0.01, ratio: 1),
        ])
    func falseAlarms(_ s: Scenario) {
        let rates = Self.run(
            s, seed: 18 &+ UInt64(s.processes) &* 31 &+ (s.bimodal ? 7 : 0) &+ UInt64(s.between * 1000))
        #expect(rates.verdicts <= 0.05, "K=\(s.processes) between \(s.between) bimodal \(s.bimodal): \(rates.verdicts)")
    }

    @Test("power: a 10% slowdown at 3% between-process spread is called regressed in at least 80% of trials with K = 5")
    func power() {
        let rates = Self.run(Scenario(processes: 5, between: 0.03, ratio: 1.1), seed: 21)
        #expect(rates.regressed >= 0.8, "\(rates.regressed)")
        #expect(rates.improved == 0)
        let faster = Self.run(Scenario(processes: 5, between: 0.03, ratio: 1 / 1.1), seed: 22)
        #expect(faster.improved >= 0.8, "\(faster.improved)")
    }

    @Test(
        "the 95% interval covers the true ratio in at least 93% of trials",
        arguments: [
            Scenario(processes: 3, between: 0.03, ratio: 1.1), Scenario(processes: 5, between: 0.03, ratio: 1.1),
            Scenario(processes: 8, between: 0.05, ratio: 0.9), Scenario(processes: 5, between: 0.15, ratio: 1),
            Scenario(processes: 5, between: 0.002, ratio: 1.02, within: 0.01),
        ])
    func coverage(_ s: Scenario) {
        let rates = Self.run(s, seed: 23 &+ UInt64(s.processes) &+ UInt64(s.between * 1000))
        #expect(rates.covered >= 0.93, "K=\(s.processes) between \(s.between): \(rates.covered)")
    }
}
