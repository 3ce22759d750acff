// Transformer building blocks on the CPU, named as in the papers. Activations are
// row-major float matrices: n_tokens rows of `n` values.
#pragma once
#include <cstdint>
#include <vector>

#include "gguf/gguf_file.h"
#include "runtime/thread_pool.h"

namespace kinglet {

// All values of a (small) tensor as floats: norms, biases, RoPE factors.
std::vector<float> tensor_to_floats(const TensorInfo& t);

// out = x / rms(x) * weight, per row of n values.
void rmsnorm(float* out, const float* x, const float* weight, int n, float eps);

// y[t][r] = W[row0 + r] · x[t] for r in [0, n_out): x is n_tokens x W.ne[0], y is n_tokens x n_out.
// Activations are first converted to vec_dot_type(W.type), as llama.cpp does.
//
// Several products of the same input (Q, K and V; gate and up) can run as one parallel
// region: run() quantizes x once per activation format and hands out row chunks of all of
// them on demand, so threads finish together with one wake-up and one barrier. Prompt
// batches use the tiled kernels of quant/gemm.h where the weight type has one.
struct MatMulJob {
    const TensorInfo* w = nullptr;
    int64_t row0 = 0;
    int64_t n_out = 0;
    float* y = nullptr;  // n_tokens rows of n_out values
};

class MatMul {
public:
    void operator()(ThreadPool& pool, const TensorInfo& w, const float* x, int n_tokens, float* y,
                    int64_t row0 = 0, int64_t n_out = -1);
    // All jobs share x (n_tokens rows of jobs[i].w->ne[0] values, the same for every job).
    void run(ThreadPool& pool, const float* x, int n_tokens, const MatMulJob* jobs, int n_jobs);

private:
    struct Chunk {
        int job;
        int64_t begin, end;
    };
    std::vector<uint8_t> xq_[3];  // activations in up to three dot-product formats
    std::vector<Chunk> chunks_;
};

// Rotary position embedding over the first rope_dim values of each head.
struct RopeTable {
    std::vector<float> inv_freq;  // rope_dim/2 frequencies, already divided by any frequency factors
    float freq_scale = 1.0f;      // positions are multiplied by this (linear scaling)
    float mscale = 1.0f;          // cos/sin magnitude (LongRoPE attention factor)
    bool neox = false;
    int rope_dim = 0;
};
// YaRN's blend: the dimension pairs that turn more than beta_fast times over the original
// context keep their frequency, those turning fewer than beta_slow times are scaled by
// freq_scale, with a linear ramp between; cos/sin grow by 1 + 0.1 ln(1 / freq_scale).
struct YarnRamp {
    float ext_factor = 1.0f;
    float beta_fast = 32.0f;
    float beta_slow = 1.0f;
    int orig_ctx = 0;
};
// yarn: null for plain (linear) scaling. With YaRN the scale is folded into inv_freq.
RopeTable make_rope_table(int rope_dim, float freq_base, float freq_scale, const float* freq_factors, bool neox,
                          float mscale, const YarnRamp* yarn = nullptr);
// x holds n_heads heads of head_dim values for one token at position pos.
void rope(float* x, int n_heads, int head_dim, int pos, const RopeTable& table);

void softmax(float* x, int n);
void silu_mul(float* gate, const float* up, int n);  // gate = silu(gate) * up
void gelu_mul(float* gate, const float* up, int n);  // gate = gelu(gate) * up (tanh approximation)
void add(float* x, const float* y, int n);

}  // namespace kinglet
