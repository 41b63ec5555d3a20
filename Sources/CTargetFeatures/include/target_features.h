#ifndef DCN_TARGET_FEATURES_H
#define DCN_TARGET_FEATURES_H

/// Vector registers of the instruction set this package's kernels were compiled for: 32 when the
/// build targets AVX-512 (zmm0-31), 16 otherwise (ymm/xmm0-15 on x86_64, and the conservative
/// answer elsewhere). Compiled with the same target CPU as the Swift kernels (Package.swift), so
/// it describes the code that runs, not merely the CPU it runs on.
int dcn_target_vector_registers(void);

#endif
