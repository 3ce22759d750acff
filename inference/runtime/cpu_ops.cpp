#include "runtime/cpu_ops.h"

#include <algorithm>
#include <cmath>

#include "quant/quant.h"

namespace kinglet {

std::vector<float> tensor_to_floats(const TensorInfo& t) {
    std::vector<float> out(static_cast<size_t>(t.n_elements()));
    const size_t rb = row_bytes(t.type, t.ne[0]);
    for (int64_t r = 0; r < t.n_rows(); ++r) dequantize_row(t.type, t.data + r * rb, out.data() + r * t.ne[0], t.ne[0]);
    return out;
}

void rmsnorm(float* out, const float* x, const float* weight, int n, float eps) {
    double ss = 0.0;
    for (int i = 0; i < n; ++i) ss += double(x[i]) * x[i];
    const float scale = 1.0f / std::sqrt(float(ss / n) + eps);
    for (int i = 0; i < n; ++i) out[i] = x[i] * scale * weight[i];
}

void MatMul::operator()(ThreadPool& pool, const TensorInfo& w, const float* x, int n_tokens, float* y, int64_t row0,
                        int64_t n_out) {
    const int64_t n_in = w.ne[0];
    if (n_out < 0) n_out = w.ne[1] - row0;
    const GgmlType act_type = vec_dot_type(w.type);
    const size_t act_row = row_bytes(act_type, n_in);
    xq_.resize(act_row * n_tokens);
    pool.parallel_for(n_tokens, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) quantize_row(act_type, x + t * n_in, xq_.data() + t * act_row, n_in);
    });
    const size_t w_row = row_bytes(w.type, n_in);
    const uint8_t* xq = xq_.data();
    pool.parallel_for(n_out, [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
            const uint8_t* wr = w.data + (row0 + r) * w_row;
            for (int t = 0; t < n_tokens; ++t) y[t * n_out + r] = vec_dot(w.type, n_in, wr, xq + t * act_row);
        }
    });
}

RopeTable make_rope_table(int rope_dim, float freq_base, float freq_scale, const float* freq_factors, bool neox,
                          float mscale) {
    RopeTable t;
    t.rope_dim = rope_dim;
    t.neox = neox;
    t.freq_scale = freq_scale;
    t.mscale = mscale;
    t.inv_freq.resize(rope_dim / 2);
    for (int i = 0; i < rope_dim / 2; ++i) {
        float f = std::pow(freq_base, -2.0f * float(i) / float(rope_dim));
        if (freq_factors) f /= freq_factors[i];
        t.inv_freq[i] = f;
    }
    return t;
}

void rope(float* x, int n_heads, int head_dim, int pos, const RopeTable& table) {
    const int half = table.rope_dim / 2;
    float cos_v[512], sin_v[512];  // rope_dim <= head_dim <= 4096 is checked at load; chunk if larger
    for (int i0 = 0; i0 < half; i0 += 512) {
        const int n = std::min(512, half - i0);
        for (int i = 0; i < n; ++i) {
            const float theta = float(pos) * table.freq_scale * table.inv_freq[i0 + i];
            cos_v[i] = std::cos(theta) * table.mscale;
            sin_v[i] = std::sin(theta) * table.mscale;
        }
        for (int h = 0; h < n_heads; ++h) {
            float* v = x + h * head_dim;
            for (int i = 0; i < n; ++i) {
                const int a = table.neox ? i0 + i : 2 * (i0 + i);
                const int b = table.neox ? i0 + i + half : a + 1;
                const float x0 = v[a], x1 = v[b];
                v[a] = x0 * cos_v[i] - x1 * sin_v[i];
                v[b] = x0 * sin_v[i] + x1 * cos_v[i];
            }
        }
    }
}

void softmax(float* x, int n) {
    float max = x[0];
    for (int i = 1; i < n; ++i) max = std::max(max, x[i]);
    double sum = 0.0;
    for (int i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - max);
        sum += x[i];
    }
    const float inv = float(1.0 / sum);
    for (int i = 0; i < n; ++i) x[i] *= inv;
}

void silu_mul(float* gate, const float* up, int n) {
    for (int i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void gelu_mul(float* gate, const float* up, int n) {
    constexpr float kSqrt2OverPi = 0.7978845608028654f;
    for (int i = 0; i < n; ++i) {
        const float g = gate[i];
        gate[i] = 0.5f * g * (1.0f + std::tanh(kSqrt2OverPi * (g + 0.044715f * g * g * g))) * up[i];
    }
}

void add(float* x, const float* y, int n) {
    for (int i = 0; i < n; ++i) x[i] += y[i];
}

}  // namespace kinglet
