import Bench
import BenchTestSupport
import Foundation
import Testing

/// Runs the built `dcnbench` with `arguments` in `directory`; returns status, stdout, stderr.
func dcnbench(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, out: String, err: String) {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("dcnbench")
    let outcome = try Subprocess.run(executable.path, arguments, directory: directory)
    return (outcome.status, outcome.output, outcome.errors)
}

@Suite("dcnbench command line")
struct CLITests {
    @Test(
        "Ctrl-C, SIGTERM (Slurm, scancel) or SIGHUP during --interleave keeps every point's samples so far, marked",
        arguments: [SIGINT, SIGTERM, SIGHUP])
    func interleaveInterrupted(signalNumber: Int32) throws {
        let directory = try temporaryDirectory()
        let out = directory.appendingPathComponent("i.csv").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent()
            .appendingPathComponent("dcnbench")
        process.arguments = [
            "sweep", "--variants", "tiled", "--versions", "v2", "--channels", "4", "--hw", "6", "--threads", "1",
            "--layouts", "nchw", "--weights", "call", "--interleave", "--samples", "1000000",
            "--min-sample-time", "0.001", "--warmup", "0", "--no-probes", "--quiet", "--out", out,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the rounds run (the context is written before them), then interrupt.
        let context = OutputPaths(results: out).context
        for _ in 0..<300 where !FileManager.default.fileExists(atPath: context) { usleep(20_000) }
        usleep(300_000)
        kill(process.processIdentifier, signalNumber)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        let rows = try CSVTable.read(out).records
        #expect(rows.count == 1)
        #expect(rows.first?["status"] == "ok")
        #expect(rows.first?["error"]?.hasPrefix("interrupted after") == true, "\(rows)")
        let samples = Int(rows.first?["samples"] ?? "") ?? 0
        #expect(samples >= 1 && samples < 1_000_000)
        _ = try ResultSet(paths: [out])  // rows and samples agree
    }

    @Test("a sweep that skipped every point, and probe with no thread counts, fail with the reason")
    func nothingMeasured() throws {
        let out = try temporaryDirectory().appendingPathComponent("m.csv").path
        let skipped = try dcnbench([
            "sweep", "--preset", "smoke", "--max-memory", "1", "--no-probes", "--quiet", "--out", out,
        ])
        #expect(skipped.status == 1 && skipped.err.contains("every point was skipped"), "\(skipped.err)")
        let probe = try dcnbench(["probe", "--threads", ""])
        #expect(
            probe.status == 1 && probe.err.contains("'--threads <threads>': needs at least one value"), "\(probe.err)")
        let zero = try dcnbench(["probe", "--threads", "1,0"])
        #expect(zero.status == 1 && zero.err.contains("'0' is not a thread count from 1 to 4096"), "\(zero.err)")
    }

