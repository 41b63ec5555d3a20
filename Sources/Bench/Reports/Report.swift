import Foundation

/// One page about a run to paste into an issue or PR (`dcnbench report`): the context of the
/// machine and build, the fastest design per shape, the peers when their rows are given, and the
/// figures of `scripts/plot.py` when they exist. Written as Markdown, or as one self-contained
/// HTML file with the SVG figures inlined. The same sections feed both, so they cannot disagree.
public struct Report {
    struct Section {
        var title: String
        var text: [String] = []
        var table: [[String]] = []  // first row: the header
        var figures: [String] = []  // image paths
    }

    /// One series of every table: a point (ours or a peer's) with the processes that measured
    /// it in all the given files. The process is the unit of repetition (docs/verdicts.md): each
    /// file's row is one process (or several, for a `sweep --processes K` file), and the
    /// series' time is the geometric mean of the process medians, as `compare` judges.
    struct Row {
        var name: String, variant: String, shape: String, threads: Int
        var weights: String, layout: String, placement: String
        /// Seconds per call, a group per process; a peer's process is its row's median (the
        /// peers' harness keeps no samples file).
        var groups: ProcessGroups
        /// Each process's within-process robust CV, where it is known.
        var withinCVs: [Double]
        /// FLOPs of one call.
        var flops: Double
        /// The peak the row's own run measured (GFLOP/s), when it did.
        var peak: Double?
        /// (file, CPU utilization) of the processes under `Report.minUtilization`.
        var underThreaded: [(String, Double)]
        /// The point's fields as `dcnbench list --json` gives them (a peer's under its own name
        /// and design).
        var point: PointListing.Point
        /// Compulsory bytes of the tensors; nil for a peer's row (its harness does not know it).
        var tensorBytes: Int?
        /// p10 and p90 of the first process's samples (seconds): the error bar of a series of
        /// one process, where there is no interval over processes.
        var sampleSpread: (p10: Double, p90: Double)?

        var median: Double { groups.geometricMeanOfMedians ?? .nan }
        var gflops: Double { flops / median / 1e9 }
        var pctPeak: Double? { peak.map { 100 * gflops / $0 } }
    }

    /// A T-thread process whose threads ran sits near 1.0; a pool sized for fewer CPUs than T
    /// gives at most (T − 1)/T (scripts/peers/harness.py holds the peers to the same line).
    static let minUtilization = 0.8

    let sources: [String]
    /// The first file's first run: the machine and build the page names.
    let context: RunContext?
    /// Every run's context, in file order.
    let contexts: [RunContext]
    let rows: [Row]
    let figures: [String]

