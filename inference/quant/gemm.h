// Tiled matrix x matrix kernels for prompt batches, and the F16 helpers attention uses.
//
// A gemm kernel computes y[t * ldy + r] = W_r . A_t for r < nr, t < nt: W rows are
// w_stride bytes apart, activation rows (already in vec_dot_type(W)) a_stride bytes apart.
// Each weight block is decoded once per tile and used for several tokens, instead of once
// per (row, token) as a vec_dot loop does; from 8 tokens on, the AVX2 and VNNI kernels
// repack 8 or 16 rows at a time into a row-interleaved scratch (gemm_panel*.inc) so that
// the vector lanes are rows. Results equal vec_dot's up to float rounding.
// Chosen at run time like the rest of quant/ (see cpu_features.h).
#pragma once
#include <cstddef>
#include <cstdint>

#include "gguf/ggml_type.h"

namespace kinglet {

using GemmFn = void (*)(int64_t n, const void* w, size_t w_stride, int64_t nr, const void* a, size_t a_stride,
                        int64_t nt, float* y, size_t ldy);
// nullptr when there is no tiled kernel for this type at the active SIMD level (the caller
// then loops over vec_dot).
GemmFn gemm_fn(GgmlType weight_type);

// Activation rows given to a GemmFn are quantize_row() output followed by per-block extras
// that some kernels read (the row-interleaved VNNI kernels): for Q8_0 rows, at
// gemm_act_extras_offset (4-byte aligned), one quant::GemmQ8Extra per block. Other formats
// have none. a_stride must be at least gemm_act_row_bytes; gemm_act_extras fills the extras
// of a row quantize_row has written. vec_dot reads the same rows and ignores the extras.
size_t gemm_act_row_bytes(GgmlType act_type, int64_t n);
size_t gemm_act_extras_offset(GgmlType act_type, int64_t n);
void gemm_act_extras(GgmlType act_type, int64_t n, void* row);

// sum_i x[i] * h[i] with h in IEEE half precision.
using DotF32F16Fn = float (*)(int64_t n, const float* x, const uint16_t* h);
// y[i] += a * h[i]
using AxpyF16Fn = void (*)(int64_t n, float a, const uint16_t* h, float* y);
DotF32F16Fn dot_f32_f16_fn();
AxpyF16Fn axpy_f16_fn();

// Attention over an F16 cache: rows j < n of d halves, `stride` halves apart, for nq queries
// at once (1 <= nq <= kAttnMaxQueries) that read the same rows: each row is converted once for
// all of them (a head's next prompt tokens, or the heads that share a KV head).
constexpr int kAttnMaxQueries = 4;
// out[m][j] = scale * (q[m] . k_j)
using AttnScoresFn = void (*)(int64_t d, int64_t n, int nq, const float* const* q, const uint16_t* k, size_t stride,
                              float scale, float* const* out);
// out[m][i] = sum_j p[m][j] * v_j[i]  (out is overwritten)
using AttnWsumFn = void (*)(int64_t d, int64_t n, int nq, const float* const* p, const uint16_t* v, size_t stride,
                            float* const* out);
AttnScoresFn attn_scores_fn();
AttnWsumFn attn_wsum_fn();

namespace quant {
// Per Q8_0 activation block: its scale as float and -128 x the sum of its 32 values (the
// correction for weights stored as unsigned q + 128).
struct GemmQ8Extra {
    float d;
    int32_t neg128_sum;
};

struct GemmTable {
    GemmFn gemm[40] = {};
    DotF32F16Fn dot_f32_f16 = nullptr;
    AxpyF16Fn axpy_f16 = nullptr;
    AttnScoresFn attn_scores = nullptr;
    AttnWsumFn attn_wsum = nullptr;
};
void fill_gemm_scalar(GemmTable& t);
void fill_gemm_avx2(GemmTable& t);
void fill_gemm_avx512(GemmTable& t, bool vnni);
}  // namespace quant

}  // namespace kinglet
