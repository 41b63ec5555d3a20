import Bench
import BenchTestSupport
import DeformConv
import Foundation
import Testing
import Topology

/// Result files are complete and consistent or refused: each test is one way they used to be
/// corrupted, mixed or written somewhere they should not be.
@Suite("Result files", .serialized)
struct ResultFileTests {
    let sweep = Sweep(name: "t", blocks: [])

    func runner(_ id: String) throws -> PointRunner {
        try PointRunner(timing: quickTiming, maxMemoryBytes: 1 << 30, runID: id)
    }

    @Test("a second run on a file being written is refused, new or resumed, and the first run's file stays whole")
    func oneWriterAtATime() throws {
        let out = try temporaryDirectory().appendingPathComponent("run.csv").path
        let first = try SweepRunner(
            runner: runner("a"), sweep: sweep, points: tinyPoints([.tiled]), output: out, resume: nil)
        let busy = BenchError("\(out) is being written by another dcnbench run; wait for it, or choose another --out")
        #expect(throws: busy) {
            try SweepRunner(runner: runner("b"), sweep: sweep, points: tinyPoints([.tiled]), output: out, resume: nil)
        }
        _ = try first.run(progress: Progress(quiet: true))
        #expect(throws: busy) {
            try SweepRunner(runner: runner("c"), sweep: sweep, points: tinyPoints(), output: nil, resume: out)
        }
        let table = try CSVTable.read(out)
        #expect(table.records.count == 1 && table.records.allSatisfy { $0.count == ResultRow.header.count })
        withExtendedLifetime(first) {}
    }

    @Test(
        "resume measures again the points that were skipped or in error, one row each, and keeps the rest and the lock")
    func resumeRetries() throws {
        let out = try temporaryDirectory().appendingPathComponent("run.csv").path
        let points = tinyPoints()
        // Too little memory for any point: every row skipped.
        let small = try PointRunner(timing: quickTiming, maxMemoryBytes: 1000, runID: "a")
        let first = try SweepRunner(runner: small, sweep: sweep, points: points, output: out, resume: nil).run(
            progress: Progress(quiet: true))
        #expect(first.allSatisfy { $0.status == .skipped })
        // An ok row of another point stays as it was (its samples too).
        let extra = tinyPoints([.naive])
        do {  // the driver, and its lock on the file, end here
            let keep = try SweepRunner(runner: runner("b"), sweep: sweep, points: extra, output: nil, resume: out)
            #expect(keep.retried.isEmpty)
            _ = try keep.run(progress: Progress(quiet: true))
        }
        let okRow = try #require(try CSVTable.read(out).records.first { $0["variant"] == "naive" })
        do {  // the resumed run holds the file until its driver goes, at the end of this block
            let again = try SweepRunner(
                runner: runner("c"), sweep: sweep, points: points + extra, output: nil, resume: out)
            #expect(again.retried == points.map(\.name))
            #expect(again.pending.map(\.name) == points.map(\.name))
            // The rewritten file is still this run's: a second writer is refused meanwhile.
            #expect(throws: BenchError.self) {
                try SweepRunner(runner: runner("d"), sweep: sweep, points: points, output: nil, resume: out)
            }
            let rows = try again.run(progress: Progress(quiet: true))
            #expect(rows.allSatisfy { $0.status == .ok })
            // No reader takes a file its writer still holds.
            #expect(
                throws: BenchError(
                    "\(out) is being written by a dcnbench run (its lock is held); wait for that run to finish, then read it"
                )
            ) {
                try ResultSet(paths: [out])
            }
        }
        let table = try CSVTable.read(out)
        #expect(table.records.count == 3 && Set(table.records.map { $0["name"]! }).count == 3, "one row per point")
        #expect(table.records.first { $0["variant"] == "naive" } == okRow)
        let set = try ResultSet(paths: [out])  // and compare reads it: every ok row has its samples
        #expect(set.rows.count == 3)
    }

    @Test("resume after an editor dropped the final newline: the next row is not glued to the last")
    func missingFinalNewline() throws {
        let out = try temporaryDirectory().appendingPathComponent("run.csv").path
        _ = try SweepRunner(runner: runner("a"), sweep: sweep, points: tinyPoints([.tiled]), output: out, resume: nil)
            .run(progress: Progress(quiet: true))
        var text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        text.removeLast()
        try text.write(toFile: out, atomically: true, encoding: .utf8)
        _ = try SweepRunner(runner: runner("b"), sweep: sweep, points: tinyPoints(), output: nil, resume: out).run(
            progress: Progress(quiet: true))
        let table = try CSVTable.read(out)
        #expect(table.records.map { $0["variant"] } == ["tiled", "blockedGather"])
        _ = try ResultSet(paths: [out])  // and compare reads it
    }

    @Test("resume after a kill cut a samples line: the partial sample is dropped, the rest reads")
    func partialSampleLine() throws {
        let out = try temporaryDirectory().appendingPathComponent("run.csv").path
        _ = try SweepRunner(runner: runner("a"), sweep: sweep, points: tinyPoints([.tiled]), output: out, resume: nil)
            .run(progress: Progress(quiet: true))
        let samples = OutputPaths(results: out).samples
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: samples))
        handle.seekToEndOfFile()
        try handle.write(
            contentsOf: Data("2,a,blockedGather/fwd/v2/N1/C4/K4/6x6/k3x3/s1/p1/d1/g1/og1/t1/close,0,0.0".utf8))
        try handle.close()
        _ = try SweepRunner(runner: runner("b"), sweep: sweep, points: tinyPoints(), output: nil, resume: out).run(
            progress: Progress(quiet: true))
        let set = try ResultSet(paths: [out])
        #expect(set.samples.values.map(\.count).sorted() == [3, 3])
    }

    @Test("output names: NAME.csv only, never a directory or a device; a sweep name cannot leave results/")
    func outputNames() throws {
        let directory = try temporaryDirectory()
        for (out, message) in [
            (directory.appendingPathComponent("r").path, "results files are named NAME.csv"),
            (directory.appendingPathComponent("new/").path + "/", "results files are named NAME.csv"),
            ("/dev/null", "results files are named NAME.csv"),
        ] {
            #expect(throws: BenchError("--out \(out): \(message) (their samples and context go beside them)")) {
                try SweepRunner(
                    runner: runner("a"), sweep: sweep, points: tinyPoints([.tiled]), output: out, resume: nil)
            }
        }
        let folder = directory.appendingPathComponent("x.csv")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        #expect(throws: BenchError("--out \(folder.path): not a regular file")) {
            try SweepRunner(
                runner: runner("a"), sweep: sweep, points: tinyPoints([.tiled]), output: folder.path, resume: nil)
        }
        #expect(
            !FileManager.default.fileExists(atPath: directory.appendingPathComponent("new").path), "nothing created")
        let file = directory.appendingPathComponent("s.json")
        try
            #"{"name": "../../../tmp/x", "blocks": [{"variants": ["tiled"], "channels": [4], "hw": [6], "threads": [1]}]}"#
            .write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: BenchError.self) { try SweepFile.load(file.path, cores: 2) }
    }

    @Test("a new run refuses a samples or context file left by another run, and leaves no empty file")
    func staleSidecars() throws {
        let out = try temporaryDirectory().appendingPathComponent("run.csv").path
        _ = try SweepRunner(runner: runner("a"), sweep: sweep, points: tinyPoints([.tiled]), output: out, resume: nil)
            .run(progress: Progress(quiet: true))
        try FileManager.default.removeItem(atPath: out)
        let samples = OutputPaths(results: out).samples
        #expect(
            throws: BenchError(
                "\(samples) exists from another run (its results file is gone or empty): remove it, or choose another --out"
            )
        ) {
            try SweepRunner(runner: runner("b"), sweep: sweep, points: tinyPoints([.tiled]), output: out, resume: nil)
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("compare takes only the samples of each row's own run, refuses duplicate rows and negative counts")
    func samplesOfTheRowsRun() throws {
        let point = tinyPoints([.tiled])[0]
        let (row, own) = syntheticRow(point, [1e-3, 1.1e-3, 0.9e-3])
        let path = try writeResult([(row, own)])
        // Another run's samples of the same point in the same samples file (a rerun after the
        // results file was deleted): 10× slower, and they must not move the median.
        let samples = try CSVAppender(path: OutputPaths(results: path).samples, header: SampleRow.header)
        for i in 0..<5 {
            try samples.append(
                SampleRow(
                    runID: "other", name: point.name, index: i, secondsPerIteration: 1e-2, iterations: 1,
                    cpuSeconds: 1e-2, migrated: false, referenceSeconds: 1e-3
                ).fields)
        }
        let set = try ResultSet(paths: [path])
        #expect(set.samples[point.name]?.count == 3)
        #expect(set.samples[point.name]?.allSatisfy { $0.runID == "x" } == true)
        // The same row twice in one file.
        let twice = try writeResult([(row, own), (row, own)])
        #expect(
            throws: BenchError(
                "\(twice) record 3: a second row for \(point.name); a results file holds one row per point")
        ) {
            try ResultSet(paths: [twice])
        }
        var record = Dictionary(uniqueKeysWithValues: zip(ResultRow.header, row.fields))
        record["samples"] = "-5"
        #expect(throws: BenchError("f: column 'samples' is negative: -5")) {
            try ResultRow(record: record, source: "f")
        }
    }

    @Test("compare refuses absolute times when a context is missing, unless forced or normalised")
    func missingContext() throws {
        let point = tinyPoints([.tiled])[0]
        let a = try writeResult([syntheticRow(point, [1e-3, 1.1e-3, 0.9e-3, 1e-3, 1e-3])])
        let b = try writeResult([syntheticRow(point, [1e-3, 1.1e-3, 0.9e-3, 1e-3, 1e-3])], context: false)
        let message =
            "a context file is missing: cannot check that both runs come from the same machine and build; use --normalize, or --force to compare anyway"
        #expect(throws: BenchError(message)) {
            try Comparison.compare(
                baseline: ResultSet(paths: [a]), current: ResultSet(paths: [b]), options: CompareOptions())
        }
        let forced = try Comparison.compare(
            baseline: ResultSet(paths: [a]), current: ResultSet(paths: [b]), options: CompareOptions(), force: true)
        #expect(forced.warnings.contains { $0.hasPrefix("a context file is missing") })
    }

    @Test("absurd numbers are refused before anything is allocated or timed")
    func absurdNumbers() throws {
        var o = Sweep.Overrides()
        o.threads = [Int.max]
        #expect(throws: BenchError("--threads \(Int.max): at most \(Sweep.maxThreads)")) {
            try Preset.smoke.sweep(cores: 2, pus: 2).applying(o)
        }
        for (change, message) in [
            (
                { (t: inout TimingOptions) in t.minSampleSeconds = 1e300 },
                "--min-sample-time must be in (0, 3600] seconds"
            ),
            ({ (t: inout TimingOptions) in t.warmupSeconds = 1e300 }, "--warmup must be in [0, 3600] seconds"),
            (
                { (t: inout TimingOptions) in t.maxSecondsPerPoint = .infinity },
                "--max-time-per-point must be in (0, 86400] seconds"
            ),
        ] {
            var timing = quickTiming
            change(&timing)
            #expect(throws: BenchError(message)) {
                try PointRunner(timing: timing, maxMemoryBytes: 1 << 30, runID: "x")
            }
        }
    }

    @Test(
        "inputs that used to be misread: --channels alone keeps each shape's H×W, PU lists in order, booleans are not numbers, no key twice"
    )
    func misreadInputs() throws {
        var o = Sweep.Overrides()
        o.channels = [8]
        let shapes = Set(
            try Preset.default.sweep(cores: 2, pus: 2).applying(o).points.map {
                "\($0.inChannels)@\($0.height)x\($0.width)"
            })
        #expect(shapes.contains("8@50x76") && !shapes.contains("8@50x50"))
        o = Sweep.Overrides()
        o.sizes = [20]
        let channels = Set(
            try Preset.default.sweep(cores: 2, pus: 2).applying(o).points.map {
                "\($0.inChannels)@\($0.height)x\($0.width)"
            })
        #expect(channels == ["64@20x20", "128@20x20", "256@20x20", "512@20x20"])
        for list in ["pus:1,0", "pus:0,0", "pus:2-3,0"] {
            #expect(throws: (any Error).self, "\(list)") { try Placement(parsing: list) }
        }
        #expect(try Placement(parsing: "pus:0,2-3") == .pus([0, 2, 3]))
        let file = try temporaryDirectory().appendingPathComponent("b.json")
        for bad in [#""threads": [true]"#, #""batch": [false]"#, #""threads": [1], "threads": [2]"#] {
            let text = #"{"name": "b", "blocks": [{"variants": ["tiled"], "hw": [6], "channels": [4], "# + bad + "}]}"
            try text.write(to: file, atomically: true, encoding: .utf8)
            #expect(throws: BenchError.self, "\(bad)") { try SweepFile.load(file.path, cores: 2) }
        }
    }

    /// A sweep of the two tiny points into a new file; returns its path.
    func measured(_ id: String = "a") throws -> String {
        let out = try temporaryDirectory().appendingPathComponent("run.csv").path
        _ = try SweepRunner(runner: runner(id), sweep: sweep, points: tinyPoints(), output: out, resume: nil).run(
            progress: Progress(quiet: true))
        return out
    }

    func resumed(_ out: String, _ id: String = "b") throws -> SweepRunner {
        try SweepRunner(runner: runner(id), sweep: sweep, points: tinyPoints(), output: nil, resume: out)
    }

    @Test(
        "resume makes a consistent file of one left by a kill between samples and row, a cut sample, or a lost samples file"
    )
    func resumeRepairs() throws {
        let names = tinyPoints().map(\.name)
        // A kill between a point's samples and its row: its samples are there, its row is not.
        let orphaned = try measured()
        let paths = OutputPaths(results: orphaned)
        let lines = try String(contentsOfFile: orphaned, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: orphaned, atomically: true, encoding: .utf8)
        // A sample line cut inside its last field: it still parses, with a wrong value.
        let cut = try measured()
        let cutSamples = OutputPaths(results: cut).samples
        var text = try String(contentsOfFile: cutSamples, encoding: .utf8)
        text.removeLast(3)
        try text.write(toFile: cutSamples, atomically: true, encoding: .utf8)
        // The samples file deleted, and emptied.
        let deleted = try measured(), emptied = try measured()
        try FileManager.default.removeItem(atPath: OutputPaths(results: deleted).samples)
        try Data().write(to: URL(fileURLWithPath: OutputPaths(results: emptied).samples))
        // As they are, the cut and lost samples are refused; the orphaned ones belong to no row.
        for file in [cut, deleted, emptied] {
            #expect(throws: BenchError.self, "refused as it is: \(file)") { try ResultSet(paths: [file]) }
        }
        for (file, again) in [(orphaned, [names[1]]), (cut, [names[1]]), (deleted, names), (emptied, names)] {
            do {
                let driver = try resumed(file)
                #expect(driver.pending.map(\.name) == again, "\(file)")
                _ = try driver.run(progress: Progress(quiet: true))
            }
            let set = try ResultSet(paths: [file])
            #expect(set.rows.count == 2 && set.samples.values.allSatisfy { $0.count == 3 }, "\(file)")
            _ = try Merge.run(
                output: URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("m.csv").path,
                inputs: [file])
        }
        #expect(
            try CSVTable.read(paths.samples).records.count == 6, "the orphaned samples are gone, the new ones there")
    }

    @Test("resume refuses a merged file and a dry run's file; it measures again the rows an interrupt cut short")
    func resumeRefusals() throws {
        let directory = try temporaryDirectory()
        let shards = try (0..<2).map { k -> String in
            let out = directory.appendingPathComponent("s\(k).csv").path
            _ = try SweepRunner(
                runner: runner("r\(k)"), sweep: sweep, points: [tinyPoints()[k]], output: out, resume: nil
            ).run(progress: Progress(quiet: true))
            return out
        }
        let merged = directory.appendingPathComponent("merged.csv").path
        _ = try Merge.run(output: merged, inputs: shards)
        #expect(
            throws: BenchError(
                "\(merged) holds 2 runs (a merged file); --resume continues one run: resume the file it was merged from, then merge again"
            )
        ) {
            try resumed(merged)
        }
        // A dry run and a timed run are different configurations.
        var dry = quickTiming
        dry.mode = .dryRun
        let untimed = directory.appendingPathComponent("dry.csv").path
        _ = try SweepRunner(
            runner: try PointRunner(timing: dry, maxMemoryBytes: 1 << 30, runID: "d"), sweep: sweep,
            points: tinyPoints(),
            output: untimed, resume: nil
        ).run(progress: Progress(quiet: true))
        #expect(throws: BenchError.self) { try resumed(untimed) }
        // A samples file that is a link (to another run's file) is neither repaired nor written through.
        let linked = try measured()
        let linkedSamples = OutputPaths(results: linked).samples
        let victim = directory.appendingPathComponent("victim.csv").path
        try FileManager.default.moveItem(atPath: linkedSamples, toPath: victim)
        try FileManager.default.createSymbolicLink(atPath: linkedSamples, withDestinationPath: victim)
        let before = try Data(contentsOf: URL(fileURLWithPath: victim))
        #expect(
            throws: BenchError(
                "--resume \(linkedSamples) is a symbolic link; give the path of a regular file (links are not followed)"
            )
        ) {
            try resumed(linked)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: victim)) == before)
        // A row of an interleaved run stopped by a signal keeps its samples, and is measured again on resume.
        let stopped = try measured()
        let table = try CSVTable.read(stopped)
        var records = table.records
        records[0]["error"] = "interrupted after 1 round: 1 of 3 samples"
        try CSVTable.document(table.header, records.map { r in table.header.map { r[$0]! } }).write(
            to: URL(fileURLWithPath: stopped))
        #expect(try resumed(stopped).pending.map(\.name) == [tinyPoints()[0].name])
    }

    @Test("inputs that contradict themselves are refused: a context of no row, an edited host, an edited median")
    func contradictions() throws {
        let out = try measured("run-7f3a")
        let paths = OutputPaths(results: out)
        let original = try Data(contentsOf: URL(fileURLWithPath: out))
        let context = try Data(contentsOf: URL(fileURLWithPath: paths.context))
        let runID = try #require(try CSVTable.read(out).records.first?["run_id"])
        func refused(_ what: String, _ message: String) {
            for read in [{ _ = try ResultSet(paths: [out]) }, { _ = try Report(paths: [out], plots: nil) }] {
                do { try read(); Issue.record("\(what): accepted") } catch {
                    #expect("\(error)".contains(message), "\(what): \(error)")
                }
            }
        }
        try String(decoding: context, as: UTF8.self).replacingOccurrences(of: runID, with: "someone-else").write(
            toFile: paths.context, atomically: true, encoding: .utf8)
        refused("context of another run", "the context of run someone-else belongs to no row")
        try context.write(to: URL(fileURLWithPath: paths.context))
        let table = try CSVTable.read(out)
        for (column, value, message) in [
            ("host", "elsewhere", "says host 'elsewhere'"), ("median_s", "-1e-05", "says median_s -1e-05"),
            ("median_s", "0", "says median_s 0.0"),
        ] {
            var records = table.records
            records[0][column] = value
            try CSVTable.document(table.header, records.map { r in table.header.map { r[$0]! } }).write(
                to: URL(fileURLWithPath: out))
            refused("\(column) \(value)", message)
        }
        try original.write(to: URL(fileURLWithPath: out))
        #expect(try ResultSet(paths: [out]).rows.count == 2)
    }
}
