import Bench
import Foundation
import Testing

/// Runs the built `dcnbench` with `arguments` in `directory`; returns status, stdout, stderr.
func dcnbench(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, out: String, err: String) {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("dcnbench")
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

@Suite("dcnbench command line")
struct CLITests {
    @Test("compare and report refuse to write over an input or its sidecars")
    func reportsNeverOverwriteInputs() throws {
        let point = tinyPoints([.tiled])[0]
        let a = try writeResult([syntheticRow(point, [1e-3, 1.1e-3, 0.9e-3, 1e-3, 1e-3])])
        let before = try Data(contentsOf: URL(fileURLWithPath: a))
        for (arguments, message) in [
            (["compare", a, a, "--json", a], "--json \(a) is one of the inputs or their sidecars; choose another file"),
            (["compare", a, a, "--markdown", OutputPaths(results: a).samples], "--markdown \(OutputPaths(results: a).samples) is one of the inputs"),
            (["report", a, "--out", OutputPaths(results: a).context], "is one of the inputs or their sidecars"),
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
        try "{\n  \"name\": \"x\",\n  \"blocks\": [\n    {\"variants\": [\"naive\"],, }\n  ]\n}".write(to: badSweep, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["sweep", "--variants", "fast"], "--variants: unknown kernel variant 'fast'; valid variants: naive, tiled, dispatch, blockedGather"),
            (["sweep", "--preset", "huge"], "unknown preset 'huge'; valid presets: smoke, default, sizes, channels, threads"),
            (["sweep", "--sweep-file", badSweep.path], "sweep file \(badSweep.path): invalid JSON at line 4"),
            (["sweep", "--preset", "smoke", "--threads", "0"], "--threads 0: must be at least 1"),
            (["sweep", "--preset", "smoke", "--filter", "nomatch"], "--filter 'nomatch' matches none of the 24 points of sweep 'smoke'"),
            (["sweep", "--preset", "smoke", "--threads", "64"], "64 threads under placement 'close' but only"),
            (["sweep", "--preset", "smoke", "--hw", "1", "--padding", "0"], "point naive/fwd/v1/N1/C8/K8/1x1/k3x3/s1/p0/d1/g1/og1/t1/close: invalid geometry"),
            (["sweep", "--preset", "smoke", "--out", "/proc/dcnbench/x.csv"], "cannot create the directory /proc/dcnbench"),
            (["sweep", "--preset", "smoke", "--max-memory", "lots"], "--max-memory 'lots': expected bytes like 8G"),
            (["verify", directory.appendingPathComponent("missing").path], "cannot read"),
        ]
        for (arguments, message) in cases {
            let out = directory.appendingPathComponent("out.csv")
            let args = arguments.contains("--out") ? arguments : arguments + ["--out", out.path]
            let result = try dcnbench(arguments.first == "verify" ? arguments : args, in: directory)
            #expect(result.status == 1, "\(arguments): exit \(result.status)")
            #expect(result.err.contains(message), "\(arguments): \(result.err)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(arguments) left \(out.path)")
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
        let result = try dcnbench(["sweep", "--preset", "smoke", "--dry-run", "--quiet", "--out", "r.csv"], in: directory)
        #expect(result.status == 0, "\(result.err)")
        let text = try String(contentsOf: directory.appendingPathComponent("r.csv"), encoding: .utf8)
        #expect(text.split(separator: "\n").count == 25)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("r-context.json").path))
    }
}