    /// Reads `paths` (dcnbench CSVs; rows of a status other than ok are left out) and the first
    /// one's context; `plots` is a folder of `scripts/plot.py` figures, used when it exists.
    /// The same point in several files is one series with the processes of all of them.
    public init(paths: [String], plots: String?) throws {
        guard !paths.isEmpty else { throw BenchError("report needs at least one results CSV") }
        var rows: [Row] = []
        var index: [String: Int] = [:]
        var contexts: [RunContext] = []
        func add(_ row: Row, utilization: Double?, path: String) {
            var row = row
            if let utilization, utilization < Self.minUtilization { row.underThreaded = [(path, utilization)] }
            guard let at = index[row.name] else {
                index[row.name] = rows.count
                rows.append(row)
                return
            }
            rows[at].groups = ProcessGroups(rows[at].groups.groups + row.groups.groups)
            rows[at].withinCVs += row.withinCVs
            rows[at].underThreaded += row.underThreaded
            if rows[at].peak == nil { rows[at].peak = row.peak }
        }
        for path in paths {
            let file = try ResultFile(path)
            contexts += file.contexts.filter { c in !contexts.contains { $0.runID == c.runID } }
            for row in file.rows where row.status == .ok {
                guard let median = row.statistics?.median, let gflops = row.gflops, median > 0 else { continue }
                let sampled = ProcessGroups(file.samples[row.point.name] ?? [])
                let groups = sampled.count > 0 ? sampled : ProcessGroups([[median]])
                add(
                    Row(
                        name: row.point.name, variant: row.point.variant.rawValue, shape: Self.shape(row.point),
                        threads: row.point.threads, weights: row.point.weights.rawValue,
                        layout: row.point.layout.rawValue, placement: row.point.placement.description,
                        groups: groups, withinCVs: groups.groups.compactMap { Statistics($0)?.robustCV },
                        flops: gflops * median * 1e9, peak: row.percentOfPeak.map { 100 * gflops / $0 },
                        underThreaded: [], point: try PointListing.Point(row.point), tensorBytes: row.tensorBytes,
                        sampleSpread: row.statistics.map { ($0.p10, $0.p90) }),
                    utilization: row.cpuUtilization, path: path)
            }
            for peer in file.peers where peer.status == .ok {
                guard let median = peer.median, let gflops = peer.gflops else { continue }
                add(
                    Row(
                        name: peer.name, variant: peer.design, shape: Self.shape(peer.point),
                        threads: peer.point.threads,
                        weights: peer.point.weights.rawValue, layout: peer.point.layout.rawValue,
                        placement: peer.point.placement.description, groups: ProcessGroups([[median]]),
                        withinCVs: peer.robustCV.map { [$0] } ?? [], flops: gflops * median * 1e9, peak: nil,
                        underThreaded: [], point: try Self.peerPoint(peer), tensorBytes: nil,
                        sampleSpread: peer.spread),
                    utilization: peer.cpuUtilization, path: path)
            }
        }
        guard !rows.isEmpty else { throw BenchError("\(paths.joined(separator: ", ")): no measured rows") }
        self.rows = rows
        sources = paths
        context = contexts.first
        self.contexts = contexts
        var figures: [String] = []
        if let plots, let names = try? FileManager.default.contentsOfDirectory(atPath: plots) {
            figures = names.filter { $0.hasSuffix(".svg") }.sorted().map {
                (plots as NSString).appendingPathComponent($0)
            }
        }
        self.figures = figures
    }

    /// A peer's point: the problem and configuration of its columns, named as the peer.
    static func peerPoint(_ peer: PeerRow) throws -> PointListing.Point {
        var point = try PointListing.Point(peer.point)
        point.design = peer.design + point.design.dropFirst(point.variant.count)
        point.name = peer.name
        point.variant = peer.design
        return point
    }

    /// A backward is a shape of its own.
    static func shape(_ point: BenchPoint) -> String {
        point.shapeName + (point.direction == .fwd ? "" : " \(point.direction.rawValue)")
    }

    /// The design of a row as the tables name it: variant, threads, placement, and the layout
    /// and weights when they are not the defaults.
    static func design(_ r: Row) -> String {
        "\(r.variant) t\(r.threads)" + (r.placement.isEmpty || r.variant.hasPrefix("peer:") ? "" : " \(r.placement)")
            + (r.layout == "nchw" ? "" : " \(r.layout)") + (r.weights == "call" ? "" : " \(r.weights)")
    }

