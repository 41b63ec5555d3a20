import BenchTestSupport
import DeformConv
import DeformConvReference
import Foundation
import Testing
import Topology

@testable import Bench

@Suite("Statistical tests")
struct StatisticalTests {
    @Test("Student's t against scipy 1.17 (cdf, quantile, fractional degrees of freedom)")
    func studentT() {
        // scipy.stats.t.cdf / t.ppf; the tolerance is far above the continued fraction's error
        // (1e-15 relative per step) and far below any decision's sensitivity.
        #expect(abs(StudentT.cdf(1.5, df: 4) - 0.896) < 1e-12)
        #expect(abs(StudentT.cdf(-2.2, df: 7.3) - 0.0310845827000118) < 1e-12)
        #expect(abs(StudentT.cdf(0.3, df: 1) - 0.5927735790777423) < 1e-12)
        #expect(abs(StudentT.cdf(40, df: 3) - 0.9999828096596054) < 1e-12)
        #expect(abs(StudentT.quantile(0.975, df: 4) - 2.7764451051977934) < 1e-9)
        #expect(abs(StudentT.quantile(0.8, df: 8.5) - 0.8859779795504028) < 1e-9)
        #expect(StudentT.cdf(0, df: 5) == 0.5 && StudentT.twoSidedP(.nan, df: 3) == 1)
    }

    @Test("Welch's test against scipy's ttest_ind(equal_var=False)")
    func welch() throws {
        let x = [1.0, 1.02, 0.99, 1.01, 1.03].map { log($0) }, y = [1.1, 1.12, 1.08, 1.15, 1.09, 1.11].map { log($0) }
        let test = try #require(WelchTest(x, y))
        #expect(abs(test.difference / test.standardError - 8.087002160922179) < 1e-9)
        #expect(abs(test.degreesOfFreedom - 8.814403522680351) < 1e-9)
        #expect(abs(test.pValue - 2.2975948085315143e-05) < 1e-12)
        #expect(WelchTest([1], [1, 2]) == nil, "one value has no variance")
        #expect(WelchTest([1, 1], [1, 1])?.pValue == 1 && WelchTest([1, 1], [2, 2])?.pValue == 0)
        #expect(WelchTest([1, .nan], [1, 2]) == nil)
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

    @Test("process groups: median of medians, spreads, an interval only from 2 processes")
    func groups() throws {
        let g = ProcessGroups([[3, 1, 2], [10, 12, 11], [], [5, 6, 4, 7]])
        #expect(g.count == 3 && g.medians == [2, 11, 5.5])
        #expect(g.medianOfMedians == 5.5)
        // Medians 2, 11, 5.5: mean 6.1667, sample standard deviation 4.5369.
        #expect(abs(g.betweenProcessCV! - 4.536885862 / 6.166666667) < 1e-8)
        #expect(ProcessGroups([[1, 2, 3]]).betweenProcessCV == nil)
        #expect(ProcessGroups([[1, 2, 3]]).medianInterval(seed: 1) == nil, "one process says nothing of the next")
        let interval = try #require(g.medianInterval(seed: 1))
        #expect(interval.low < 5.5 && 5.5 < interval.high)
        // The same seed, the same interval: rows and verdicts are reproducible.
        #expect(g.medianInterval(seed: 1)! == interval)
    }
}

@Suite("Verdicts")
struct VerdictTests {
    static let point = samplePoint
    /// Five processes of `count` samples around `median`, 2% between processes, `cv` within.
    static func processes(_ median: Double, cv: Double = 0.01, count: Int = 10, k: Int = 5, seed: UInt64) -> [[Double]]
    {
        var rng = SeededGenerator(seed: seed)
        return twoLevel(median, processes: k, samples: count, between: 0.02, within: cv, rng: &rng)
    }

    static func compare(
        _ a: [[Double]], _ b: [[Double]], options: CompareOptions = CompareOptions(),
        refA: [[Double]]? = nil, refB: [[Double]]? = nil
    ) throws -> Comparison {
        let base = try ResultSet(paths: [writeResult([syntheticRow(point, processes: a, reference: refA)])])
        let current = try ResultSet(paths: [writeResult([syntheticRow(point, processes: b, reference: refB)])])
        return try Comparison.compare(baseline: base, current: current, options: options)
    }

    @Test("a 15% slowdown over 5 processes a side is a regression (exit 2)")
    func regression() throws {
        let c = try Self.compare(Self.processes(1e-3, seed: 1), Self.processes(1.15e-3, seed: 2))
        #expect(c.points[0].verdict == .regressed, "\(c.table)")
        #expect(c.exitCode == 2)
        #expect(abs(c.points[0].ratio! - 1.15) < 0.04)
        #expect(c.points[0].baselineProcesses == 5 && c.points[0].currentProcesses == 5)
    }

