import BenchTestSupport
import Foundation
import Testing

@testable import Bench

/// `dcnbench report` on fixtures (committed runs in Tests/Fixtures): the tables a reader pastes, from the same rows.
@Suite("Report")
struct ReportTests {
    static let results = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures")

    @Test("the default sweep: context, one summary row per shape with its fastest design, HTML with the same tables")
    func defaultSweep() throws {
        let report = try Report(paths: [Self.results.appendingPathComponent("zen4-default.csv").path], plots: nil)
        let markdown = report.markdown()
        #expect(markdown.contains("## Machine and build"))
        #expect(markdown.contains("| build | release, -target-cpu native, micro-kernel 8x32 |"))
        let summary = try #require(report.sections.first { $0.title == "Fastest design per shape" })
        #expect(summary.table.count == 1 + 10)  // header + the default preset's 10 shapes × versions
        // The fastest per shape is the smallest median of that shape's rows.
        for line in summary.table.dropFirst() {
            let rows = report.rows.filter { $0.shape == line[0] && !$0.variant.hasPrefix("peer:") }
            let best = try #require(rows.min { $0.median < $1.median })
            #expect(line[1] == Report.design(best) && line[2] == Report.f(best.gflops))
        }
        let html = try report.html()
        #expect(html.components(separatedBy: "<table>").count - 1 == 2)
        #expect(html.contains("<td>blockedGather t2 close prepared</td>"))
        #expect(report.peerSection == nil)
    }

