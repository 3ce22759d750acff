// AVX2 + FMA + F16C kernels (placeholder until the SIMD paths land).
#include "quant/quant_internal.h"

namespace kinglet::quant {
void fill_avx2(KernelTable&) {}
}  // namespace kinglet::quant