    static func f(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

    var sections: [Section] {
        var result: [Section] = []
        if let c = context {
            var s = Section(title: "Machine and build")
            let m = c.machine
            let caches = m.caches.map { "L\($0.level) \($0.kind) \($0.sizeBytes >> 10) KiB ×\($0.instances)" }.joined(
                separator: ", ")
            var table = [
                ["", "value"], ["host", c.host], ["CPU", c.cpuModel],
                ["packages / cores / PUs", "\(m.packages) / \(m.cores) / \(m.pus)"],
                ["NUMA nodes", "\(m.numaNodes.count)"], ["caches", caches],
                ["allowed CPUs", c.allowedCPUs], ["compiler", "Swift \(c.swiftVersion)"],
                ["build", "\(c.buildConfiguration), \(c.buildFlags)"],
                [
                    "commit",
                    (c.gitCommit.map { String($0.prefix(12)) } ?? "unknown") + (c.gitDirty == true ? " (dirty)" : ""),
                ],
                ["dcnbench", c.dcnbenchVersion], ["date", c.date], ["sweep", c.sweep],
                [
                    "timing",
                    "\(c.timing.samples) samples of ≥ \(c.timing.minSampleSeconds) s, warm-up \(c.timing.warmupSeconds) s, "
                        + "in \(c.processes?.count ?? 1) process\(c.processes?.count ?? 1 == 1 ? "" : "es")",
                ],
            ]
            for p in c.probes ?? [] {
                let what =
                    p.unit == "GFLOP/s"
                    ? "fp32 FMA peak" : p.unit == Probes.gemmUnit ? "GEMM roof (\(p.placement))" : "STREAM triad"
                table.append([
                    "\(what), \(p.threads) thread\(p.threads == 1 ? "" : "s")",
                    "\(Self.f(p.value)) \(p.unit == Probes.gemmUnit ? "GFLOP/s" : p.unit)",
                ])
            }
            s.table = table
            result.append(s)
        }
        result.append(summary)
        if let peers = peerSection { result.append(peers) }
        if let spread = spreadSection { result.append(spread) }
        if !figures.isEmpty {
            result.append(Section(title: "Figures", text: ["From `scripts/plot.py`."], figures: figures))
        }
        return result
    }

    /// Per shape: the fastest of our points (best of the files' medians), its % of peak, and
    /// its speed-ups over naive and tiled at one thread and over its own design at one thread.
    var summary: Section {
        var s = Section(title: "Fastest design per shape")
        s.table = [["shape", "fastest", "GFLOP/s", "% of peak", "× naive", "× tiled", "× 1 thread"]]
        let ours = rows.filter { !$0.variant.hasPrefix("peer:") }
        var shapes: [String] = []
        for r in ours where !shapes.contains(r.shape) { shapes.append(r.shape) }
        for shape in shapes {
            let group = ours.filter { $0.shape == shape }
            guard let best = group.min(by: { $0.median < $1.median }) else { continue }
            func over(_ pick: (Row) -> Bool) -> String {
                group.filter(pick).map(\.median).min().map { Self.f($0 / best.median, 2) } ?? "–"
            }
            s.table.append([
                shape, Self.design(best), Self.f(best.gflops), best.pctPeak.map { Self.f($0, 0) + "%" } ?? "–",
                over { $0.variant == "naive" && $0.threads == 1 }, over { $0.variant == "tiled" && $0.threads == 1 },
                best.threads == 1
                    ? "–"
                    : over {
                        $0.variant == best.variant && $0.threads == 1 && $0.layout == best.layout
                            && $0.weights == best.weights
                    },
            ])
        }
        s.text = [
            "Per point, the geometric mean of its process medians over the given files; "
                + "GFLOP/s = 2·N·C_out·(C_in/G)·kh·kw·H_out·W_out / that time."
        ]
        return s
    }

    /// "1.62× [1.48, 1.77]": `baseline` time / `current` time (how many times faster `current`
    /// is) with its 95 % interval, the interval left out below two processes a side.
    static func speedup(of current: Row, over baseline: Row) -> String {
        // ProcessRatio is current / baseline of the times; its arguments swapped give the speed-up.
        guard let r = ProcessRatio(baseline: current.groups, current: baseline.groups, seed: Self.seed) else {
            return f(baseline.median / current.median, 2) + "×"
        }
        return f(r.ratio, 2) + "× [" + f(r.low, 2) + ", " + f(r.high, 2) + "]"
    }

    /// The bootstrap's seed: the same files give the same page.
    static let seed: UInt64 = 1

    /// With peer rows: per shape and thread count, our fastest design against each deformable
    /// peer and against the fastest dense convolution of the shape (weights given once compared
    /// only with the peers' constant-weight forms), and our design's speed-up over one thread.
    var peerSection: Section? {
        let peers = rows.filter { $0.variant.hasPrefix("peer:") }
        guard !peers.isEmpty else { return nil }
        func isDense(_ variant: String) -> Bool { variant.hasPrefix("peer:dense-") }
        let names = Array(
            Set(
                peers.filter { !isDense($0.variant) }.map {
                    $0.variant + ($0.weights == "call" ? "" : " \($0.weights)")
                })
        ).sorted()
        let dense = peers.contains { isDense($0.variant) }
        var s = Section(title: "Against the peers")
        s.table = [
            ["shape", "T", "ours (fastest)", "processes", "GFLOP/s"]
                + names.flatMap { ["\($0.dropFirst(5)) GFLOP/s", "ours / \($0.dropFirst(5))"] }
                + (dense ? ["best dense", "ours / best dense"] : []) + ["ours / 1 thread"]
        ]
        var keys: [(String, Int)] = []
        for r in rows where !keys.contains(where: { $0 == (r.shape, r.threads) }) { keys.append((r.shape, r.threads)) }
        func fastest(_ among: [Row], _ weights: String) -> Row? {
            among.filter { !$0.variant.hasPrefix("peer:") && $0.weights == weights && $0.layout == "nchw" }.min {
                $0.median < $1.median
            }
        }
        for (shape, threads) in keys.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            let here = rows.filter { $0.shape == shape && $0.threads == threads }
            guard let ours = fastest(here, "call") else { continue }
            var line = [shape, "\(threads)", Self.design(ours), "\(ours.groups.count)", Self.f(ours.gflops)]
            for name in names {
                let weights = name.hasSuffix(" prepared") ? "prepared" : "call"
                let variant = name.replacingOccurrences(of: " prepared", with: "")
                let peer = here.first { $0.variant == variant && $0.weights == weights }
                let mine = fastest(here, weights)
                line += [
                    peer.map { Self.f($0.gflops) } ?? "–",
                    peer.flatMap { p in mine.map { Self.speedup(of: $0, over: p) } } ?? "–",
                ]
            }
            if dense {
                let top = here.filter { isDense($0.variant) }.min { $0.median < $1.median }
                line += [
                    top.map { "\($0.variant.dropFirst(11)) \(Self.f($0.gflops))" } ?? "–",
                    top.map { Self.speedup(of: ours, over: $0) } ?? "–",
                ]
            }
            let one = rows.first {
                $0.variant == ours.variant && $0.shape == shape && $0.threads == 1 && $0.weights == ours.weights
                    && $0.layout == ours.layout
            }
            line.append(threads == 1 ? "–" : one.map { Self.speedup(of: ours, over: $0) } ?? "–")
            s.table.append(line)
        }
        let counts = Set(rows.map { $0.groups.count })
        s.text = [
            "Each file's row is one process (`compare-peers.sh` runs every side in fresh processes, interleaved); a "
                + "design's time is the geometric mean of its process medians. \"ours / X\" is X's time over ours "
                + "(above 1: ours is faster) with its 95 % interval from a hierarchical bootstrap over processes "
                + "(docs/verdicts.md); no interval where a side has one process. \"prepared\": weights given once, "
                + "compared with our fastest prepared design. Processes per series: "
                + counts.sorted().map(String.init).joined(separator: ", ") + "."
        ]
        let starved = rows.flatMap { r in r.underThreaded.map { "\(r.name) in \($0.0): \(Self.f($0.1, 2))" } }
        if !starved.isEmpty {
            s.text.append(
                "Processes under \(Self.minUtilization) CPU utilization (the threads did not all run, or the library "
                    + "has serial parts of its own): " + starved.joined(separator: "; ") + ".")
        }
        return s
    }

