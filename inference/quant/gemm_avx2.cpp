// AVX2 + FMA + F16C tiled kernels (see gemm.h, gemm_kernels.inc). Installed only after the
// run-time check; no shared inline code (everything below has internal linkage).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "quant/gemm.h"
#include "quant/quant_internal.h"

namespace kinglet::quant {
namespace {
#define GEMM_RM 2
#define GEMM_RN 4
#define GEMM_K_RM 2
#define GEMM_K_RN 2
#include "quant/gemm_kernels.inc"
#include "quant/gemm_panel_avx2.inc"
}  // namespace

void fill_gemm_avx2(GemmTable& t) {
    t.gemm[kQ8_0] = gemm_q8_avx2<LoadQ8_0>;
    t.gemm[kQ4_0] = gemm_q8_avx2<LoadQ4_0>;
    t.gemm[kQ5_0] = gemm_q8_avx2<LoadQ5_0>;
    t.gemm[kQ4_K] = gemm_q4_k_avx2;
    t.gemm[kQ6_K] = gemm_q6_k_avx2;
    t.dot_f32_f16 = dot_f32_f16;
    t.axpy_f16 = axpy_f16;
    t.attn_scores = attn_scores;
    t.attn_wsum = attn_wsum;
}

}  // namespace kinglet::quant
