import DeformConv
import Foundation

/// The verdict of one point.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    case regressed, improved, unchanged, inconclusive, missing, new
}

/// How `compare` decides.
public struct CompareOptions: Sendable {
    /// Relative change a point must exceed to count (regressed above 1 + t, improved below 1/(1 + t)).
    public var tolerance = 0.05
    /// Per-variant and per-point tolerances (a point's name wins over its variant).
    public var variantTolerance: [String: Double] = [:]
    public var pointTolerance: [String: Double] = [:]
    /// Relative change of instruction counts that counts (they are exact: 1%).
    public var instructionTolerance = 0.01
    /// Benjamini–Hochberg level: significant when the adjusted p is below it.
    public var alpha = 0.05
    /// Fewer processes than this on either side: inconclusive, since nothing measured how much
    /// one process differs from the next (the larger part of the noise on a VM).
    public var minProcesses = 3
    /// Divide every sample by its reference-kernel time (`reference_seconds`) first.
    public var normalize = false

    public init() {}

    public func tolerance(for name: String, variant: String) -> Double {
        pointTolerance[name] ?? variantTolerance[variant] ?? tolerance
    }

    /// Reads a thresholds file: `{"default": 0.05, "variants": {"naive": 0.2}, "points": {"NAME": 0.1},
    /// "instructions": 0.01}`; every key optional, every value a fraction in (0, 10).
    public mutating func loadThresholds(_ path: String) throws {
        let data = try InputFile.read(path, what: "thresholds file")
        guard let top = try JSONDocument.parse(data, source: "thresholds file \(path)") as? [String: Any] else {
            throw BenchError("thresholds file \(path): expected a JSON object like {\"default\": 0.05}")
        }
        func fraction(_ value: Any, _ at: String) throws -> Double {
            guard let number = JSONDocument.number(value), number > 0, number < 10 else {
                throw BenchError(
                    "thresholds file \(path): \(at) must be a fraction such as 0.05, got \(JSONDocument.describe(value))"
                )
            }
            return number
        }
        for (key, value) in top {
            switch key {
            case "default": tolerance = try fraction(value, key)
            case "instructions": instructionTolerance = try fraction(value, key)
            case "variants", "points":
                guard let map = value as? [String: Any] else {
                    throw BenchError("thresholds file \(path): \(key) must be an object")
                }
                for (name, v) in map {
                    if key == "variants" {
                        guard KernelVariant(rawValue: name) != nil else {
                            throw BenchError("thresholds file \(path): unknown variant '\(name)'")
                        }
                        variantTolerance[name] = try fraction(v, "variants.\(name)")
                    } else {
                        pointTolerance[name] = try fraction(v, "points.\(name)")
                    }
                }
            default:
                throw BenchError(
                    "thresholds file \(path): unknown key '\(key)' (expected default, instructions, variants, points)")
            }
        }
    }
}

/// One point's comparison.
public struct PointComparison: Codable, Sendable {
    public var name: String
    public var verdict: Verdict
    /// What decided: "time", "normalized time" or "instructions".
    public var basis: String
    /// Geometric means of the per-process medians (seconds per call).
    public var baselineMedian: Double?
    public var currentMedian: Double?
    /// current / baseline of those of raw times (> 1: slower).
    public var ratio: Double?
    /// The same of the normalised times (each sample / its reference-kernel time).
    public var normalizedRatio: Double?
    /// 95% interval of the deciding ratio (hierarchical bootstrap, see `ProcessRatio`).
    public var ratioLow: Double?
    public var ratioHigh: Double?
    /// The smallest relative change this data would detect (80% power, 5% level).
    public var detectable: Double?
    /// Welch's test on the log process medians, and its Benjamini–Hochberg adjustment.
    public var pValue: Double?
    public var adjustedP: Double?
    public var baselineInstructions: Int?
    public var currentInstructions: Int?
    public var baselineProcesses: Int?
    public var currentProcesses: Int?
    /// Between-process coefficient of variation of each side.
    public var baselineSpread: Double?
    public var currentSpread: Double?
    public var tolerance: Double
    public var note: String

    /// The ratio the verdict rests on.
    public var decidingRatio: Double? {
        switch basis {
        case "instructions": ratio
        case "normalized time": normalizedRatio
        default: ratio
        }
    }
}

