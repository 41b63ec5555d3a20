import Bench
import BenchTestSupport
import DeformConv
import Foundation
import Testing
import Topology

let samplePoint = BenchPoint(
    variant: .blockedGather, version: .v2, batch: 1, inChannels: 64, outChannels: 32, height: 56, width: 55,
    kernel: Extent2(3, 2), stride: 2, padding: 1, dilation: 1, groups: 2, offsetGroups: 4, threads: 2,
    placement: .pus([0, 1]))

@Suite("CSV records")
struct RecordTests {
    @Test("timing options: the run mode round-trips, and contexts written with one flag per mode still read")
    func runMode() throws {
        for mode in [RunMode.timed, .interleaved, .dryRun, .instructionCount] {
            var timing = TimingOptions()
            timing.mode = mode
            let back = try JSONDecoder().decode(TimingOptions.self, from: JSONEncoder().encode(timing))
            #expect(back == timing)
        }
        let fields = #""minSampleSeconds": 0.02, "samples": 10, "warmupSeconds": 0.1, "maxSecondsPerPoint": 30, "probes": true, "referenceSteps": 100"#
        // The old flags, with the precedence the runner gave them: instructions, dry run, interleave.
        let cases: [(String, RunMode)] = [
            (#""interleave": false, "dryRun": false, "instructions": false"#, .timed),
            (#""interleave": true, "dryRun": false, "instructions": false"#, .interleaved),
            (#""interleave": true, "dryRun": true, "instructions": false"#, .dryRun),
            (#""interleave": false, "dryRun": true, "instructions": true"#, .instructionCount),
        ]
        for (flags, mode) in cases {
            let old = try JSONDecoder().decode(TimingOptions.self, from: Data("{\(fields), \(flags)}".utf8))
            #expect(old.mode == mode, "\(flags)")
        }
    }

    @Test("a row written and read back is identical, quoting included")
    func roundTrip() throws {
        var row = ResultRow(
            runID: "r1", point: samplePoint, status: .ok, tensorBytes: 123_456_789, host: "box",
            cpuModel: "AMD EPYC 9654, 96-Core \"Genoa\"", configID: "abc", timestamp: "2026-11-25T00:00:00Z")
        row.error = "line one\nline two, with a comma"
        row.iterationsPerSample = 17
        row.statistics = Statistics([0.1, 0.2 / 3, 1e-300, 5e-7, .pi])
        row.processes = 2
        row.medianLow = 0.01
        row.medianHigh = 0.5
        row.betweenProcessCV = 1 / 7
        row.withinProcessCV = 0.25
        row.gflops = 1 / 3
        row.gbps = 123.456
        row.speedupVsNaive = 2.0.squareRoot()
        row.speedupVsOneThread = nil
        row.workspaceBytes = 4096
        row.pusUsed = "0-1"
        row.cpuUtilization = 0.987654321
        row.migratedSamples = 1
        row.preemptedSamples = 2
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("r.csv").path
        do {
            let appender = try CSVAppender(path: path, header: ResultRow.header)
            try appender.append(row.fields)
            var second = row
            second.status = .wrong
            second.statistics = nil
            second.processes = 0
            second.gflops = nil
            try appender.append(second.fields)
        }
        let table = try CSVTable.read(path)
        #expect(table.header == ResultRow.header)
        #expect(table.records.count == 2)
        let back = try ResultRow(record: table.records[0], source: path)
        #expect(back == row)
        #expect(back.cpuModel == "AMD EPYC 9654, 96-Core \"Genoa\"")
        #expect(back.statistics?.p10 == row.statistics?.p10, "bit-exact doubles")
        let second = try ResultRow(record: table.records[1], source: path)
        #expect(second.status == .wrong && second.statistics == nil)
        // The file is plain RFC 4180: the comma-and-quote field is quoted, quotes doubled.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"AMD EPYC 9654, 96-Core \"\"Genoa\"\"\""))
        #expect(!text.hasPrefix("#"), "no preamble")
    }

    @Test("reading back refuses a bad schema or a missing column")
    func refusals() throws {
        let row = ResultRow(
            runID: "r", point: samplePoint, status: .skipped, tensorBytes: 1, host: "h", cpuModel: "m",
            configID: "c", timestamp: "t")
        var record = Dictionary(uniqueKeysWithValues: zip(ResultRow.header, row.fields))
        record["schema_version"] = "5"
        #expect(throws: BenchError("f: schema_version 5, this dcnbench reads 1 to 4")) {
            try ResultRow(record: record, source: "f")
        }
        // Version 1 had no weights column: its rows are weights given per call; before 3, no
        // direction: the forward pass.
        var v1 = record
        v1["schema_version"] = "1"
        v1["weights"] = nil
        v1["direction"] = nil
        #expect(try ResultRow(record: v1, source: "f").point.weights == .call)
        var v2 = record
        v2["schema_version"] = "2"
        v2["direction"] = nil
        #expect(try ResultRow(record: v2, source: "f").point.direction == .fwd)
        record["schema_version"] = "3"
        record["direction"] = "sideways"
        #expect(throws: BenchError("f: direction 'sideways' is not fwd, bwd or fwd+bwd")) {
            try ResultRow(record: record, source: "f")
        }
        record["direction"] = "bwd"
        #expect(throws: BenchError("f: row '\(samplePoint.name)' does not match its own columns")) {
            try ResultRow(record: record, source: "f")
        }
        record["direction"] = "fwd"
        record["weights"] = "once"
        #expect(throws: BenchError("f: weights 'once' is not call or prepared")) {
            try ResultRow(record: record, source: "f")
        }
        record["weights"] = "call"
        // Schema 4's process count must fit the samples (none without samples).
        record["schema_version"] = "4"
        record["processes"] = "2"
        #expect(throws: BenchError("f: row '\(samplePoint.name)' has 2 processes for 0 samples")) {
            try ResultRow(record: record, source: "f")
        }
        record["processes"] = "0"
        record["samples"] = "3"
        #expect(throws: BenchError("f: row '\(samplePoint.name)' has 3 samples but incomplete statistics")) {
            try ResultRow(record: record, source: "f")
        }
        record["median_s"] = nil
        #expect(throws: BenchError("f: missing column 'median_s'")) { try ResultRow(record: record, source: "f") }
        #expect(throws: BenchError.self) { try CSVTable.parse("a,b\n1,2,3\n", source: "x") }
    }

    @Test("appending to a file with other columns is refused")
    func headerMismatch() throws {
        let path = try temporaryDirectory().appendingPathComponent("x.csv").path
        try "a,b\n1,2\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: BenchError.self) { try CSVAppender(path: path, header: ResultRow.header) }
    }
}

@Suite("Documentation")
struct DocumentationTests {
    @Test("the manual's schema table is the schema's own table: every column, in order, with its meaning")
    func schemaTable() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/results-files.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        // The table headed "| column | meaning |", up to the first line outside it.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: "| column | meaning |"))
        let documented = lines[start...].prefix { $0.hasPrefix("| ") }.joined(separator: "\n")
        #expect(
            documented == ResultRow.markdownTable,
            "paste ResultRow.markdownTable into docs/results-files.md:\n\(ResultRow.markdownTable)")
    }
}
