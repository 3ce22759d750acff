#include "runtime/cpu_ops.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "quant/gemm.h"
#include "quant/vec_math.h"
#include "quant/quant.h"
#include "util/error.h"

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
    MatMulJob job{&w, row0, n_out < 0 ? w.ne[1] - row0 : n_out, y};
    run(pool, x, n_tokens, &job, 1);
}

void MatMul::run(ThreadPool& pool, const float* x, int n_tokens, const MatMulJob* jobs, int n_jobs) {
    if (n_jobs <= 0 || n_tokens <= 0) return;
    if (n_jobs > 16) throw Error("too many products in one matmul group");
    const int64_t n_in = jobs[0].w->ne[0];

    // Activations: one conversion per distinct dot-product format.
    GgmlType act_types[3];
    int n_act = 0;
    int job_act[16];
    for (int j = 0; j < n_jobs; ++j) {
        const GgmlType at = vec_dot_type(jobs[j].w->type);
        int k = 0;
        while (k < n_act && act_types[k] != at) ++k;
        if (k == n_act) {
            if (n_act == 3) throw Error("too many activation formats in one matmul group");
            act_types[n_act++] = at;
        }
        job_act[j] = k;
    }
    const bool batch = n_tokens >= 2;  // prompt batches go through the gemm kernels
    const uint8_t* xq[3] = {};
    size_t act_row[3] = {};
    for (int k = 0; k < n_act; ++k) {
        act_row[k] = batch ? gemm_act_row_bytes(act_types[k], n_in) : row_bytes(act_types[k], n_in);
        if (act_types[k] == GgmlType::F32) {  // the float rows themselves
            xq[k] = reinterpret_cast<const uint8_t*>(x);
            continue;
        }
        xq_[k].resize(act_row[k] * n_tokens);
        const QuantizeRowFn q = quantize_row_fn(act_types[k]);
        uint8_t* dst = xq_[k].data();
        const size_t ar = act_row[k];
        const GgmlType at = act_types[k];
        auto conv = [&](int64_t b, int64_t e) {
            for (int64_t t = b; t < e; ++t) {
                q(x + t * n_in, dst + t * ar, n_in);
                if (batch) gemm_act_extras(at, n_in, dst + t * ar);
            }
        };
        if (n_tokens >= 8) pool.parallel_for(n_tokens, conv);
        else conv(0, n_tokens);
        xq[k] = dst;
    }

    // Row chunks of every job, handed out on demand.
    int64_t total_rows = 0;
    for (int j = 0; j < n_jobs; ++j) total_rows += jobs[j].n_out;
    const int64_t work = total_rows * n_in * n_tokens;
    const int nt = pool.size();
    // Small products are not worth a wake-up.
    const bool single = nt == 1 || work < (int64_t(1) << 17);
    int64_t grain = batch ? 16 : std::max<int64_t>(16, total_rows / (int64_t(nt) * 8));
    grain = (grain + 15) / 16 * 16;
    chunks_.clear();
    for (int j = 0; j < n_jobs; ++j)
        for (int64_t r = 0; r < jobs[j].n_out; r += grain) chunks_.push_back({j, r, std::min(jobs[j].n_out, r + grain)});

    VecDotFn dots[16];
    GemmFn gemms[16];
    for (int j = 0; j < n_jobs; ++j) {
        dots[j] = vec_dot_fn(jobs[j].w->type);
        gemms[j] = batch ? gemm_fn(jobs[j].w->type) : nullptr;  // decode: vec_dot measured faster
    }
    auto do_chunks = [&](int64_t cb, int64_t ce) {
        for (int64_t c = cb; c < ce; ++c) {
            const Chunk& ch = chunks_[size_t(c)];
            const MatMulJob& job = jobs[ch.job];
            const TensorInfo& w = *job.w;
            const size_t w_row = row_bytes(w.type, n_in);
            const uint8_t* wr = w.data + (job.row0 + ch.begin) * w_row;
            const int k = job_act[ch.job];
            const size_t ar = act_row[k];
            float* y = job.y + ch.begin;
            if (gemms[ch.job]) {
                gemms[ch.job](n_in, wr, w_row, ch.end - ch.begin, xq[k], ar, n_tokens, y, size_t(job.n_out));
                continue;
            }
            const VecDotFn dot = dots[ch.job];
            for (int64_t r = 0; r < ch.end - ch.begin; ++r)
                for (int t = 0; t < n_tokens; ++t)
                    y[size_t(t) * job.n_out + r] = dot(n_in, wr + r * w_row, xq[k] + t * ar);
        }
    };
    if (single) do_chunks(0, int64_t(chunks_.size()));
    else pool.parallel_chunks(int64_t(chunks_.size()), 1, do_chunks);
}

RopeTable make_rope_table(int rope_dim, float freq_base, float freq_scale, const float* freq_factors, bool neox,
                          float mscale, const YarnRamp* yarn) {
    RopeTable t;
    t.rope_dim = rope_dim;
    t.neox = neox;
    t.freq_scale = freq_scale;
    t.mscale = mscale;
    const bool blend = yarn && yarn->ext_factor != 0.0f && freq_scale != 1.0f;
    float low = 0.0f, high = 0.0f;  // the ramp, in dimension pairs
    if (blend) {
        // Pair i turns orig_ctx / (2 pi base^(2i/d)) times over the original context.
        const auto pair_turning = [&](float turns) {
            return float(rope_dim) * std::log(float(yarn->orig_ctx) / (turns * 2.0f * std::numbers::pi_v<float>)) /
                   (2.0f * std::log(freq_base));
        };
        low = std::max(0.0f, std::floor(pair_turning(yarn->beta_fast)));
        high = std::min(float(rope_dim - 1), std::ceil(pair_turning(yarn->beta_slow)));
        t.freq_scale = 1.0f;  // folded into inv_freq below
        t.mscale = mscale * (1.0f + 0.1f * std::log(1.0f / freq_scale));
    }
    t.inv_freq.resize(rope_dim / 2);
    for (int i = 0; i < rope_dim / 2; ++i) {
        float f = std::pow(freq_base, -2.0f * float(i) / float(rope_dim));
        if (freq_factors) f /= freq_factors[i];
        if (blend) {
            const float ramp = 1.0f - std::clamp((float(i) - low) / std::max(0.001f, high - low), 0.0f, 1.0f);
            const float keep = ramp * yarn->ext_factor;  // 1: unscaled, 0: scaled by freq_scale
            f *= freq_scale * (1.0f - keep) + keep;
        }
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
    const float inv = 1.0f / exp_shift_sum_fn()(x, n, max);
    for (int i = 0; i < n; ++i) x[i] *= inv;
}

void silu_mul(float* gate, const float* up, int n) { silu_mul_fn()(gate, up, n); }

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