/// A whole comparison: per point, and summarised.
public struct Comparison: Codable, Sendable {
    public var points: [PointComparison]
    /// Geometric mean of the deciding ratios of the points both sides measured.
    public var geometricMeanRatio: Double?
    public var warnings: [String]

    /// 0 no regression, 2 a regression, 3 inconclusive points (and no regression),
    /// 4 improvements only (no regression, nothing inconclusive).
    public var exitCode: Int32 {
        let verdicts = Set(points.map(\.verdict))
        if verdicts.contains(.regressed) { return 2 }
        if verdicts.contains(.inconclusive) { return 3 }
        if verdicts.contains(.improved) { return 4 }
        return 0
    }

    public static func compare(
        baseline: ResultSet, current: ResultSet, options: CompareOptions, force: Bool = false
    ) throws -> Comparison {
        var warnings: [String] = []
        if let a = baseline.context, let b = current.context {
            let differences = [
                ("CPU model", a.cpuModel, b.cpuModel), ("compiler", a.swiftVersion, b.swiftVersion),
                ("build flags", a.buildFlags, b.buildFlags),
                ("build configuration", a.buildConfiguration, b.buildConfiguration),
                ("allowed CPUs", a.allowedCPUs, b.allowedCPUs),
            ]
            .filter { $0.1 != $0.2 }
            for (what, x, y) in differences { warnings.append("\(what) differs: baseline '\(x)', current '\(y)'") }
            // Every run of both sides (merged files hold several) on one machine, or it is a
            // comparison across machines.
            let machines = Set((baseline.contexts + current.contexts).map { "\($0.host) (\($0.cpuModel))" })
            if machines.count > 1 {
                var hosts: [String] = []
                for c in baseline.contexts + current.contexts where !hosts.contains(c.host) { hosts.append(c.host) }
                let message = "the results come from different machines (\(hosts.joined(separator: ", ")))"
                if !options.normalize && !force && hasTimes(baseline) && hasTimes(current) {
                    throw BenchError(
                        "\(message): absolute times do not compare; use --normalize, or --force to compare anyway")
                }
                warnings.append(message)
            }
        } else {
            // Without both contexts nothing says the runs share a machine: absolute times are
            // refused as from different machines are (instruction counts do not depend on it).
            let message = "a context file is missing: cannot check that both runs come from the same machine and build"
            if !options.normalize && !force && hasTimes(baseline) && hasTimes(current) {
                throw BenchError("\(message); use --normalize, or --force to compare anyway")
            }
            warnings.append(message)
        }

        // A threshold for a point neither side has is a typo that would silently not apply.
        let known = Set(baseline.order + current.order)
        if let stray = options.pointTolerance.keys.sorted().first(where: { !known.contains($0) }) {
            throw BenchError("the thresholds name a point in neither result: \(stray)")
        }
        let names = baseline.order + current.order.filter { baseline.rows[$0] == nil }
        guard names.contains(where: { baseline.rows[$0] != nil && current.rows[$0] != nil }) else {
            throw BenchError("no point appears in both results: nothing to compare")
        }
        var results: [PointComparison] = []
        var testIndex: [Int] = []  // results whose p-values enter the BH correction
        for name in names {
            let variant = String(name.split(separator: "/").first ?? "")
            var c = PointComparison(
                name: name, verdict: .unchanged, basis: options.normalize ? "normalized time" : "time",
                tolerance: options.tolerance(for: name, variant: variant), note: "")
            guard let a = baseline.rows[name], let b = current.rows[name] else {
                c.verdict = baseline.rows[name] == nil ? .new : .missing
                results.append(c)
                continue
            }
            if a.status != .ok || b.status != .ok {
                c.verdict = .inconclusive
                c.note = "status \(a.status.rawValue) → \(b.status.rawValue)"
                results.append(c)
                continue
            }
            if let x = a.instructions, let y = b.instructions {
                c.basis = "instructions"
                c.baselineInstructions = x
                c.currentInstructions = y
                c.ratio = Double(y) / Double(x)
                c.tolerance = options.instructionTolerance
                c.verdict =
                    c.ratio! > 1 + c.tolerance ? .regressed : c.ratio! < 1 / (1 + c.tolerance) ? .improved : .unchanged
                results.append(c)
                continue
            }
            let raw = (baseline.samples[name] ?? [], current.samples[name] ?? [])
            let seconds: (SampleRow) -> Double = { $0.secondsPerIteration }
            let normalized: (SampleRow) -> Double = { $0.secondsPerIteration / $0.referenceSeconds }
            let (ta, tb) = (ProcessGroups(raw.0, value: seconds), ProcessGroups(raw.1, value: seconds))
            let (na, nb) = (ProcessGroups(raw.0, value: normalized), ProcessGroups(raw.1, value: normalized))
            c.baselineMedian = ta.geometricMeanOfMedians
            c.currentMedian = tb.geometricMeanOfMedians
            if let x = ta.geometricMeanOfMedians, let y = tb.geometricMeanOfMedians { c.ratio = y / x }
            if let x = na.geometricMeanOfMedians, let y = nb.geometricMeanOfMedians { c.normalizedRatio = y / x }
            let (ga, gb) = options.normalize ? (na, nb) : (ta, tb)
            c.baselineProcesses = ga.count
            c.currentProcesses = gb.count
            c.baselineSpread = ga.betweenProcessCV
            c.currentSpread = gb.betweenProcessCV
            guard ga.count >= options.minProcesses, gb.count >= options.minProcesses else {
                c.verdict = .inconclusive
                c.note =
                    "between-process noise unknown: \(ga.count) and \(gb.count) processes (need \(options.minProcesses) a side: sweep --processes, or dcnbench ab)"
                results.append(c)
                continue
            }
            if let estimate = ProcessRatio(baseline: ga, current: gb, seed: stableHash(name)) {
                c.ratioLow = estimate.low
                c.ratioHigh = estimate.high
                c.detectable = estimate.detectable
            }
            c.pValue = WelchTest(ga.medians.map { log($0) }, gb.medians.map { log($0) })?.pValue
            testIndex.append(results.count)
            results.append(c)
        }
        // BH over every point that got a test, then the rule.
        let adjusted = benjaminiHochberg(testIndex.map { results[$0].pValue ?? 1 })
        for (k, index) in testIndex.enumerated() {
            results[index].adjustedP = adjusted[k]
            let c = results[index]
            guard c.verdict == .unchanged, let ratio = c.decidingRatio, let low = c.ratioLow, let high = c.ratioHigh
            else { continue }
            results[index].verdict = timingVerdict(
                ratio: ratio, low: low, high: high, adjustedP: adjusted[k],
                tolerance: c.tolerance, alpha: options.alpha)
            if results[index].verdict == .unchanged {
                let within = max(high - 1, 1 - low) * 100
                results[index].note = String(
                    format: "within ±%.1f%%; detects %.1f%%", within, (c.detectable ?? 0) * 100)
            }
        }
        let decided = results.compactMap(\.decidingRatio).filter { $0 > 0 && $0.isFinite }
        let geomean = decided.isEmpty ? nil : exp(decided.map { log($0) }.reduce(0, +) / Double(decided.count))
        // Worst first: regressions by ratio, then the rest by ratio, missing/new last.
        let rank: [Verdict: Int] = [.regressed: 0, .inconclusive: 1, .improved: 2, .unchanged: 2, .missing: 3, .new: 4]
        results.sort {
            (rank[$0.verdict]!, -($0.decidingRatio ?? 0)) < (rank[$1.verdict]!, -($1.decidingRatio ?? 0))
        }
        return Comparison(points: results, geometricMeanRatio: geomean, warnings: warnings)
    }

    /// A timing verdict needs all three: the adjusted p (Welch on log process medians) below
    /// `alpha`, the ratio's interval excluding 1, and the ratio itself beyond the tolerance.
    /// Anything else is unchanged, the interval and the smallest detectable change saying
    /// within what. The simulation tests hold this rule to its false-alarm rate, power and
    /// coverage on seeded two-level data.
    static func timingVerdict(
        ratio: Double, low: Double, high: Double, adjustedP: Double, tolerance: Double,
        alpha: Double
    ) -> Verdict {
        guard adjustedP < alpha else { return .unchanged }
        if low > 1 && ratio > 1 + tolerance { return .regressed }
        if high < 1 && ratio < 1 / (1 + tolerance) { return .improved }
        return .unchanged
    }

    private static func hasTimes(_ set: ResultSet) -> Bool { !set.samples.isEmpty }

}
