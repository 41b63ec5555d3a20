import Foundation
import Testing
import Topology

@Suite("CPU features and the build target check")
struct CPUFeaturesTests {
    static let avx2Machine: CPUFeatures = [.sse42, .avx, .avx2, .fma, .bmi2, .f16c]
    static let avx512Build: CPUFeatures = avx2Machine.union([.avx512f, .avx512dq, .avx512bw, .avx512vl, .avx512cd])

    @Test("an AVX-512 build on an AVX2 CPU is refused, naming what is missing and the fix")
    func refusesMissingFeatures() throws {
        let message = try #require(
            BuildTarget.problem(target: "x86-64-v4", required: Self.avx512Build, available: Self.avx2Machine))
        #expect(
            message.contains(
                "built for the CPU target 'x86-64-v4' and uses AVX512F AVX512DQ AVX512BW AVX512VL AVX512CD, which this CPU lacks"
            ))
        #expect(message.contains("rebuild with DCNBENCH_TARGET_CPU=x86-64-v3"))
        // A CPU without AVX2 gets the other way out.
        let old = try #require(
            BuildTarget.problem(target: "x86-64-v3", required: Self.avx2Machine, available: [.sse42]))
        #expect(
            old.contains("uses AVX AVX2 FMA BMI2 F16C")
                && old.contains("DCNBENCH_TARGET_CPU=native on this machine, or DCNBENCH_PORTABLE=1"))
    }

    @Test("a build needing only what the CPU has starts")
    func accepts() {
        #expect(
            BuildTarget.problem(target: "x86-64-v3", required: Self.avx2Machine, available: Self.avx512Build) == nil)
        #expect(BuildTarget.problem(target: "portable", required: [], available: []) == nil)
    }

    @Test("cpuid agrees with the kernel's view of this CPU (/proc/cpuinfo flags)")
    func hostMatchesCPUInfo() throws {
        let text = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(
            text.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        let host = CPUFeatures.host
        for (feature, flag) in [
            (CPUFeatures.avx2, "avx2"), (.fma, "fma"), (.bmi2, "bmi2"), (.avx512f, "avx512f"), (.avx512bw, "avx512bw"),
            (.avx512vl, "avx512vl"), (.sse42, "sse4_2"),
        ] {
            #expect(
                host.contains(feature) == flags.contains(flag),
                "\(flag): cpuid \(host.contains(feature)), cpuinfo \(flags.contains(flag))")
        }
    }
}
