// The operations a transformer forward pass is made of, implemented once per device
// (CPU, Vulkan). The model graph (transformer.cpp) is written once against this
// interface; a backend owns the activation buffers, the KV cache and any copies of
// the weights it needs.
//
// Activations live in a fixed set of buffers named by Act, each sized at init() for
// the largest batch: X (residual stream), XN (normalised), Q, K, V, Att (attention
// output), Gate, Up (FFN), Tmp (block output), Logits (BackendShape::logit_rows() rows).
// Operations are recorded in order; read_logits() returns once everything before it has run.

#pragma once
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "model/model.h"
#include "runtime/cpu_ops.h"

namespace kinglet {

enum class Act { X, XN, Q, K, V, Att, Gate, Up, Tmp, Logits };

// What a matmul does with its result besides storing it: add a bias vector (n_out values),
// multiply by a scale (Granite's residual and logit multipliers), and/or add the result to
// what `out` holds instead of replacing it (a residual connection):
//   out = scale * (W in + bias)  (+ out with accumulate).
// Fusing these into the matrix kernel saves a pass over the output (a dispatch on a GPU).
struct MatmulEpilogue {
    const TensorInfo* bias = nullptr;
    bool accumulate = false;
    float scale = 1.0f;
};

// One of several matmuls that read the same input: rows row0 .. row0 + n_out of w into out
// (n_out wide), plus bias, times scale: out = scale * (W in + bias).
struct MatmulPart {
    const TensorInfo* w = nullptr;
    int64_t row0 = 0, n_out = 0;
    Act out = Act::Tmp;
    const TensorInfo* bias = nullptr;
    float scale = 1.0f;
};

// Per-head RMSNorms of Q and K (Qwen3, Gemma 3, OLMo 2) before the rotation; null: none.
struct HeadNorms {
    const TensorInfo* q = nullptr;
    const TensorInfo* k = nullptr;
    float eps = 0.0f;
};

// Rows of logits a backend holds at once. A batch whose every token's logits are wanted
// (eval_all) gets them this many rows at a time, so that the buffer does not grow with the
// batch: 512 rows of a 152k-token vocabulary would take 311 MB, and as much again to read
// them back from a GPU, for what most batches never use (only their last row's logits).
constexpr int kMaxLogitRows = 64;

struct BackendShape {
    int max_tokens = 0;  // rows per batch
    int n_ctx = 0;       // KV cache positions
    int logit_rows() const { return std::clamp(max_tokens, 1, kMaxLogitRows); }
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;  // e.g. "CPU (AVX2)"
    virtual int n_threads() const { return 1; }
    virtual size_t kv_bytes() const = 0;
    // Prompt tokens it takes at once by default (Transformer::batch_limit).
    virtual int preferred_batch() const { return 256; }

    virtual void init(const Model& model, const BackendShape& shape) = 0;

