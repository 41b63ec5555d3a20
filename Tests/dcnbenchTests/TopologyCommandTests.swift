import Bench
import BenchTestSupport
import Foundation
import Testing

@Suite("dcnbench topology", .serialized)
struct TopologyCommandTests {
    @Test("a process restricted with taskset -c 0 sees one core and never runs elsewhere")
    func restriction() throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("dcnbench")
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build dcnbench first")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        process.arguments = ["-c", "0", executable.path, "topology", "--json", "--check-pool", "1", "--runs", "500"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        struct Report: Decodable {
            struct Machine: Decodable { let cores: Int; let pus: Int; let allowedCPUs: String }
            struct Pool: Decodable { let observedPUs: [[Int]] }
            let machine: Machine
            let pool: Pool
        }
        let report = try JSONDecoder().decode(Report.self, from: data)
        #expect(report.machine.cores == 1 && report.machine.pus == 1)
        #expect(report.machine.allowedCPUs == "0")
        #expect(report.pool.observedPUs == [[0]])

        // Two threads under a binding policy cannot fit in one core: a clear error, exit 1.
        let refused = Process()
        refused.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        refused.arguments = ["-c", "0", executable.path, "topology", "--check-pool", "2"]
        let errors = Pipe()
        refused.standardError = errors
        refused.standardOutput = Pipe()
        try refused.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        refused.waitUntilExit()
        #expect(refused.terminationStatus == 1)
        #expect(message.contains("2 threads under placement 'close' but only 1 allowed core;"))
    }

    @Test(
        "HWLOC_SYNTHETIC plans in topology only: refused where this machine is measured, checked and bounded where read"
    )
    func syntheticVariable() throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("dcnbench").path
        func run(_ value: String, _ arguments: [String]) throws -> Subprocess.Outcome {
            var environment = ProcessInfo.processInfo.environment
            environment["HWLOC_SYNTHETIC"] = value
            return try Subprocess.run(executable, arguments, environment: environment)
        }
        let plan = try run("pack:2 core:4 pu:2", ["topology", "--threads", "16", "--placement", "spread"])
        #expect(plan.status == 0 && plan.output.contains("thread 15"), "\(plan.errors)")
        let out = try temporaryDirectory().appendingPathComponent("s.csv").path
        for arguments in [
            ["sweep", "--preset", "smoke", "--threads", "16", "--out", out], ["probe"],
            ["topology", "--check-pool", "2"],
        ] {
            let leaked = try run("pack:2 core:32 pu:1", arguments)
            #expect(leaked.status == 1 && leaked.errors.contains("HWLOC_SYNTHETIC"), "\(arguments): \(leaked.errors)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        for (value, message) in [
            ("garbage", "every level is TYPE:COUNT"), ("pack:0", "count of 1 or more"),
            ("pack:4096 core:4096 pu:2", "has 33554432 PUs; at most 65536"),
        ] {
            let bad = try run(value, ["topology"])
            #expect(bad.status == 1 && bad.errors.contains(message), "\(value): \(bad.errors)")
        }
    }
}
