// AVX-512 level kernels, used when the CPU has VNNI. Small batches: the 256-bit tile kernels
// (faster than zmm on Zen 4 for those, see vec_dot_avx512.cpp) with the 32 registers
// AVX-512VL gives. From 8 tokens: the zmm row-panel kernels of gemm_panel.inc; they are
// bound by the multiply pipes (vpdpbusd, FMA), where one zmm instruction does the work of
// two ymm ones in one dispatch slot even on double-pumped Zen 4.
// Installed only after the run-time check; everything below has internal linkage.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "quant/gemm.h"
#include "quant/quant_internal.h"

namespace kinglet::quant {
namespace vnni {
namespace {
#define GEMM_RM 4
#define GEMM_RN 4
#define GEMM_K_RM 2
#define GEMM_K_RN 4
#define GEMM_VNNI 1
#include "quant/gemm_kernels.inc"
#include "quant/gemm_panel.inc"
#undef GEMM_VNNI
}  // namespace
}  // namespace vnni

void fill_gemm_avx512(GemmTable& t, bool has_vnni) {
    if (!has_vnni) return;  // the AVX2 kernels stay
    t.gemm[kQ8_0] = vnni::gemm_q8_vnni<vnni::LoadQ8_0>;
    t.gemm[kQ4_0] = vnni::gemm_q8_vnni<vnni::LoadQ4_0>;
    t.gemm[kQ5_0] = vnni::gemm_q8_vnni<vnni::LoadQ5_0>;
    t.gemm[kQ4_K] = vnni::gemm_q4_k_vnni;
    t.gemm[kQ6_K] = vnni::gemm_q6_k_vnni;
}

}  // namespace kinglet::quant