    // X[t] = token_embd[tokens[t]] * scale
    virtual void embed(const TokenId* tokens, int n_tokens, float scale) = 0;
    // out[r] = rmsnorm(in[in_row0 + r]) * w for n_rows rows of row_len values (row_len may be a
    // head size: then rows are heads).
    virtual void rmsnorm(Act out, Act in, const TensorInfo& w, int n_rows, int row_len, float eps, int in_row0 = 0) = 0;
    // out[r] += rmsnorm(in[r]) * w (a post-norm block's residual, Gemma), `in` afterwards
    // unspecified. A backend may do it in one pass (a GPU: one dispatch instead of two).
    virtual void add_rmsnorm(Act out, Act in, const TensorInfo& w, int n_rows, int row_len, float eps) {
        rmsnorm(in, in, w, n_rows, row_len, eps);
        add(out, in, size_t(n_rows) * row_len);
    }
    // out[t][r] = W[row0 + r] . in[t] (+ bias[r]), r < n_out; out rows are n_out wide. With
    // epi.accumulate, out[t][r] += that instead.
    virtual void matmul(const TensorInfo& w, Act in, Act out, int n_tokens, int64_t row0, int64_t n_out,
                        const MatmulEpilogue& epi = {}) = 0;
    // Several matmuls of the same input (Q, K and V; gate and up). A backend may run them as
    // one (a GPU: one dispatch instead of three); by default they run one after another.
    virtual void matmul_parts(Act in, int n_tokens, std::initializer_list<MatmulPart> parts) {
        for (const MatmulPart& p : parts) matmul(*p.w, in, p.out, n_tokens, p.row0, p.n_out, {p.bias, false, p.scale});
    }
    // matmul_parts of rmsnorm(in[in_row0 + t]) * norm for t < n_tokens (a block's input norm, or
    // the final norm before the output matrix), XN left unspecified. A backend may fold the norm
    // into the matrix kernel (a GPU decode step: a dispatch fewer); by default the normalised
    // rows are written to XN first.
    virtual void norm_matmul_parts(Act in, const TensorInfo& norm, float eps, int n_tokens,
                                   std::initializer_list<MatmulPart> parts, int in_row0 = 0) {
        rmsnorm(Act::XN, in, norm, n_tokens, int(parts.begin()->w->ne[0]), eps, in_row0);
        matmul_parts(Act::XN, n_tokens, parts);
    }
    // The attention block's input: Q, K, V = rmsnorm(in) * norm times the parts q, k, v, then
    // rope_store_kv; K and V afterwards unspecified (only the cache is read). A backend may
    // rotate and store from the matrix kernel (a GPU decode step without head norms: no rope
    // dispatch).
    virtual void qkv_rope_store_kv(Act in, const TensorInfo& norm, float eps, int n_tokens, const MatmulPart& q,
                                   const MatmulPart& k, const MatmulPart& v, int layer, int pos0, const RopeTable& table,
                                   const HeadNorms& head_norms) {
        norm_matmul_parts(in, norm, eps, n_tokens, {q, k, v});
        rope_store_kv(layer, n_tokens, pos0, table, head_norms);
    }
    // The FFN's first half: Gate = act(gate x) * (up x), x = rmsnorm(in) * norm; gate writes
    // Gate and up writes Up (then unspecified), n_out each. A backend may pair each gate row
    // with its up row in the matrix kernel (a GPU decode step: no activation dispatch).
    virtual void ffn_gate_up(Act in, const TensorInfo& norm, float eps, int n_tokens, const MatmulPart& gate,
                             const MatmulPart& up, FfnActivation act) {
        norm_matmul_parts(in, norm, eps, n_tokens, {gate, up});
        glu(act, size_t(n_tokens) * gate.n_out);
    }
    // Rotary position embedding of Q (n_head heads) and K (n_head_kv heads) for positions
    // pos0.., each head RMS-normalised first where head_norms has weights, then this batch's
    // rotated K and its V rows go into the layer's cache (F16).
    // Q is rotated in place; K afterwards is unspecified (only the cache is read). Each
    // layer's cache has kv_layer_rows() rows (runtime/kv_cache.h, from this shape and the
    // model): position p is row p % rows, a ring on sliding-window layers.
    virtual void rope_store_kv(int layer, int n_tokens, int pos0, const RopeTable& table, const HeadNorms& head_norms) = 0;
    // Att = softmax(S, causal, window) V over the cache, S = Q K^T * scale, each score capped
    // as softcap * tanh(S / softcap) when softcap > 0 (Gemma 2); window 0 = unlimited.
    virtual void attention(int layer, int n_tokens, int pos0, int window, float scale, float softcap) = 0;
    virtual void add(Act x, Act y, size_t n) = 0;  // x += y
    virtual void glu(FfnActivation act, size_t n) = 0;  // Gate = act(Gate) * Up
    virtual void softcap(Act x, size_t n, float cap) = 0;  // x = cap * tanh(x / cap)
    // Waits for the work so far and copies n floats of Logits to dst.
    virtual void read_logits(float* dst, size_t n) = 0;
    // For tests and debugging: wait for the work so far, then copy the first n floats of an
    // activation buffer to / from the host.
    virtual void read_act(Act a, float* dst, size_t n) = 0;
    virtual void write_act(Act a, const float* src, size_t n) = 0;
};

}  // namespace kinglet