    @Test("one or two processes a side is inconclusive however clear the samples (exit 3)")
    func tooFewProcesses() throws {
        let one = try Self.compare(
            [noisy(1e-3, cv: 0.001, count: 30, seed: 3)], [noisy(2e-3, cv: 0.001, count: 30, seed: 4)])
        #expect(one.points[0].verdict == .inconclusive && one.exitCode == 3)
        #expect(one.points[0].note.hasPrefix("between-process noise unknown: 1 and 1 processes"), "\(one.table)")
        #expect(abs(one.points[0].ratio! - 2) < 0.01, "the ratio is still shown")
        let two = try Self.compare(Self.processes(1e-3, k: 2, seed: 5), Self.processes(2e-3, k: 5, seed: 6))
        #expect(two.points[0].verdict == .inconclusive)
        var options = CompareOptions()
        options.minProcesses = 2
        #expect(
            try Self.compare(Self.processes(1e-3, k: 2, seed: 5), Self.processes(2e-3, k: 5, seed: 6), options: options)
                .points[0].verdict == .regressed)
    }

    @Test("identical distributions are unchanged, saying within what (exit 0); a clear speed-up is improved (exit 4)")
    func unchangedAndImproved() throws {
        let same = try Self.compare(Self.processes(1e-3, seed: 5), Self.processes(1e-3, seed: 6))
        #expect(same.points[0].verdict == .unchanged && same.exitCode == 0)
        #expect(same.points[0].note.hasPrefix("within ±") && same.points[0].note.contains("detects"), "\(same.table)")
        let detectable = try #require(same.points[0].detectable)
        #expect(detectable > 0.01 && detectable < 0.1, "2% between processes, 5 a side: a few per cent")
        let faster = try Self.compare(Self.processes(1e-3, seed: 7), Self.processes(0.8e-3, seed: 8))
        #expect(faster.points[0].verdict == .improved && faster.exitCode == 4)
        // A 3% change, significant but inside the 5% tolerance, is unchanged.
        var rng = SeededGenerator(seed: 9)
        let tight = { (m: Double) in twoLevel(m, processes: 8, samples: 10, between: 0.003, within: 0.003, rng: &rng) }
        let small = try Self.compare(tight(1e-3), tight(1.03e-3))
        #expect(small.points[0].verdict == .unchanged && small.points[0].adjustedP! < 0.05, "\(small.table)")
    }

    @Test("normalisation divides out a uniformly slower machine")
    func normalization() throws {
        // Everything 30% slower, the reference kernel too: raw says regressed, normalised unchanged.
        let a = Self.processes(1e-3, seed: 11), b = a.map { $0.map { $0 * 1.3 } }
        let refA = a.map { $0.map { _ in 2e-4 } }, refB = refA.map { $0.map { $0 * 1.3 } }
        #expect(try Self.compare(a, b, refA: refA, refB: refB).points[0].verdict == .regressed)
        var options = CompareOptions()
        options.normalize = true
        let normalized = try Self.compare(a, b, options: options, refA: refA, refB: refB)
        #expect(normalized.points[0].verdict == .unchanged)
        #expect(abs(normalized.points[0].normalizedRatio! - 1) < 1e-12)
        #expect(abs(normalized.points[0].ratio! - 1.3) < 1e-12, "both ratios are shown")
    }

