#ifndef DCN_CPUID_FEATURES_H
#define DCN_CPUID_FEATURES_H
/// The instruction-set features dcnbench's builds can need, as bits. Both what a build was
/// compiled for (CTargetFeatures, from the compiler's predefined macros) and what the CPU has
/// (dcn_cpu_features) use these.
enum {
    DCN_FEATURE_SSE42 = 1u << 0,
    DCN_FEATURE_AVX = 1u << 1,
    DCN_FEATURE_AVX2 = 1u << 2,
    DCN_FEATURE_FMA = 1u << 3,
    DCN_FEATURE_BMI2 = 1u << 4,
    DCN_FEATURE_F16C = 1u << 5,
    DCN_FEATURE_AVX512F = 1u << 6,
    DCN_FEATURE_AVX512DQ = 1u << 7,
    DCN_FEATURE_AVX512BW = 1u << 8,
    DCN_FEATURE_AVX512VL = 1u << 9,
    DCN_FEATURE_AVX512CD = 1u << 10,
};

/// The features this CPU has and the OS enables (XSAVE state for ymm and zmm registers), read
/// with cpuid and xgetbv. Compiled without a target CPU, so it runs anywhere.
unsigned dcn_cpu_features(void);
#endif
