#include "target_features.h"

int dcn_target_vector_registers(void) {
#if defined(__AVX512F__)
    return 32;
#else
    return 16;
#endif
}
