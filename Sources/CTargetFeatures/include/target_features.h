#ifndef DCN_TARGET_FEATURES_H
#define DCN_TARGET_FEATURES_H
#include "cpuid_features.h"

/// Vector registers of the instruction set this package's kernels were compiled for: 32 when the
/// build targets AVX-512 (zmm0-31), 16 otherwise (ymm/xmm0-15 on x86_64, and the conservative
/// answer elsewhere). Compiled with the same target CPU as the Swift kernels (Package.swift), so
/// it describes the code that runs, not merely the CPU it runs on.
int dcn_target_vector_registers(void);

/// The CPU target of the build: DCNBENCH_TARGET_CPU (native, x86-64-v3, x86-64-v4, or a CPU
/// name), or "portable".
const char *dcn_target_cpu(void);

/// The instruction-set features the build's code may use (DCN_FEATURE_* bits), from the
/// compiler's macros under the same target as the kernels: a CPU without one of them could
/// stop on an illegal instruction.
unsigned dcn_required_features(void);

#endif
