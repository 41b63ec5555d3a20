#include "cpuid_features.h"
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xgetbv0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

unsigned dcn_cpu_features(void) {
    unsigned int a, b, c, d, features = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1;
    unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    int ymm = (xcr0 & 0x6) == 0x6;           /* SSE and AVX state */
    int zmm = ymm && (xcr0 & 0xe0) == 0xe0;  /* opmask, upper zmm0-15, zmm16-31 */
    if ((c >> 20) & 1) features |= DCN_FEATURE_SSE42;
    if (ymm && ((c >> 28) & 1)) features |= DCN_FEATURE_AVX;
    if (ymm && ((c >> 12) & 1)) features |= DCN_FEATURE_FMA;
    if (ymm && ((c >> 29) & 1)) features |= DCN_FEATURE_F16C;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        if (ymm && ((b >> 5) & 1)) features |= DCN_FEATURE_AVX2;
        if ((b >> 8) & 1) features |= DCN_FEATURE_BMI2;
        if (zmm && ((b >> 16) & 1)) features |= DCN_FEATURE_AVX512F;
        if (zmm && ((b >> 17) & 1)) features |= DCN_FEATURE_AVX512DQ;
        if (zmm && ((b >> 28) & 1)) features |= DCN_FEATURE_AVX512CD;
        if (zmm && ((b >> 30) & 1)) features |= DCN_FEATURE_AVX512BW;
        if (zmm && ((b >> 31) & 1)) features |= DCN_FEATURE_AVX512VL;
    }
    return features;
}
#else
unsigned dcn_cpu_features(void) { return 0; }
#endif
