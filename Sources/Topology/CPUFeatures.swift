import CCPUID

/// Instruction-set features of a CPU or required by a build (the `DCN_FEATURE_*` bits of CCPUID):
/// a build for AVX-512 started on an AVX2 CPU would stop on its first AVX-512 instruction, so
/// dcnbench compares the two at start-up (``BuildTarget``).
public struct CPUFeatures: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let sse42 = CPUFeatures(rawValue: UInt32(DCN_FEATURE_SSE42))
    public static let avx = CPUFeatures(rawValue: UInt32(DCN_FEATURE_AVX))
    public static let avx2 = CPUFeatures(rawValue: UInt32(DCN_FEATURE_AVX2))
    public static let fma = CPUFeatures(rawValue: UInt32(DCN_FEATURE_FMA))
    public static let bmi2 = CPUFeatures(rawValue: UInt32(DCN_FEATURE_BMI2))
    public static let f16c = CPUFeatures(rawValue: UInt32(DCN_FEATURE_F16C))
    public static let avx512f = CPUFeatures(rawValue: UInt32(DCN_FEATURE_AVX512F))
    public static let avx512dq = CPUFeatures(rawValue: UInt32(DCN_FEATURE_AVX512DQ))
    public static let avx512bw = CPUFeatures(rawValue: UInt32(DCN_FEATURE_AVX512BW))
    public static let avx512vl = CPUFeatures(rawValue: UInt32(DCN_FEATURE_AVX512VL))
    public static let avx512cd = CPUFeatures(rawValue: UInt32(DCN_FEATURE_AVX512CD))

    static let names: [(CPUFeatures, String)] = [
        (.sse42, "SSE4.2"), (.avx, "AVX"), (.avx2, "AVX2"), (.fma, "FMA"), (.bmi2, "BMI2"), (.f16c, "F16C"),
        (.avx512f, "AVX512F"), (.avx512dq, "AVX512DQ"), (.avx512bw, "AVX512BW"), (.avx512vl, "AVX512VL"),
        (.avx512cd, "AVX512CD"),
    ]

    /// What this CPU has and the OS enables (cpuid and xgetbv).
    public static var host: CPUFeatures { CPUFeatures(rawValue: UInt32(dcn_cpu_features())) }

    public var description: String { Self.names.filter { contains($0.0) }.map(\.1).joined(separator: " ") }
}

/// The start-up check of a build against the CPU it is about to run on.
public enum BuildTarget {
    /// Nil when a build for `target` that uses `required` can run on a CPU with `available`;
    /// otherwise the message that refuses to start, naming the missing features and the fix.
    public static func problem(target: String, required: CPUFeatures, available: CPUFeatures) -> String? {
        let missing = required.subtracting(available)
        guard !missing.isEmpty else { return nil }
        let fix =
            available.isSuperset(of: [.avx2, .fma, .bmi2, .avx, .f16c])
            ? "rebuild with DCNBENCH_TARGET_CPU=x86-64-v3 (every AVX2 machine) or =native on this machine"
            : "rebuild with DCNBENCH_TARGET_CPU=native on this machine, or DCNBENCH_PORTABLE=1"
        return
            "this dcnbench was built for the CPU target '\(target)' and uses \(missing), which this CPU lacks (it has: \(available)): it would stop on an illegal instruction; \(fix)"
    }
}
