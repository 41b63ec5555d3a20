@testable import Bench
import BenchTestSupport
import DeformConv
import DeformConvReference
import Foundation
import Testing
import Topology

@Suite("Statistical tests")
struct StatisticalTests {
    @Test("Mann–Whitney U, exact: hand-computed and scipy 1.17 values")
    func exact() throws {
        // Complete separation, 5 vs 5: only 1 of C(10, 5) = 252 arrangements has U = 0; two-sided 2/252.
        let separated = try #require(MannWhitney.test([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]))
        #expect(separated.u == 0 && separated.exact)
        #expect(abs(separated.pValue - 2.0 / 252) < 1e-12)
        // 3 vs 3: 2/20.
        #expect(abs(MannWhitney.test([1, 2, 3], [4, 5, 6])!.pValue - 0.1) < 1e-12)
        // Symmetric in its arguments.
        #expect(abs(MannWhitney.test([6, 7, 8], [1, 2, 3, 4])!.pValue - MannWhitney.test([1, 2, 3, 4], [6, 7, 8])!.pValue) < 1e-15)
        // scipy.stats.mannwhitneyu(x, y, method='exact'): U = 8, p = 0.07342657342657342.
        let mixed = try #require(MannWhitney.test([1.1, 2.2, 3.3, 4.4, 9.9, 10.5], [5.5, 6.6, 7.7, 8.8, 11.1, 12.2, 13.3]))
        #expect(mixed.u == 8)
        #expect(abs(mixed.pValue - 0.07342657342657342) < 1e-12)
        // Interleaved 3 vs 3: U = 3; of the 20 arrangements 1, 1, 2, 3 have U = 0…3, so 2·7/20.
        #expect(abs(MannWhitney.test([1, 3, 5], [2, 4, 6])!.pValue - 0.7) < 1e-12)
    }

    @Test("Mann–Whitney U with ties: normal approximation with tie and continuity corrections")
    func ties() throws {
        // scipy.stats.mannwhitneyu(x, y, method='asymptotic', use_continuity=True): U = 3.5, p = 0.004793348746185457.
        let result = try #require(MannWhitney.test([1, 2, 2, 3, 3, 3, 4], [3, 4, 4, 5, 5, 6, 7, 7]))
        #expect(result.u == 3.5 && !result.exact)
        #expect(abs(result.pValue - 0.004793348746185457) < 1e-12)
        #expect(MannWhitney.test([2, 2, 2], [2, 2])!.pValue == 1, "all equal")
        #expect(MannWhitney.test([], [1]) == nil)
        #expect(MannWhitney.test([.nan, 1], [1, 2]) == nil, "NaN is refused, not ranked")
    }

    @Test("Benjamini–Hochberg against a hand-computed example")
    func bh() {
        // Sorted 0.005, 0.01, 0.03, 0.04 → ×4/k: 0.02, 0.02, 0.04, 0.04 (already monotone).
        #expect(benjaminiHochberg([0.01, 0.04, 0.03, 0.005]) == [0.02, 0.04, 0.04, 0.02])
        // Monotone step: 0.01·3/1 = 0.03 > 0.02·3/2 = 0.03, 0.9·3/3 = 0.9; and capping at 1.
        #expect(benjaminiHochberg([0.9, 0.02, 0.01]) == [0.9, 0.03, 0.03])
        #expect(benjaminiHochberg([0.6, 0.7]) == [0.7, 0.7])
        #expect(benjaminiHochberg([]) == [])
    }

    @Test("bootstrap interval brackets the true ratio")
    func bootstrap() throws {
        let base = (0..<20).map { 1.0 + Double($0 % 5) * 0.01 }
        let interval = try #require(bootstrapRatioInterval(baseline: base, current: base.map { $0 * 1.1 }))
        #expect(interval.low <= 1.1 && 1.1 <= interval.high)
        #expect(interval.high - interval.low < 0.06)
    }
}

@Suite("Verdicts")
struct VerdictTests {
    static let point = samplePoint
    static func compare(_ a: [Double], _ b: [Double], options: CompareOptions = CompareOptions(),
                        refA: [Double]? = nil, refB: [Double]? = nil) throws -> Comparison {
        let base = try ResultSet(paths: [writeResult([syntheticRow(point, a, reference: refA)])])
        let current = try ResultSet(paths: [writeResult([syntheticRow(point, b, reference: refB)])])
        return try Comparison.compare(baseline: base, current: current, options: options)
    }