    @Test("peer rows give the peer section, pairing prepared weights only with the peers' constant-weight forms")
    func peers() throws {
        let folder = Self.results.appendingPathComponent("peers-zen4")
        let report = try Report(
            paths: ["ours-r1.csv", "openvino-t1-r1.csv"].map { folder.appendingPathComponent($0).path }, plots: nil)
        let section = try #require(report.peerSection)
        #expect(
            section.table[0] == [
                "shape", "T", "ours (fastest)", "processes", "GFLOP/s", "openvino GFLOP/s", "ours / openvino",
                "openvino prepared GFLOP/s", "ours / openvino prepared", "ours / 1 thread",
            ])
        let line = try #require(
            section.table.first { $0[0] == "v2/N1/C256/K256/14x14/k3x3/s1/p1/d1/g1/og1" && $0[1] == "1" })
        let rows = report.rows.filter { $0.shape == line[0] && $0.threads == 1 }
        let ours = try #require(
            rows.filter { !$0.variant.hasPrefix("peer:") && $0.weights == "call" }.min { $0.median < $1.median })
        let ov = try #require(rows.first { $0.variant == "peer:openvino" && $0.weights == "call" })
        // One process a side: the ratio of the two medians, and no interval.
        #expect(line[3] == "1" && line[6] == Report.f(ov.median / ours.median, 2) + "×")
        let prepared = try #require(
            rows.filter { !$0.variant.hasPrefix("peer:") && $0.weights == "prepared" }.min { $0.median < $1.median })
        let ovConst = try #require(rows.first { $0.variant == "peer:openvino" && $0.weights == "prepared" })
        #expect(line[8] == Report.f(ovConst.median / prepared.median, 2) + "×")
        #expect(report.spreadSection == nil)
    }

    @Test("rounds of files are processes of one series: geometric means of process medians, ratios with intervals")
    func peerProcesses() throws {
        let folder = Self.results.appendingPathComponent("peers-zen4")
        let names = (1...3).flatMap {
            ["ours-r\($0).csv", "openvino-t1-r\($0).csv", "dense-onnxruntime-t1-r\($0).csv"]
        }
        let paths = names.map { folder.appendingPathComponent($0).path }
        let report = try Report(paths: paths, plots: nil)
        let section = try #require(report.peerSection)
        #expect(section.table[0].suffix(3) == ["best dense", "ours / best dense", "ours / 1 thread"])
        let shape = "v2/N1/C64/K64/56x56/k3x3/s1/p1/d1/g1/og1"
        let line = try #require(section.table.first { $0[0] == shape && $0[1] == "1" })
        #expect(line[3] == "3")
        // Independently of Report: each file's row is one process; the series' time is the
        // geometric mean of the three medians, ours the fastest of our per-call designs by it.
        var medians: [String: [Double]] = [:]
        for path in paths {
            let file = try ResultFile(path)
            for row in file.rows
            where row.status == .ok && row.point.threads == 1 && row.point.shapeName == shape
                && row.point.direction == .fwd && row.point.weights == .call && row.point.layout == .nchw
            {
                medians[Report.design(report.rows.first { $0.name == row.point.name }!), default: []].append(
                    row.statistics!.median)
            }
            for peer in file.peers
            where peer.name.hasPrefix("peer:openvino/") && peer.point.threads == 1
                && peer.point.shapeName == shape && peer.point.weights == .call && peer.point.direction == .fwd
            {
                medians["openvino", default: []].append(peer.median!)
            }
        }
        func geometricMean(_ x: [Double]) -> Double { exp(x.map(log).reduce(0, +) / Double(x.count)) }
        let ovTime = geometricMean(try #require(medians["openvino"]))
        medians["openvino"] = nil
        let (design, mine) = try #require(medians.min { geometricMean($0.value) < geometricMean($1.value) })
        #expect(mine.count == 3 && line[2] == design)
        let ratio = ovTime / geometricMean(mine)
        // "1.23× [1.10, 1.37]": the ratio, then an interval around it.
        let cell = line[6]
        #expect(cell.hasPrefix(Report.f(ratio, 2) + "× ["))
        let bounds = cell.split(separator: "[")[1].dropLast().split(separator: ",").map {
            Double($0.trimmingCharacters(in: .whitespaces))!
        }
        #expect(bounds.count == 2 && bounds[0] <= ratio && ratio <= bounds[1] && bounds[0] < bounds[1])
        #expect(line.last == "–")  // one thread: no scaling
        let two = try #require(section.table.first { $0[0] == shape && $0[1] == "2" })
        #expect(two.last?.contains("× [") == true)
        let spread = try #require(report.spreadSection)
        #expect(spread.table.contains { $0[0] == shape && $0[1] == "1" && $0[2] == "peer:openvino t1" && $0[3] == "3" })
        #expect(report.markdown().contains("## Spread between and within processes"))
    }

    @Test("--json: every series with its point's fields, processes, interval or sample spread, and the contexts")
    func json() throws {
        let folder = Self.results.appendingPathComponent("peers-zen4")
        let names = (1...3).flatMap { ["ours-r\($0).csv", "openvino-t1-r\($0).csv"] } + ["onnxruntime-t1-r1.csv"]
        let report = try Report(paths: names.map { folder.appendingPathComponent($0).path }, plots: nil)
        let object = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        let contexts = try #require(object["contexts"] as? [[String: Any]])
        #expect(contexts.count == 3 && contexts[0]["allowed_cpus"] != nil)  // one per run of ours, acronyms whole
        let series = try #require(object["series"] as? [[String: Any]])
        #expect(series.count == report.rows.count)
        for (entry, row) in zip(series, report.rows) {
            let point = try #require(entry["point"] as? [String: Any])
            #expect(point["name"] as? String == row.name && point["shape"] as? String == row.point.shape)
            #expect(entry["processes"] as? Int == row.groups.count)
            let (gflops, low, high) = try #require(
                (entry["gflops"] as? Double).flatMap { g in
                    (entry["gflops_low"] as? Double).flatMap { l in (entry["gflops_high"] as? Double).map { (g, l, $0) }
                    }
                })
            #expect(low <= gflops && gflops <= high)
            #expect((point["flops"] as? Double).map { abs($0 - row.flops) <= 1e-6 * row.flops } == true)
        }
        // A peer's series: its own name and design, no tensor bytes; one process gives the p10–p90
        // bar of its samples, three the interval over processes.
        let ort = try #require(
            series.first { ($0["point"] as? [String: Any])?["variant"] as? String == "peer:onnxruntime" })
        #expect(ort["processes"] as? Int == 1 && ort["error_bar"] as? String == "p10–p90 of one process's samples")
        #expect(ort["tensor_bytes"] == nil || ort["tensor_bytes"] is NSNull)
        let prepared = try #require(
            series.first {
                let p = $0["point"] as? [String: Any]
                return p?["variant"] as? String == "peer:openvino" && p?["weights"] as? String == "prepared"
            })
        #expect((prepared["point"] as? [String: Any])?["design"] as? String == "peer:openvino prepared")
        #expect(
            prepared["processes"] as? Int == 3 && prepared["error_bar"] as? String == "95 % interval over processes")
    }

    @Test("files that are not results are refused with the reason")
    func refusals() throws {
        let dir = try temporaryDirectory()
        let empty = dir.appendingPathComponent("empty.csv").path
        try "schema_version,name\n".write(toFile: empty, atomically: true, encoding: .utf8)
        #expect(throws: BenchError("\(empty): no rows, or not a dcnbench results CSV")) {
            try Report(paths: [empty], plots: nil)
        }
        let cut = dir.appendingPathComponent("cut.csv").path
        try "schema_version,name\n2,x\n".write(toFile: cut, atomically: true, encoding: .utf8)
        #expect(throws: BenchError.self) { try Report(paths: [cut], plots: nil) }
        #expect(throws: BenchError("report needs at least one results CSV")) { try Report(paths: [], plots: nil) }
    }

    @Test(
        "what a file brings cannot change the page: figures shown as images, never inlined; line breaks kept out of tables"
    )
    func hostileContent() throws {
        var (row, samples) = syntheticRow(
            tinyPoints([.tiled])[0], [1e-3, 1e-3, 1e-3], cpuModel: "EPYC\n| evil | row |")
        row.gflops = 1
        let path = try writeResult([(row, samples)])
        let plots = try temporaryDirectory()
        let svg = #"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>"#
        try svg.write(to: plots.appendingPathComponent("a.svg"), atomically: true, encoding: .utf8)
        let report = try Report(paths: [path], plots: plots.path)
        let html = try report.html()
        #expect(!html.contains("<script") && !html.contains("onload"))
        #expect(
            html.contains(
                "<img alt=\"a.svg\" src=\"data:image/svg+xml;base64,\(Data(svg.utf8).base64EncodedString())\">"))
        let markdown = report.markdown()
        let cpuLine = try #require(markdown.split(separator: "\n").first { $0.hasPrefix("| CPU |") })
        #expect(cpuLine == #"| CPU | EPYC \| evil \| row \| |"#)
    }

    @Test("links to figures are relative to the report's folder")
    func relativeLinks() {
        #expect(
            Report.relativePath("/a/results/plots/x/sizes.svg", from: "/a/results/reports") == "../plots/x/sizes.svg")
        #expect(Report.relativePath("/a/b.svg", from: "/a") == "b.svg")
    }
}

@Suite("Summaries by direction")
struct DirectionSummaryTests {
    @Test("a backward is a shape of its own in the sweep summary: its time never competes with the forward's")
    func separate() throws {
        var forward = samplePoint
        forward.threads = 1
        var backward = forward
        backward.direction = .bwd
        // The backward is faster in time than the forward here, so mixing them would pick it.
        let rows = [syntheticRow(forward, [2e-3, 2e-3, 2e-3]).0, syntheticRow(backward, [1e-3, 1e-3, 1e-3]).0]
        let table = Summary.table(rows)
        let lines = table.split(separator: "\n").filter { $0.contains(forward.shapeName) }
        #expect(lines.count == 2, "\(table)")
        #expect(lines.contains { $0.contains("\(forward.shapeName) bwd") })
    }
}
