import Bench
import BenchTestSupport
import DeformConv
import Foundation
import Testing

@Suite("Merge", .serialized)
struct MergeTests {
    /// Measures the shards of a small sweep into `directory`: their results files.
    func shards(_ n: Int, in directory: URL) throws -> (points: [BenchPoint], files: [String]) {
        let points = SweepAxes(
            variants: [.tiled, .blockedGather], versions: [.v1, .v2], shapes: [Shape(channels: 4, size: 6)],
            threads: [1]
        ).points
        let files = try (1...n).map { k -> String in
            let out = directory.appendingPathComponent("shard\(k).csv").path
            let runner = try PointRunner(timing: quickTiming, maxMemoryBytes: 1 << 30, runID: "run\(k)")
            _ = try SweepRunner(
                runner: runner, sweep: Sweep(name: "m", blocks: []),
                points: try Shard(index: k, count: n).select(points),
                output: out, resume: nil
            ).run(progress: Progress(quiet: true))
            return out
        }
        return (points, files)
    }

    @Test("shards merge into the unsharded sweep: every row once with its run, its samples and every run's context")
    func roundTrip() throws {
        let directory = try temporaryDirectory()
        let (points, files) = try shards(2, in: directory)
        let out = directory.appendingPathComponent("all.csv").path
        let summary = try Merge.run(output: out, inputs: files)
        #expect(summary.rows == points.count && summary.runs == 2 && summary.samples == 3 * points.count)
        let merged = try ResultSet(paths: [out])
        #expect(Set(merged.order) == Set(points.map(\.name)) && merged.order.count == points.count)
        #expect(merged.contexts.map(\.runID).sorted() == ["run1", "run2"])
        for name in merged.order {
            let row = try #require(merged.rows[name])
            #expect(
                row.status == .ok && merged.samples[name]?.count == 3
                    && merged.samples[name]!.allSatisfy { $0.runID == row.runID })
        }
        // Rows are copied as written: each input's rows appear verbatim.
        let table = try CSVTable.read(out)
        for file in files {
            for record in try CSVTable.read(file).records { #expect(table.records.contains(record)) }
        }
        // And a merged file compares with itself.
        let comparison = try Comparison.compare(baseline: merged, current: merged, options: CompareOptions())
        #expect(comparison.points.count == points.count)
    }

    @Test("merge refuses mixed schemas, a point twice, missing sidecars and outputs it must not write")
    func refusals() throws {
        let directory = try temporaryDirectory()
        let (_, files) = try shards(2, in: directory)
        func message(_ out: String, _ inputs: [String]) -> String {
            do {
                _ = try Merge.run(output: directory.appendingPathComponent(out).path, inputs: inputs); return "no error"
            } catch { return "\(error)" }
        }
        // The same point twice: from one file named twice, from overlapping files, with other options.
        #expect(
            message("a.csv", [files[0], files[0]]) == "merge: \(files[0]) is \(files[0]) again; give each input once")
        let link = directory.appendingPathComponent("hard.csv").path
        try FileManager.default.linkItem(atPath: files[0], toPath: link)
        #expect(message("a.csv", [files[0], link]) == "merge: \(link) is \(files[0]) again; give each input once")
        try FileManager.default.removeItem(atPath: link)
        let copy = directory.appendingPathComponent("copy.csv").path
        for suffix in [".csv", "-samples.csv", "-context.json"] {
            try FileManager.default.copyItem(
                atPath: files[0].replacingOccurrences(of: ".csv", with: suffix),
                toPath: copy.replacingOccurrences(of: ".csv", with: suffix))
        }
        #expect(
            message("b.csv", [files[0], copy]).contains(
                "is in both \(files[0]) and \(copy), measured with the same configuration"))
        let text = try String(contentsOfFile: copy, encoding: .utf8)
        let config = try #require(try CSVTable.read(copy).records.first?["config_id"])
        try text.replacingOccurrences(of: config, with: "0ther").write(toFile: copy, atomically: true, encoding: .utf8)
        #expect(message("c.csv", [files[0], copy]).contains("with different configurations (\(config), 0ther)"))
        // Another schema version.
        try text.replacingOccurrences(of: "\n4,", with: "\n2,").write(toFile: copy, atomically: true, encoding: .utf8)
        #expect(
            message("d.csv", [files[0], copy])
                == "merge: \(files[0]) has schema_version 4, \(copy) 2: merge files of one schema (measure again with one dcnbench)"
        )
        // Sidecars missing.
        try text.write(toFile: copy, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: copy.replacingOccurrences(of: ".csv", with: "-context.json"))
        #expect(message("e.csv", [files[1], copy]).contains("its context file"))
        try FileManager.default.removeItem(atPath: copy.replacingOccurrences(of: ".csv", with: "-samples.csv"))
        #expect(message("e.csv", [files[1], copy]).contains("its samples file"))
        // Outputs: an input (or its sidecar), an existing file, not NAME.csv.
        #expect(message("shard2.csv", [files[1]]).contains("is the input \(files[1]) (same file)"))
        #expect(message("shard2-samples.csv", [files[1]]).contains("(same file)"))
        _ = try Merge.run(output: directory.appendingPathComponent("ok.csv").path, inputs: files)
        #expect(
            message("ok.csv", files)
                == "merge: \(directory.appendingPathComponent("ok.csv").path) exists; merge into a new file")
        #expect(message("plain", files).contains("results files are named NAME.csv"))
        // Nothing half-written was left by the refusals.
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasPrefix("e") || $0.hasPrefix("d.")
        }
        #expect(left.isEmpty, "\(left)")
    }
}
