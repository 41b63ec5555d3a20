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
                "shape", "T", "ours (fastest)", "GFLOP/s", "openvino GFLOP/s", "ours / openvino",
                "openvino prepared GFLOP/s", "ours / openvino prepared",
            ])
        let line = try #require(
            section.table.first { $0[0] == "v2/N1/C256/K256/14x14/k3x3/s1/p1/d1/g1/og1" && $0[1] == "1" })
        let rows = report.rows.filter { $0.shape == line[0] && $0.threads == 1 }
        let ours = try #require(
            rows.filter { !$0.variant.hasPrefix("peer:") && $0.weights == "call" }.min { $0.median < $1.median })
        let ov = try #require(rows.first { $0.variant == "peer:openvino" && $0.weights == "call" })
        #expect(line[5] == Report.f(ov.median / ours.median, 2) + "×")
        let prepared = try #require(
            rows.filter { !$0.variant.hasPrefix("peer:") && $0.weights == "prepared" }.min { $0.median < $1.median })
        let ovConst = try #require(rows.first { $0.variant == "peer:openvino" && $0.weights == "prepared" })
        #expect(line[7] == Report.f(ovConst.median / prepared.median, 2) + "×")
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