    /// Where any series has two processes or more: each design's spread between its processes
    /// (CV of the process medians) and within them (median robust CV), per shape and threads.
    var spreadSection: Section? {
        guard rows.contains(where: { $0.groups.count >= 2 }) else { return nil }
        var s = Section(title: "Spread between and within processes")
        s.table = [["shape", "T", "design", "processes", "between-process CV", "within-process CV"]]
        let sorted = rows.filter { $0.groups.count >= 2 }.sorted {
            ($0.shape, $0.threads, Self.design($0)) < ($1.shape, $1.threads, Self.design($1))
        }
        for r in sorted {
            let within = r.withinCVs.sorted()
            s.table.append([
                r.shape, "\(r.threads)", Self.design(r), "\(r.groups.count)",
                r.groups.betweenProcessCV.map { Self.f(100 * $0) + " %" } ?? "–",
                within.isEmpty ? "–" : Self.f(100 * Statistics.percentile(within, 0.5)) + " %",
            ])
        }
        s.text = [
            "Between: the standard deviation of the process medians over their mean. Within: the median over processes "
                + "of 1.4826·MAD/median of each one's samples. A between-process spread well above the within-process "
                + "one is why processes, not samples, are counted (docs/verdicts.md)."
        ]
        return s
    }

    public func markdown(relativeTo directory: String? = nil) -> String {
        var out = "# dcnbench results\n\n" + sources.map { "- `\($0)`" }.joined(separator: "\n") + "\n"
        for s in sections {
            out += "\n## \(s.title)\n\n"
            for t in s.text { out += t + "\n\n" }
            if !s.table.isEmpty {
                func line(_ cells: [String]) -> String {
                    "| " + cells.map(Self.markdownCell).joined(separator: " | ") + " |"
                }
                out += line(s.table[0]) + "\n" + line(s.table[0].map { _ in "---" }) + "\n"
                out += s.table.dropFirst().map(line).joined(separator: "\n") + "\n"
            }
            for figure in s.figures {
                let path = directory.map { Self.relativePath(figure, from: $0) } ?? figure
                out += "![\(((figure as NSString).lastPathComponent as NSString).deletingPathExtension)](\(path))\n\n"
            }
        }
        return out
    }

