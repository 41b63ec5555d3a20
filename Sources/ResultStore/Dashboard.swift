import Bench
import Foundation

/// The history as a static, self-contained site: `index.html` lists every series with its latest
/// value, its trend and its change points; one page per point draws each of its series (one per
/// configuration) as an SVG over the runs in commit order, with the median's interval per run,
/// each segment's median and the change points marked, and a table of the runs. No script and
/// nothing from another site: the pages open from disk, and each carries its series as JSON
/// (`<script type="application/json" id="series">`) for tools.
public enum Dashboard {
    /// Writes the site into `directory` (created if missing; existing pages of the same names are
    /// replaced). `commitURL` turns a commit into a link: `{commit}` is replaced by its hash.
    /// Returns the paths written.
    @discardableResult
    public static func write(_ history: History, to directory: String, commitURL: String?, title: String) throws
        -> [String]
    {
        var status = stat()
        if lstat(directory, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw BenchError("--out \(directory) is not a directory (a link or a file); give a folder for the site")
            }
        } else {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw BenchError("--out \(directory): cannot create it: \(error.localizedDescription)")
            }
        }
        let byPoint = Dictionary(grouping: history.series, by: \.name)
        var written: [String] = []
        var index: [[String]] = []
        for name in byPoint.keys.sorted() {
            let page = pageName(name)
            let series = byPoint[name]!
            try write(
                pageHTML(name: name, series: series, commitURL: commitURL, title: title), to: directory, page,
                &written)
            for s in series {
                guard let last = s.entries.last else { continue }
                let first = s.entries.first!.value
                index.append([
                    "<a href=\"\(page)\">\(escape(name))</a>", escape(s.cpuModel), escape(s.mode),
                    "\(s.entries.count)", format(last.value, unit: s.unit),
                    first > 0 ? String(format: "%+.1f %%", 100 * (last.value / first - 1)) : "",
                    sparkline(s.entries.map(\.value)),
                    s.changePoints.isEmpty
                        ? "none"
                        : s.changePoints.map { c in
                            "<span class=\"\(c.change > 0 ? "slower" : "faster")\">\(commitText(s.entries[c.index])) \(String(format: "%+.1f %%", 100 * c.change))</span>"
                        }.joined(separator: "; "),
                ])
            }
        }
        let table = htmlTable(
            header: ["point", "CPU", "mode", "runs", "latest", "first → latest", "trend", "change points"], rows: index)
        let note =
            "\(history.series.count) series, runs in \(history.order.rawValue) order"
            + (history.runsLeftOut > 0 ? "; \(history.runsLeftOut) runs of commits outside that history left out" : "")
        try write(
            document(
                title: title,
                body: "<h1>\(escape(title))</h1><p>\(escape(note)). Values are seconds per call (median of process medians) or instructions per call; lower is faster. Change points: E-divisive means, permutation test.</p>\(table)"
            ), to: directory, "index.html", &written)
        return written
    }

    private static func write(_ html: String, to directory: String, _ name: String, _ written: inout [String]) throws {
        let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
        try OutputFile.write(Data(html.utf8), to: path, option: "--out")
        written.append(path)
    }

    /// A file name per point: its name's characters that are safe in a path, and a hash so two
    /// names never share a page.
    static func pageName(_ name: String) -> String {
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }.prefix(120))
        return "\(safe)-\(String(stableHash(name) % 0xFFFF_FFFF, radix: 16)).html"
    }

    private static func pageHTML(name: String, series: [History.Series], commitURL: String?, title: String) throws
        -> String
    {
        // `</` may not appear inside a script element.
        let json = String(decoding: try SnakeCaseJSON.encode(series, pretty: false), as: UTF8.self)
            .replacingOccurrences(of: "</", with: "<\\/")
        var body = "<p><a href=\"index.html\">\(escape(title))</a></p><h1>\(escape(name))</h1>"
        for s in series {
            body += "<h2>\(escape(s.cpuModel)), \(escape(s.mode)), configuration \(escape(s.configID))</h2>"
            body += chart(s)
            let rows = s.entries.enumerated().map { i, e in
                [
                    "\(i + 1)", commitCell(e, commitURL), escape(e.date), escape(e.host), format(e.value, unit: s.unit),
                    e.low.flatMap { l in e.high.map { "[\(format(l, unit: s.unit)), \(format($0, unit: s.unit))]" } }
                        ?? "",
                    "\(e.processes)",
                    s.changePoints.first(where: { $0.index == i }).map {
                        "<span class=\"\($0.change > 0 ? "slower" : "faster")\">\(String(format: "%+.1f %%", 100 * $0.change)), p \($0.pValue)</span>"
                    } ?? "",
                ]
            }
            body += htmlTable(
                header: ["#", "commit", "date", "host", "value", "95 % interval", "processes", "change point"],
                rows: rows)
        }
        body += "<script type=\"application/json\" id=\"series\">\(json)</script>"
        return document(title: "\(name) – \(title)", body: body)
    }

    /// The series as an SVG: a dot per run with its interval, each segment's median as a line,
    /// a dashed line at each change point.
    static func chart(_ s: History.Series) -> String {
        let width = 900.0, height = 260.0, left = 80.0, right = 20.0, top = 20.0, bottom = 40.0
        let values = s.entries.flatMap { [$0.value, $0.low ?? $0.value, $0.high ?? $0.value] }
        guard let lowest = values.min(), let highest = values.max() else { return "" }
        let pad = max((highest - lowest) * 0.1, highest * 0.01, 1e-12)
        let (y0, y1) = (max(0, lowest - pad), highest + pad)
        let n = s.entries.count
        func x(_ i: Double) -> Double { left + (n == 1 ? 0.5 : i / Double(n - 1)) * (width - left - right) }
        func y(_ v: Double) -> Double { top + (1 - (v - y0) / (y1 - y0)) * (height - top - bottom) }
        var svg =
            "<svg class=\"series\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width - left - right)\" height=\"\(height - top - bottom)\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
        for v in [y0, (y0 + y1) / 2, y1] {
            svg += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" text-anchor=\"end\" font-size=\"11\">\(format(v, unit: s.unit))</text>"
        }
        let bounds = [0] + s.changePoints.map(\.index) + [n]
        for k in 0..<(bounds.count - 1) {
            let segment = s.entries[bounds[k]..<bounds[k + 1]].map(\.value).sorted()
            let median = Statistics.percentile(segment, 0.5)
            svg += "<line class=\"segment\" x1=\"\(x(Double(bounds[k])))\" x2=\"\(x(Double(bounds[k + 1] - 1)))\" y1=\"\(y(median))\" y2=\"\(y(median))\" stroke=\"#888\" stroke-width=\"2\"/>"
        }
        for c in s.changePoints {
            let at = x(Double(c.index) - 0.5)
            svg += "<line class=\"change-point\" x1=\"\(at)\" x2=\"\(at)\" y1=\"\(top)\" y2=\"\(height - bottom)\" stroke=\"\(c.change > 0 ? "#c00" : "#080")\" stroke-dasharray=\"4 3\"><title>\(String(format: "%+.1f %%", 100 * c.change)) at \(escape(commitText(s.entries[c.index]))), p \(c.pValue)</title></line>"
        }
        for (i, e) in s.entries.enumerated() {
            if let low = e.low, let high = e.high {
                svg += "<line x1=\"\(x(Double(i)))\" x2=\"\(x(Double(i)))\" y1=\"\(y(low))\" y2=\"\(y(high))\" stroke=\"#36c\"/>"
            }
            svg += "<circle class=\"run\" cx=\"\(x(Double(i)))\" cy=\"\(y(e.value))\" r=\"3\" fill=\"#36c\"><title>\(escape(commitText(e))) \(escape(e.date)): \(format(e.value, unit: s.unit))</title></circle>"
        }
        let labels = Set(stride(from: 0, to: n, by: max(1, n / 8)).map { $0 } + [n - 1])
        for i in labels.sorted() {
            svg += "<text x=\"\(x(Double(i)))\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\" font-size=\"10\">\(escape(commitText(s.entries[i])))</text>"
        }
        return svg + "</svg>"
    }

    /// A small trend line for the index.
    static func sparkline(_ values: [Double]) -> String {
        guard let lo = values.min(), let hi = values.max(), values.count > 1 else { return "" }
        let points = values.enumerated().map { i, v in
            "\(Double(i) / Double(values.count - 1) * 100),\(hi > lo ? 18 - (v - lo) / (hi - lo) * 16 : 10)"
        }
        return "<svg width=\"100\" height=\"20\" viewBox=\"0 0 100 20\"><polyline fill=\"none\" stroke=\"#36c\" points=\"\(points.joined(separator: " "))\"/></svg>"
    }

    static func commitText(_ e: History.Entry) -> String {
        e.gitCommit.map { String($0.prefix(8)) + (e.gitDirty == true ? "+" : "") } ?? String(e.date.prefix(10))
    }

    static func commitCell(_ e: History.Entry, _ url: String?) -> String {
        guard let commit = e.gitCommit, let url else { return escape(commitText(e)) }
        return "<a href=\"\(escape(url.replacingOccurrences(of: "{commit}", with: commit)))\">\(escape(commitText(e)))</a>"
    }

    static func format(_ v: Double, unit: String) -> String {
        unit == "s" ? String(format: "%.4g ms", v * 1e3) : String(format: "%.0f", v)
    }

    static func htmlTable(header: [String], rows: [[String]]) -> String {
        "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
            + rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined() + "</tbody></table>"
    }

    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:sans-serif;margin:1.5em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}
        td,th{border:1px solid #ddd;padding:2px 6px;font-size:13px;text-align:left}h1{overflow-wrap:anywhere}.slower{color:#c00}.faster{color:#080}</style>
        </head><body>\(body)</body></html>

        """
    }

    static func escape(_ text: String) -> String { HTML.escape(text) }
}
