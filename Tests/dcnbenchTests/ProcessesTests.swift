import Bench
import BenchTestSupport
import Foundation
import Testing

/// `sweep --processes` and `ab`: the executable's own children, as a user runs them.
@Suite("processes as the unit of repetition", .serialized)
struct ProcessesTests {
    static let tiny = [
        "--variants", "tiled,blockedGather", "--versions", "v2", "--channels", "4", "--hw", "6", "--threads", "1",
        "--layouts", "nchw", "--weights", "call", "--directions", "fwd", "--samples", "3",
        "--min-sample-time", "0.001", "--warmup", "0",
    ]

    @Test(
        "sweep --processes 3: one file, each point's samples from 3 processes with their layouts, the children listed, their folder gone"
    )
    func sweepProcesses() throws {
        let directory = try temporaryDirectory()
        let out = directory.appendingPathComponent("p.csv").path
        let run = try dcnbench(
            ["sweep"] + Self.tiny + ["--processes", "3", "--seed", "7", "--no-probes", "--out", out])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.err.contains("process 3 of 3"))
        let set = try ResultSet(paths: [out])  // rows and samples agree
        #expect(set.rows.count == 2)
        for (name, row) in set.rows {
            #expect(row.processes == 3 && row.statistics?.count == 9, "\(name)")
            #expect(row.medianLow != nil && row.betweenProcessCV != nil)
            let samples = set.samples[name] ?? []
            #expect(Set(samples.map(\.process)) == [0, 1, 2])
            #expect(Set(samples.map(\.runID)) == [row.runID], "one run id: the parent's")
            // Each process drew its own page offsets; a process keeps one layout per point.
            let layouts = Dictionary(grouping: samples, by: \.process).mapValues { Set($0.map(\.layout)) }
            #expect(layouts.values.allSatisfy { $0.count == 1 })
            #expect(Set(layouts.values.map { $0.first! }).count == 3, "\(layouts)")
            // The row's median is the median of the process medians.
            let medians = ProcessGroups(
                Dictionary(grouping: samples, by: \.process).sorted { $0.key < $1.key }
                    .map { $0.value.map(\.secondsPerIteration) }
            ).medianOfMedians
            #expect(row.statistics?.median == medians)
        }
        let context = try RunContext.load(OutputPaths(results: out).context)[0]
        #expect(context.processes?.map(\.index) == [0, 1, 2])
        #expect(context.processes?.allSatisfy { !$0.runID.isEmpty && !$0.allowedCPUs.isEmpty } == true)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("p-processes").path))
        // The same seed draws the same layouts again.
        let again = directory.appendingPathComponent("q.csv").path
        #expect(
            try dcnbench(["sweep"] + Self.tiny + ["--processes", "3", "--seed", "7", "--no-probes", "--out", again])
                .status == 0)
        let layouts = { (path: String) in
            try Set(ResultSet(paths: [path]).samples.values.flatMap { $0.map { "\($0.process) \($0.layout)" } })
        }
        #expect(try layouts(out) == layouts(again))
        // A one-process sweep says plainly that it supports no verdict.
        let one = try dcnbench(
            ["sweep"] + Self.tiny + ["--no-probes", "--quiet", "--out", directory.appendingPathComponent("o.csv").path])
        #expect(one.out.contains("one process: these times say how fast, not whether a change made it slower"))
    }

    @Test("sweep --processes refuses what it cannot do, naming the option")
    func refusals() throws {
        let out = try temporaryDirectory().appendingPathComponent("r.csv").path
        let zero = try dcnbench(["sweep"] + Self.tiny + ["--processes", "0", "--out", out])
        #expect(zero.status == 1 && zero.err.contains("--processes must be from 1 to 1000"), "\(zero.err)")
        let dry = try dcnbench(["sweep"] + Self.tiny + ["--processes", "2", "--dry-run", "--out", out])
        #expect(dry.status == 1 && dry.err.contains("--instructions and --dry-run time nothing"), "\(dry.err)")
        let resume = try dcnbench(["sweep"] + Self.tiny + ["--processes", "2", "--resume", out])
        #expect(resume.status == 1 && resume.err.contains("no unfinished --processes run there"), "\(resume.err)")
    }

    @Test("ab: ABBA order, paired seeds, K a side, and its verdicts are compare's of the files it wrote")
    func ab() throws {
        let directory = try temporaryDirectory()
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("dcnbench").path
        let folder = directory.appendingPathComponent("ab").path
        let run = try dcnbench(
            [
                "ab", "--processes", "3", "--out", folder, "--json", directory.appendingPathComponent("v.json").path,
                executable, executable,
            ] + Self.tiny, in: directory)
        #expect([0, 2, 3, 4].contains(run.status), "\(run.err)")
        #expect(run.out.contains("3 processes a side"), "\(run.out)")
        let order = try String(contentsOfFile: folder + "/order.txt", encoding: .utf8).split(separator: "\n")
            .map { String($0.split(separator: " ")[1]) }
        #expect(order == ["A-1", "B-1", "B-2", "A-2", "A-3", "B-3"], "\(order)")
        // Process k of both sides had the same seed, so the same layouts.
        for k in 1...3 {
            let layouts = try ["A", "B"].map { side in
                try Set(ResultSet(paths: ["\(folder)/\(side)-\(k).csv"]).samples.values.flatMap { $0.map(\.layout) })
            }
            #expect(layouts[0] == layouts[1])
        }
        // The verdicts are those of compare on the same files: the decision is the tested rule,
        // applied to recorded data.
        let files = { (side: String) in (1...3).map { "\(folder)/\(side)-\($0).csv" }.joined(separator: ",") }
        let compare = try dcnbench([
            "compare", files("A"), files("B"), "--json", directory.appendingPathComponent("c.json").path,
        ])
        #expect(compare.status == run.status)
        func verdicts(_ file: String) throws -> [String: String] {
            let json =
                try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(file)))
                as? [String: Any]
            let points = (json?["comparison"] as? [String: Any])?["points"] as? [[String: Any]] ?? []
            return Dictionary(
                uniqueKeysWithValues: points.map { ($0["name"] as? String ?? "", $0["verdict"] as? String ?? "") })
        }
        #expect(try verdicts("v.json") == verdicts("c.json"))
        #expect(try verdicts("v.json").count == 2)
        // Bad uses.
        let missing = try dcnbench(["ab", "/nonexistent/dcnbench", executable])
        #expect(
            missing.status == 1 && missing.err.contains("BASELINE /nonexistent/dcnbench is not an executable file"),
            "\(missing.err)")
        let reserved = try dcnbench(["ab", executable, executable, "--out", "x.csv"])
        #expect(reserved.status == 1 && reserved.err.contains("--out is set by ab for each process"), "\(reserved.err)")
        let few = try dcnbench(["ab", "--processes", "2", executable, executable])
        #expect(few.status == 1 && few.err.contains("--processes must be from 3 to 1000"), "\(few.err)")
    }
}
