// AVX-512 kernels (placeholder until the SIMD paths land).
#include "quant/quant_internal.h"

namespace kinglet::quant {
void fill_avx512(KernelTable&, bool) {}
}  // namespace kinglet::quant