    /// One self-contained page: the same sections, the SVG figures inlined.
    public func html() throws -> String {
        let esc = HTML.escape
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>dcnbench results</title>
            <style>
            body { font-family: sans-serif; margin: 2em; color: #111; }
            table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
            th, td { border: 1px solid #999; padding: 0.25em 0.6em; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            th { background: #e8e8e8; }
            figure img { max-width: 100%; height: auto; }
            </style></head><body>
            <h1>dcnbench results</h1>
            <ul>\(sources.map { "<li><code>\(esc($0))</code></li>" }.joined())</ul>

            """
        for s in sections {
            out += "<h2>\(esc(s.title))</h2>\n"
            for t in s.text { out += "<p>\(esc(t))</p>\n" }
            if !s.table.isEmpty {
                out += "<table>\n<tr>" + s.table[0].map { "<th>\(esc($0))</th>" }.joined() + "</tr>\n"
                out += s.table.dropFirst().map { "<tr>" + $0.map { "<td>\(esc($0))</td>" }.joined() + "</tr>" }.joined(
                    separator: "\n")
                out += "\n</table>\n"
            }
            for figure in s.figures {
                // As an image, never inline markup: a browser runs no script of an SVG shown by
                // <img>, so a figure cannot carry code into the page.
                let svg = try InputFile.read(figure, what: "figure")
                let name = esc((figure as NSString).lastPathComponent)
                out +=
                    "<figure><img alt=\"\(name)\" src=\"data:image/svg+xml;base64,\(svg.base64EncodedString())\">"
                    + "<figcaption>\(name)</figcaption></figure>\n"
            }
        }
        return out + "</body></html>\n"
    }

    /// A table cell's text as Markdown: pipes escaped, line breaks (a hand-edited CPU model)
    /// made spaces so the table stays one line per row.
    static func markdownCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r\n", with: " ")
            .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
    }

    /// `path` relative to the folder `base` (both made absolute), for links in a Markdown file.
    static func relativePath(_ path: String, from base: String) -> String {
        let target = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        let from = URL(fileURLWithPath: base).standardizedFileURL.pathComponents
        var common = 0
        while common < min(target.count, from.count) && target[common] == from[common] { common += 1 }
        return (Array(repeating: "..", count: from.count - common) + target[common...]).joined(separator: "/")
    }
}