    @Test("a run given twice on one side is refused, not counted twice")
    func runTwice() throws {
        let a = try writeResult([syntheticRow(Self.point, processes: Self.processes(1e-3, seed: 1))])
        #expect(throws: BenchError("\(a): run x is also in \(a); each run may be given once")) {
            try ResultSet(paths: [a, a])
        }
        // Runs of other ids pool: each run's processes count apart (3 runs of 1 process = 3).
        let runs = try (0..<3).map { k in
            try writeResult([syntheticRow(Self.point, noisy(1e-3, cv: 0.01, count: 5, seed: UInt64(k)), runID: "r\(k)")]
            )
        }
        let pooled = try Comparison.compare(
            baseline: ResultSet(paths: runs), current: ResultSet(paths: runs.reversed()), options: CompareOptions())
        #expect(pooled.points[0].baselineProcesses == 3 && pooled.points[0].verdict == .unchanged)
    }

    @Test("instruction counts decide with a 1% tolerance")
    func instructions() throws {
        func row(_ count: Int) -> (ResultRow, [SampleRow]) {
            var r = ResultRow(
                runID: "x", point: Self.point, status: .ok, tensorBytes: 1, host: "h", cpuModel: "m", configID: "c",
                timestamp: "t")
            r.instructions = count
            return (r, [])
        }
        func verdict(_ a: Int, _ b: Int) throws -> Verdict {
            try Comparison.compare(
                baseline: ResultSet(paths: [writeResult([row(a)])]),
                current: ResultSet(paths: [writeResult([row(b)])]), options: CompareOptions()
            ).points[0].verdict
        }
        #expect(try verdict(1_000_000, 1_011_000) == .regressed)
        #expect(try verdict(1_000_000, 1_009_000) == .unchanged)
        #expect(try verdict(1_000_000, 900_000) == .improved)
    }

    @Test("missing and new points; thresholds per variant and point")
    func missingNewThresholds() throws {
        var other = Self.point
        other.threads = 1
        var rng = SeededGenerator(seed: 1)
        let a = twoLevel(1e-3, processes: 8, samples: 10, between: 0.005, within: 0.005, rng: &rng)
        let b = twoLevel(1.08e-3, processes: 8, samples: 10, between: 0.005, within: 0.005, rng: &rng)
        let base = try ResultSet(paths: [
            writeResult([syntheticRow(Self.point, processes: a), syntheticRow(other, processes: a)])
        ])
        let current = try ResultSet(paths: [writeResult([syntheticRow(Self.point, processes: b)])])
        var options = CompareOptions()
        let file = try temporaryDirectory().appendingPathComponent("t.json")
        try #"{"default": 0.05, "variants": {"blockedGather": 0.1}, "instructions": 0.02}"#.write(
            to: file, atomically: true, encoding: .utf8)
        try options.loadThresholds(file.path)
        let c = try Comparison.compare(baseline: base, current: current, options: options)
        #expect(c.points.first { $0.name == other.name }?.verdict == .missing)
        #expect(
            c.points.first { $0.name == Self.point.name }?.verdict == .unchanged, "8% is inside blockedGather's 10%")
        options.pointTolerance[Self.point.name] = 0.02
        #expect(
            try Comparison.compare(baseline: base, current: current, options: options).points
                .first { $0.name == Self.point.name }?.verdict == .regressed)
        let reversed = try Comparison.compare(baseline: current, current: base, options: options)
        #expect(reversed.points.contains { $0.verdict == .new })
        options.pointTolerance["tiled/fwd/v2/N1/C1/K1/1x1/k1x1/s1/p0/d1/g1/og1/t1/close"] = 0.5  // a typo'd name
        #expect(
            throws: BenchError(
                "the thresholds name a point in neither result: tiled/fwd/v2/N1/C1/K1/1x1/k1x1/s1/p0/d1/g1/og1/t1/close"
            )
        ) {
            try Comparison.compare(baseline: base, current: current, options: options)
        }
        try #"{"defualt": 0.05}"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(
            throws: BenchError(
                "thresholds file \(file.path): unknown key 'defualt' (expected default, instructions, variants, points)"
            )
        ) {
            try options.loadThresholds(file.path)
        }
    }

    @Test("bad inputs: schema, truncated samples, missing column, no overlap, NaN")
    func badInputs() throws {
        let good = try writeResult([syntheticRow(Self.point, noisy(1e-3, cv: 0.01, count: 10, seed: 1))])
        let paths = OutputPaths(results: good)
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        // Truncated samples file.
        let truncated = try writeResult([syntheticRow(Self.point, noisy(1e-3, cv: 0.01, count: 10, seed: 1))])
        let samplesPath = OutputPaths(results: truncated).samples
        let lines = try String(contentsOfFile: samplesPath, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(5).joined(separator: "\n") + "\n").write(
            toFile: samplesPath, atomically: true, encoding: .utf8)
        #expect(
            message { try ResultSet(paths: [truncated]) }.contains(
                "4 samples of run x for \(Self.point.name), the row says 10 (the samples file was cut"))
        // A row whose median was edited (or mixed with another run's samples) is refused.
        let edited = try temporaryDirectory().appendingPathComponent("edited.csv").path
        let goodTable = try CSVTable.read(good)
        var record = goodTable.records[0]
        record["median_s"] = "-1e-05"
        try
            ([try CSVTable.line(goodTable.header), try CSVTable.line(goodTable.header.map { record[$0]! })].joined(
                separator: "\n") + "\n")
            .write(toFile: edited, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: paths.samples, toPath: OutputPaths(results: edited).samples)
        #expect(
            message { try ResultSet(paths: [edited]) }.contains(
                "the row of \(Self.point.name) says median_s -1e-05 over 1 process(es)"))
        // A different schema version.
        let text = try String(contentsOfFile: good, encoding: .utf8)
        let v4 = try temporaryDirectory().appendingPathComponent("v4.csv").path
        try text.replacingOccurrences(of: "\n4,x,", with: "\n5,x,").write(toFile: v4, atomically: true, encoding: .utf8)
        #expect(message { try ResultSet(paths: [v4]) }.contains("schema_version 5, this dcnbench reads 1 to 4"))
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
        let nan = try writeResult([(nanRow, nanSamples)])
        #expect(message { try ResultSet(paths: [nan]) }.contains("non-positive or non-finite time"))
        // No overlap.
        var other = Self.point
        other.batch = 2
        let disjoint = try writeResult([syntheticRow(other, [1e-3])])
        #expect(
            message {
                try Comparison.compare(
                    baseline: ResultSet(paths: [good]), current: ResultSet(paths: [disjoint]), options: CompareOptions()
                )
            }
                == "no point appears in both results: nothing to compare")
        _ = paths
    }
}
