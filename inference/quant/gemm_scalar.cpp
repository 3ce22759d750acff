// Baseline versions of the gemm.h helpers (no tiled gemm: MatMul loops over vec_dot).
#include "quant/gemm.h"
#include "quant/half_scalar.h"

namespace kinglet::quant {
namespace {

float dot_f32_f16(int64_t n, const float* x, const uint16_t* h) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += x[i] * half_to_float(h[i]);
        s1 += x[i + 1] * half_to_float(h[i + 1]);
        s2 += x[i + 2] * half_to_float(h[i + 2]);
        s3 += x[i + 3] * half_to_float(h[i + 3]);
    }
    for (; i < n; ++i) s0 += x[i] * half_to_float(h[i]);
    return (s0 + s1) + (s2 + s3);
}

void axpy_f16(int64_t n, float a, const uint16_t* h, float* y) {
    for (int64_t i = 0; i < n; ++i) y[i] += a * half_to_float(h[i]);
}

void attn_scores(int64_t d, int64_t n, int nq, const float* const* q, const uint16_t* k, size_t stride, float scale,
                 float* const* out) {
    for (int m = 0; m < nq; ++m)
        for (int64_t j = 0; j < n; ++j) out[m][j] = scale * dot_f32_f16(d, q[m], k + j * stride);
}

void attn_wsum(int64_t d, int64_t n, int nq, const float* const* p, const uint16_t* v, size_t stride,
               float* const* out) {
    for (int m = 0; m < nq; ++m) {
        for (int64_t i = 0; i < d; ++i) out[m][i] = 0.0f;
        for (int64_t j = 0; j < n; ++j) axpy_f16(d, p[m][j], v + j * stride, out[m]);
    }
}

}  // namespace

void fill_gemm_scalar(GemmTable& t) {
    t.dot_f32_f16 = dot_f32_f16;
    t.axpy_f16 = axpy_f16;
    t.attn_scores = attn_scores;
    t.attn_wsum = attn_wsum;
}

}  // namespace kinglet::quant