    @Test("a clear 10% slowdown with low noise is a regression (exit 2)")
    func regression() throws {
        let c = try Self.compare(noisy(1e-3, cv: 0.01, count: 10, seed: 1), noisy(1.1e-3, cv: 0.01, count: 10, seed: 2))
        #expect(c.points[0].verdict == .regressed, "\(c.table)")
        #expect(c.exitCode == 2)
        #expect(abs(c.points[0].ratio! - 1.1) < 0.02)
    }

    @Test("the same slowdown with CV 30% and 5 samples is inconclusive (exit 3)")
    func inconclusive() throws {
        let c = try Self.compare(noisy(1e-3, cv: 0.3, count: 5, seed: 3), noisy(1.1e-3, cv: 0.3, count: 5, seed: 4))
        #expect(c.points[0].verdict == .inconclusive)
        #expect(c.points[0].note.hasPrefix("too few samples"))
        #expect(c.exitCode == 3)
        let noisyOnly = try Self.compare(noisy(1e-3, cv: 0.3, count: 20, seed: 3), noisy(1.1e-3, cv: 0.3, count: 20, seed: 4))
        #expect(noisyOnly.points[0].verdict == .inconclusive && noisyOnly.points[0].note.hasPrefix("too noisy"))
    }

    @Test("identical distributions are unchanged (exit 0); a clear speed-up is improved (exit 4)")
    func unchangedAndImproved() throws {
        let same = try Self.compare(noisy(1e-3, cv: 0.02, count: 12, seed: 5), noisy(1e-3, cv: 0.02, count: 12, seed: 6))
        #expect(same.points[0].verdict == .unchanged && same.exitCode == 0)
        let faster = try Self.compare(noisy(1e-3, cv: 0.01, count: 10, seed: 7), noisy(0.8e-3, cv: 0.01, count: 10, seed: 8))
        #expect(faster.points[0].verdict == .improved && faster.exitCode == 4)
        // A 3% change, significant but inside the 5% tolerance, is unchanged.
        let small = try Self.compare(noisy(1e-3, cv: 0.005, count: 10, seed: 9), noisy(1.03e-3, cv: 0.005, count: 10, seed: 10))
        #expect(small.points[0].verdict == .unchanged && small.points[0].adjustedP! < 0.05)
    }

    @Test("normalisation divides out a uniformly slower machine")
    func normalization() throws {
        // Everything 30% slower, the reference kernel too: raw says regressed, normalised unchanged.
        let a = noisy(1e-3, cv: 0.01, count: 10, seed: 11), b = a.map { $0 * 1.3 }
        let refA = [Double](repeating: 2e-4, count: 10), refB = refA.map { $0 * 1.3 }
        #expect(try Self.compare(a, b, refA: refA, refB: refB).points[0].verdict == .regressed)
        var options = CompareOptions()
        options.normalize = true
        let normalized = try Self.compare(a, b, options: options, refA: refA, refB: refB)
        #expect(normalized.points[0].verdict == .unchanged)
        #expect(abs(normalized.points[0].normalizedRatio! - 1) < 1e-12)
        #expect(abs(normalized.points[0].ratio! - 1.3) < 1e-12, "both ratios are shown")
    }

    @Test("instruction counts decide with a 1% tolerance")
    func instructions() throws {
        func row(_ count: Int) -> (ResultRow, [SampleRow]) {
            var r = ResultRow(runID: "x", point: Self.point, status: .ok, tensorBytes: 1, host: "h", cpuModel: "m", configID: "c", timestamp: "t")
            r.instructions = count
            return (r, [])
        }
        func verdict(_ a: Int, _ b: Int) throws -> Verdict {
            try Comparison.compare(baseline: ResultSet(paths: [writeResult([row(a)])]),
                                   current: ResultSet(paths: [writeResult([row(b)])]), options: CompareOptions()).points[0].verdict
        }
        #expect(try verdict(1_000_000, 1_011_000) == .regressed)
        #expect(try verdict(1_000_000, 1_009_000) == .unchanged)
        #expect(try verdict(1_000_000, 900_000) == .improved)
    }

