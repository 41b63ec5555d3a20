#include "target_features.h"

int dcn_target_vector_registers(void) {
#if defined(__AVX512F__)
    return 32;
#else
    return 16;
#endif
}

const char *dcn_target_cpu(void) { return DCN_TARGET_CPU; }

unsigned dcn_required_features(void) {
    unsigned f = 0;
#ifdef __SSE4_2__
    f |= DCN_FEATURE_SSE42;
#endif
#ifdef __AVX__
    f |= DCN_FEATURE_AVX;
#endif
#ifdef __AVX2__
    f |= DCN_FEATURE_AVX2;
#endif
#ifdef __FMA__
    f |= DCN_FEATURE_FMA;
#endif
#ifdef __BMI2__
    f |= DCN_FEATURE_BMI2;
#endif
#ifdef __F16C__
    f |= DCN_FEATURE_F16C;
#endif
#ifdef __AVX512F__
    f |= DCN_FEATURE_AVX512F;
#endif
#ifdef __AVX512DQ__
    f |= DCN_FEATURE_AVX512DQ;
#endif
#ifdef __AVX512BW__
    f |= DCN_FEATURE_AVX512BW;
#endif
#ifdef __AVX512VL__
    f |= DCN_FEATURE_AVX512VL;
#endif
#ifdef __AVX512CD__
    f |= DCN_FEATURE_AVX512CD;
#endif
    return f;
}