    @Test("compare and report write no input, link, device or FIFO: refused, the target untouched")
    func reportsNeverOverwriteInputs() throws {
        let point = tinyPoints([.tiled])[0]
        let a = try writeResult([syntheticRow(point, [1e-3, 1.1e-3, 0.9e-3, 1e-3, 1e-3])])
        let before = try Data(contentsOf: URL(fileURLWithPath: a))
        let folder = URL(fileURLWithPath: a).deletingLastPathComponent()
        let symbolic = folder.appendingPathComponent("j.json").path, hard = folder.appendingPathComponent("h.json").path
        let fifo = folder.appendingPathComponent("fifo.md").path
        try FileManager.default.createSymbolicLink(atPath: symbolic, withDestinationPath: a)
        try FileManager.default.linkItem(atPath: a, toPath: hard)
        #expect(mkfifo(fifo, 0o644) == 0)
        for (arguments, message) in [
            (["compare", a, a, "--json", a], "--json \(a) is the input \(a) (same file); choose another file"),
            (
                ["compare", a, a, "--markdown", OutputPaths(results: a).samples],
                "--markdown \(OutputPaths(results: a).samples) is the input"
            ),
            (
                ["report", a, "--out", OutputPaths(results: a).context],
                "is the input \(OutputPaths(results: a).context) (same file)"
            ),
            (
                ["compare", a, a, "--json", symbolic],
                "--json \(symbolic) is a symbolic link; give the path of a regular file"
            ),
            (["compare", a, a, "--json", hard], "--json \(hard) is the input \(a) (same file)"),
            (["report", a, "--out", "/dev/null"], "--out /dev/null is a device; give the path of a regular file"),
            (["report", a, "--out", fifo], "--out \(fifo) is a FIFO"),
            (["report", a, "--out", folder.path], "is a directory"),
            (
                ["report", a, "--out", folder.appendingPathComponent("missing/r.md").path],
                "the folder \(folder.path)/missing does not exist; create it first"
            ),
        ] {
            let result = try dcnbench(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.err.contains(message), "\(arguments): \(result.err)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == before)
    }

    @Test("bad input: a clear message, exit 1, and no CSV left behind")
    func errorExits() throws {
        let directory = try temporaryDirectory()
        let badSweep = directory.appendingPathComponent("bad.json")
        try "{\n  \"name\": \"x\",\n  \"blocks\": [\n    {\"variants\": [\"naive\"],, }\n  ]\n}".write(
            to: badSweep, atomically: true, encoding: .utf8)
        // Files a user edits by hand, each wrong in one way that used to be misreported.
        func file(_ name: String, _ text: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let block =
            #"{"name": "x", "blocks": [{"variants": ["tiled"], "channels": [8], "hw": [12], "threads": [THREADS]}]}"#
        let booleanThreads = try file("b.json", block.replacingOccurrences(of: "THREADS", with: "true"))
        let stringThreads = try file("q.json", block.replacingOccurrences(of: "THREADS", with: #""8""#))
        let deep = try file(
            "deep.json", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        let results = try writeResult([syntheticRow(tinyPoints([.tiled])[0], [1e-3, 1e-3, 1e-3])])
        let emptyContext = try writeResult([syntheticRow(tinyPoints([.tiled])[0], [1e-3, 1e-3, 1e-3])])
        try "{}".write(toFile: OutputPaths(results: emptyContext).context, atomically: true, encoding: .utf8)
        let trueThreshold = try file("t1.json", #"{"default": true}"#)
        let twiceThreshold = try file("t2.json", #"{"default": 0.1, "default": 0.2}"#)
        let brokenThreshold = try file("t3.json", #"{"default": 0.1,"#)
        let fifo = directory.appendingPathComponent("f.csv").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let cases: [([String], String)] = [
            (
                ["sweep", "--variants", "fast"],
                "'--variants <variants>': unknown kernel variant 'fast'; valid variants: naive, tiled, dispatch, blockedGather"
            ),
            (["sweep", "--threads", "1,,2"], "'--threads <threads>': '' is not an integer"),
            (["report", results, "--html", "--json"], "give --html or --json, not both"),
            (
                ["sweep", "--preset", "smoke", "--dry-run", "--interleave"],
                "give one of --dry-run, --interleave, not several: each is a mode of its own"
            ),
            (["sweep", "--directions", "up"], "'--directions <directions>': 'up' is not one of fwd, bwd, fwd+bwd"),
            (
                ["sweep", "--preset", "huge"],
                "unknown preset 'huge'; valid presets: smoke, default, sizes, channels, threads"
            ),
            (["sweep", "--sweep-file", badSweep.path], "sweep file \(badSweep.path): invalid JSON at line 4"),
            (["sweep", "--preset", "smoke", "--threads", "0"], "--threads 0: must be at least 1"),
            (
                ["sweep", "--preset", "smoke", "--filter", "nomatch"],
                "--filter 'nomatch' matches none of the 36 points of sweep 'smoke'"
            ),
            (["sweep", "--preset", "smoke", "--threads", "64"], "64 threads under placement 'close' but only"),
            (
                ["sweep", "--preset", "smoke", "--hw", "1", "--padding", "0"],
                "point naive/fwd/v1/N1/C8/K8/1x1/k3x3/s1/p0/d1/g1/og1/t1/close: invalid geometry"
            ),
            (
                ["sweep", "--preset", "smoke", "--out", "/proc/dcnbench/x.csv"],
                "cannot create the directory /proc/dcnbench"
            ),
            (
                ["sweep", "--preset", "smoke", "--max-memory", "lots"],
                "'--max-memory <max-memory>': 'lots': expected bytes like 8G"
            ),
            (["verify", directory.appendingPathComponent("missing").path], "cannot read"),
            (["sweep", "--sweep-file", booleanThreads], "blocks[0].threads[0]: expected an integer ≥ 1, got true"),
            (["sweep", "--sweep-file", stringThreads], #"blocks[0].threads[0]: expected an integer ≥ 1, got "8""#),
            (["sweep", "--sweep-file", deep], "nested more than 32 levels deep"),
            (
                ["compare", directory.path, results],
                "cannot read results file \(directory.path): it is a directory; give the path of a file"
            ),
            (["report", fifo], "cannot read results file \(fifo): it is a FIFO"),
            (["report", emptyContext], "not a dcnbench context: .runID is missing"),
            (
                ["compare", results, results, "--thresholds", trueThreshold],
                "default must be a fraction such as 0.05, got true"
            ),
            (["compare", results, results, "--thresholds", twiceThreshold], "default: given twice in one object"),
            (
                ["compare", results, results, "--thresholds", brokenThreshold],
                "thresholds file \(brokenThreshold): invalid JSON"
            ),
            (["sweep", "--variants", "tiled", "--directions", "bwd"], "select no point (e.g. a variant without"),
            (["sweep", "--variants", "naive", "--threads", "2"], "select no point"),
            (["sweep", "--preset", "smoke", "--threads", "-1"], "--threads -1: must be at least 1"),
            (["sweep", "--preset", "smoke", "--shard", "-1/2"], "--shard"),
            (
                ["sweep", "--preset", "smoke", "--padding", "16777216"],
                "padding.h/stride.h/dilation.h (16777216/1/1) give"
            ),
            (
                [
                    "run-point", "tiled/fwd/v2/N1/C4/K4/6x6/k3x3/s1/p1/d1/g1/og1/t1/close", "--calls",
                    "9223372036854775807",
                ], "--calls must be from 0 to 10000"
            ),
        ]
        for (arguments, message) in cases {
            let out = directory.appendingPathComponent("out.csv")
            let args = arguments.contains("--out") ? arguments : arguments + ["--out", out.path]
            let result = try dcnbench(arguments.first == "sweep" ? args : arguments, in: directory)
            #expect(result.status == 1, "\(arguments): exit \(result.status)")
            #expect(result.err.contains(message), "\(arguments): \(result.err)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(arguments) left \(out.path)")
        }
    }

    @Test("list --json: each point's fields under the column names, with shape, design, FLOPs and output size")
    func listJSON() throws {
        let result = try dcnbench(["list", "--preset", "smoke", "--filter", "blockedGather/bwd", "--json"])
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        #expect(
            object["columns"] as? [String] == ResultRow.header
                && object["schema_version"] as? Int == ResultRow.schemaVersion)
        let points = try #require(object["points"] as? [[String: Any]])
        #expect(!points.isEmpty)
        for entry in points {
            let name = try #require(entry["name"] as? String)
            let point = try BenchPoint(name: name)
            let geometry = try point.geometry()
            #expect(entry["in_channels"] as? Int == point.inChannels && entry["direction"] as? String == "bwd")
            #expect(
                entry["flops"] as? Double == point.flops(geometry) && entry["design"] as? String == "blockedGather bwd")
            #expect(
                entry["output_elements"] as? Int == geometry.outputShape.reduce(1, *)
                    && entry["shape"] as? String == point.shapeName)
            // What a peer's row appends to `peer:NAME/`: the name less "blockedGather/".
            #expect(entry["name_without_variant"] as? String == String(name.dropFirst("blockedGather/".count)))
        }
    }

    @Test("help on every subcommand has an example")
    func help() throws {
        for command in ["sweep", "list", "verify", "topology"] {
            let result = try dcnbench([command, "--help"])
            #expect(result.status == 0)
            #expect(result.out.contains("Examples:") && result.out.contains("dcnbench \(command)"), "\(command)")
        }
    }

    @Test("a smoke dry run through the executable writes a parseable CSV")
    func dryRun() throws {
        let directory = try temporaryDirectory()
        let result = try dcnbench(
            ["sweep", "--preset", "smoke", "--dry-run", "--quiet", "--out", "r.csv"], in: directory)
        #expect(result.status == 0, "\(result.err)")
        let text = try String(contentsOf: directory.appendingPathComponent("r.csv"), encoding: .utf8)
        #expect(text.split(separator: "\n").count == 37)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("r-context.json").path))
    }
}