    @Test("missing and new points; thresholds per variant and point")
    func missingNewThresholds() throws {
        var other = Self.point
        other.threads = 1
        let a = noisy(1e-3, cv: 0.01, count: 10, seed: 1), b = noisy(1.08e-3, cv: 0.01, count: 10, seed: 2)
        let base = try ResultSet(paths: [writeResult([syntheticRow(Self.point, a), syntheticRow(other, a)])])
        let current = try ResultSet(paths: [writeResult([syntheticRow(Self.point, b)])])
        var options = CompareOptions()
        let file = try temporaryDirectory().appendingPathComponent("t.json")
        try #"{"default": 0.05, "variants": {"blockedGather": 0.1}, "instructions": 0.02}"#.write(to: file, atomically: true, encoding: .utf8)
        try options.loadThresholds(file.path)
        let c = try Comparison.compare(baseline: base, current: current, options: options)
        #expect(c.points.first { $0.name == other.name }?.verdict == .missing)
        #expect(c.points.first { $0.name == Self.point.name }?.verdict == .unchanged, "8% is inside blockedGather's 10%")
        options.pointTolerance[Self.point.name] = 0.02
        #expect(try Comparison.compare(baseline: base, current: current, options: options).points
            .first { $0.name == Self.point.name }?.verdict == .regressed)
        let reversed = try Comparison.compare(baseline: current, current: base, options: options)
        #expect(reversed.points.contains { $0.verdict == .new })
        options.pointTolerance["tiled/fwd/v2/N1/C1/K1/1x1/k1x1/s1/p0/d1/g1/og1/t1/close"] = 0.5  // a typo'd name
        #expect(throws: BenchError("the thresholds name a point in neither result: tiled/fwd/v2/N1/C1/K1/1x1/k1x1/s1/p0/d1/g1/og1/t1/close")) {
            try Comparison.compare(baseline: base, current: current, options: options)
        }
        try #"{"defualt": 0.05}"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: BenchError("thresholds file \(file.path): unknown key 'defualt' (expected default, instructions, variants, points)")) {
            try options.loadThresholds(file.path)
        }
    }

    @Test("bad inputs: schema, truncated samples, missing column, no overlap, NaN")
    func badInputs() throws {
        let good = try writeResult([syntheticRow(Self.point, noisy(1e-3, cv: 0.01, count: 10, seed: 1))])
        let paths = OutputPaths(results: good)
        func message(_ body: () throws -> Any) -> String { do { _ = try body(); return "no error" } catch { return "\(error)" } }
        // Truncated samples file.
        let truncated = try writeResult([syntheticRow(Self.point, noisy(1e-3, cv: 0.01, count: 10, seed: 1))])
        let samplesPath = OutputPaths(results: truncated).samples
        let lines = try String(contentsOfFile: samplesPath, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(5).joined(separator: "\n") + "\n").write(toFile: samplesPath, atomically: true, encoding: .utf8)
        #expect(message { try ResultSet(paths: [truncated]) }.contains("4 samples of run x for \(Self.point.name), the results file says 10 (truncated?)"))
        // A different schema version.
        let text = try String(contentsOfFile: good, encoding: .utf8)
        let v4 = try temporaryDirectory().appendingPathComponent("v4.csv").path
        try text.replacingOccurrences(of: "\n3,x,", with: "\n4,x,").write(toFile: v4, atomically: true, encoding: .utf8)
        #expect(message { try ResultSet(paths: [v4]) }.contains("schema_version 4, this dcnbench reads 1 to 3"))
        // A missing column.
        let cut = try temporaryDirectory().appendingPathComponent("cut.csv").path
        let table = try CSVTable.read(good)
        let kept = table.header.filter { $0 != "median_s" }
        try ([try CSVTable.line(kept)] + table.records.map { r in try CSVTable.line(kept.map { r[$0]! }) })
            .joined(separator: "\n").write(toFile: cut, atomically: true, encoding: .utf8)
        #expect(message { try ResultSet(paths: [cut]) }.contains("missing column median_s"))
        // NaN in a sample.
        var (nanRow, nanSamples) = syntheticRow(Self.point, [1e-3, 2e-3, 1e-3])
        nanSamples[1].secondsPerIteration = .nan
        nanRow.statistics = Statistics([1e-3, 2e-3, 1e-3])
        let nan = try writeResult([(nanRow, nanSamples)])
        #expect(message { try ResultSet(paths: [nan]) }.contains("non-positive or non-finite time"))
        // No overlap.
        var other = Self.point
        other.batch = 2
        let disjoint = try writeResult([syntheticRow(other, [1e-3])])
        #expect(message { try Comparison.compare(baseline: ResultSet(paths: [good]), current: ResultSet(paths: [disjoint]), options: CompareOptions()) }
            == "no point appears in both results: nothing to compare")
        _ = paths
    }
}

