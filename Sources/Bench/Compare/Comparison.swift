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
    /// Fewer samples than this on either side: inconclusive.
    public var minSamples = 9
    /// A side with a larger robust coefficient of variation (1.4826·MAD / median, which one
    /// interrupted sample does not inflate the way it does stddev / mean): inconclusive.
    public var maxCV = 0.1
    /// Divide every sample by its reference-kernel time (`reference_seconds`) first.
    public var normalize = false

    public init() {}

    public func tolerance(for name: String, variant: String) -> Double {
        pointTolerance[name] ?? variantTolerance[variant] ?? tolerance
    }

    /// Reads a thresholds file: `{"default": 0.05, "variants": {"naive": 0.2}, "points": {"NAME": 0.1},
    /// "instructions": 0.01}`; every key optional, every value a fraction in (0, 10).
    public mutating func loadThresholds(_ path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw BenchError("cannot read thresholds file \(path): \(error.localizedDescription)")
        }
        guard let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw BenchError("thresholds file \(path): expected a JSON object")
        }
        func fraction(_ value: Any, _ at: String) throws -> Double {
            guard let number = value as? NSNumber, number.doubleValue > 0, number.doubleValue < 10 else {
                throw BenchError("thresholds file \(path): \(at) must be a fraction such as 0.05, got \(value)")
            }
            return number.doubleValue
        }
        for (key, value) in top {
            switch key {
            case "default": tolerance = try fraction(value, key)
            case "instructions": instructionTolerance = try fraction(value, key)
            case "variants", "points":
                guard let map = value as? [String: Any] else { throw BenchError("thresholds file \(path): \(key) must be an object") }
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
            default: throw BenchError("thresholds file \(path): unknown key '\(key)' (expected default, instructions, variants, points)")
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
    public var baselineMedian: Double?
    public var currentMedian: Double?
    /// current / baseline of the medians of raw times (> 1: slower).
    public var ratio: Double?
    /// The same of the normalised times (each sample / its reference-kernel time).
    public var normalizedRatio: Double?
    /// Bootstrap 95% interval of the deciding ratio.
    public var ratioLow: Double?
    public var ratioHigh: Double?
    public var pValue: Double?
    public var adjustedP: Double?
    public var baselineInstructions: Int?
    public var currentInstructions: Int?
    public var baselineCV: Double?
    public var currentCV: Double?
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

    public static func compare(baseline: ResultSet, current: ResultSet, options: CompareOptions, force: Bool = false) throws -> Comparison {
        var warnings: [String] = []
        if let a = baseline.context, let b = current.context {
            let differences = [("CPU model", a.cpuModel, b.cpuModel), ("compiler", a.swiftVersion, b.swiftVersion),
                               ("build flags", a.buildFlags, b.buildFlags), ("build configuration", a.buildConfiguration, b.buildConfiguration),
                               ("allowed CPUs", a.allowedCPUs, b.allowedCPUs)]
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
                    throw BenchError("\(message): absolute times do not compare; use --normalize, or --force to compare anyway")
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
            var c = PointComparison(name: name, verdict: .unchanged, basis: options.normalize ? "normalized time" : "time",
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
                c.verdict = c.ratio! > 1 + c.tolerance ? .regressed : c.ratio! < 1 / (1 + c.tolerance) ? .improved : .unchanged
                results.append(c)
                continue
            }
            let raw = (baseline.samples[name] ?? [], current.samples[name] ?? [])
            let x = raw.0.map(\.secondsPerIteration), y = raw.1.map(\.secondsPerIteration)
            let xn = raw.0.map { $0.secondsPerIteration / $0.referenceSeconds }
            let yn = raw.1.map { $0.secondsPerIteration / $0.referenceSeconds }
            let (sx, sy) = (Statistics(x), Statistics(y))
            c.baselineMedian = sx?.median
            c.currentMedian = sy?.median
            if let sx, let sy { c.ratio = sy.median / sx.median }
            if let nx = Statistics(xn), let ny = Statistics(yn) { c.normalizedRatio = ny.median / nx.median }
            let (dx, dy) = options.normalize ? (xn, yn) : (x, y)
            c.baselineCV = Statistics(dx)?.robustCV
            c.currentCV = Statistics(dy)?.robustCV
            guard dx.count >= options.minSamples, dy.count >= options.minSamples else {
                c.verdict = .inconclusive
                c.note = "too few samples (\(dx.count), \(dy.count); need \(options.minSamples))"
                results.append(c)
                continue
            }
            if let interval = bootstrapRatioInterval(baseline: dx, current: dy, seed: stableHash(name)) {
                c.ratioLow = interval.low
                c.ratioHigh = interval.high
            }
            c.pValue = MannWhitney.test(dx, dy)?.pValue
            if max(c.baselineCV ?? 0, c.currentCV ?? 0) > options.maxCV {
                c.verdict = .inconclusive
                c.note = String(format: "too noisy (robust CV %.1f%%, %.1f%%; limit %.1f%%)", (c.baselineCV ?? 0) * 100,
                                (c.currentCV ?? 0) * 100, options.maxCV * 100)
            }
            testIndex.append(results.count)
            results.append(c)
        }
        // BH over every point that got a test, then the verdicts of those not already decided.
        let adjusted = benjaminiHochberg(testIndex.map { results[$0].pValue ?? 1 })
        for (k, index) in testIndex.enumerated() {
            results[index].adjustedP = adjusted[k]
            guard results[index].verdict == .unchanged, let ratio = results[index].decidingRatio else { continue }
            let t = results[index].tolerance
            if adjusted[k] < options.alpha && ratio > 1 + t { results[index].verdict = .regressed }
            if adjusted[k] < options.alpha && ratio < 1 / (1 + t) { results[index].verdict = .improved }
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

    private static func hasTimes(_ set: ResultSet) -> Bool { !set.samples.isEmpty }
}
