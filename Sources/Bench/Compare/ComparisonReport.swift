import Foundation

extension Comparison {
    private func cells(_ c: PointComparison) -> [String] {
        func ratio(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "-" }
        func p(_ x: Double?) -> String {
            x.map { $0 < 1e-4 ? String(format: "%.1e", $0) : String(format: "%.4f", $0) } ?? "-"
        }
        let interval = c.ratioLow.map { String(format: "%.3f–%.3f", $0, c.ratioHigh ?? $0) } ?? "-"
        let baseline =
            c.basis == "instructions"
            ? c.baselineInstructions.map(String.init) ?? "-"
            : c.baselineMedian.map { String(format: "%.4g ms", $0 * 1e3) } ?? "-"
        let current =
            c.basis == "instructions"
            ? c.currentInstructions.map(String.init) ?? "-"
            : c.currentMedian.map { String(format: "%.4g ms", $0 * 1e3) } ?? "-"
        let processes = c.basis == "instructions" ? "-" : "\(c.baselineProcesses ?? 0)/\(c.currentProcesses ?? 0)"
        func percent(_ x: Double?) -> String { x.map { String(format: "%.1f", $0 * 100) } ?? "-" }
        let spread = c.basis == "instructions" ? "-" : "\(percent(c.baselineSpread))/\(percent(c.currentSpread))"
        return [
            c.verdict.rawValue, c.name, c.basis, baseline, current, ratio(c.ratio), ratio(c.normalizedRatio), interval,
            p(c.adjustedP), String(format: "%.0f%%", c.tolerance * 100), processes, spread, c.note,
        ]
    }

    private static let columns = [
        "verdict", "point", "basis", "baseline", "current", "ratio", "norm ratio", "95% CI",
        "BH p", "tol", "processes", "spread %", "note",
    ]

    private var counts: String {
        Verdict.allCases.compactMap { v in
            let n = points.filter { $0.verdict == v }.count
            return n > 0 ? "\(n) \(v.rawValue)" : nil
        }.joined(separator: ", ")
    }

    /// The aligned table for stdout, worst first, with the summary under it.
    public var table: String {
        var text = TextTable.render([Self.columns] + points.map(cells))
        text +=
            "\(counts); geometric-mean ratio \(geometricMeanRatio.map { String(format: "%.4f", $0) } ?? "-") (current/baseline, > 1 slower)\n"
        for warning in warnings { text += "warning: \(warning)\n" }
        return text
    }

    /// A Markdown summary for a CI comment.
    public var markdown: String {
        var text =
            "### dcnbench compare\n\n**\(counts)**; geometric-mean ratio \(geometricMeanRatio.map { String(format: "%.4f", $0) } ?? "-")\n\n"
        for warning in warnings { text += "> ⚠️ \(warning)\n" }
        if !warnings.isEmpty { text += "\n" }
        text += "| " + Self.columns.joined(separator: " | ") + " |\n"
        text += "|" + String(repeating: " --- |", count: Self.columns.count) + "\n"
        for c in points {
            text +=
                "| " + cells(c).map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        return text
    }

    /// The verdict as JSON: exit code, summary and every point.
    public func json() throws -> Data {
        struct Document: Encodable {
            var exitCode: Int32
            var verdictCounts: [String: Int]
            var comparison: Comparison
        }
        let counts = Dictionary(grouping: points, by: \.verdict.rawValue).mapValues(\.count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(Document(exitCode: exitCode, verdictCounts: counts, comparison: self))
    }
}
