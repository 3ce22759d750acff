#include "runtime/cpu_backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/cpu_features.h"
#include "quant/quant.h"
#include "util/half.h"

namespace kinglet {

CpuBackend::CpuBackend(int n_threads) : pool_(n_threads) {}

std::string CpuBackend::name() const { return "CPU (" + simd_level_name(simd_level()) + ")"; }

void CpuBackend::init(const Model& model, const BackendShape& shape) {
    model_ = &model;
    const Hparams& h = model.hparams();
    const size_t T = shape.max_tokens;
    cache_ = std::make_unique<KvCache>(h.n_layer, shape.n_ctx, h.kv_dim());
    auto size = [&](Act a, size_t n) { bufs_[static_cast<int>(a)].assign(n, 0.0f); };
    size(Act::X, T * h.n_embd);
    size(Act::XN, T * std::max(h.n_embd, h.q_dim()));
    size(Act::Tmp, T * h.n_embd);
    size(Act::Q, T * h.q_dim());
    size(Act::K, T * h.kv_dim());
    size(Act::V, T * h.v_dim());
    size(Act::Att, T * h.n_head * h.head_dim_v);
    size(Act::Gate, T * h.n_ff);
    size(Act::Up, T * h.n_ff);
    size(Act::Logits, T * size_t(h.n_vocab));
    scores_.assign(size_t(pool_.size()) * shape.n_ctx, 0.0f);
}

const std::vector<float>& CpuBackend::floats_of(const TensorInfo& t) {
    auto it = small_tensors_.find(&t);
    if (it == small_tensors_.end()) it = small_tensors_.emplace(&t, tensor_to_floats(t)).first;
    return it->second;
}

void CpuBackend::embed(const TokenId* tokens, int n_tokens, float scale) {
    const TensorInfo& emb = *model_->weights().token_embd;
    const int E = int(emb.ne[0]);
    const size_t rb = row_bytes(emb.type, E);
    float* x = buf(Act::X);
    for (int t = 0; t < n_tokens; ++t) {
        dequantize_row(emb.type, emb.data + size_t(tokens[t]) * rb, x + size_t(t) * E, E);
        if (scale != 1.0f)
            for (int i = 0; i < E; ++i) x[size_t(t) * E + i] *= scale;
    }
}

void CpuBackend::rmsnorm(Act out, Act in, const TensorInfo& w, int n_rows, int row_len, float eps, int in_row0) {
    const float* weight = floats_of(w).data();
    float* o = buf(out);
    const float* x = buf(in) + size_t(in_row0) * row_len;
    for (int r = 0; r < n_rows; ++r) kinglet::rmsnorm(o + size_t(r) * row_len, x + size_t(r) * row_len, weight, row_len, eps);
}

void CpuBackend::matmul(const TensorInfo& w, Act in, Act out, int n_tokens, int64_t row0, int64_t n_out) {
    matmul_(pool_, w, buf(in), n_tokens, buf(out), row0, n_out);
}

void CpuBackend::add_bias(Act x, const TensorInfo& bias, int n_tokens) {
    const auto& b = floats_of(bias);
    float* v = buf(x);
    for (int t = 0; t < n_tokens; ++t) kinglet::add(v + t * b.size(), b.data(), int(b.size()));
}

void CpuBackend::rope(Act x, int n_tokens, int n_heads, int head_dim, int pos0, const RopeTable& table) {
    float* v = buf(x);
    for (int t = 0; t < n_tokens; ++t) kinglet::rope(v + size_t(t) * n_heads * head_dim, n_heads, head_dim, pos0 + t, table);
}

void CpuBackend::store_kv(int layer, int n_tokens, int pos0) {
    const int KV = model_->hparams().kv_dim();
    const float* k = buf(Act::K);
    const float* v = buf(Act::V);
    for (int t = 0; t < n_tokens; ++t) {
        uint16_t* kc = cache_->k(layer, pos0 + t);
        uint16_t* vc = cache_->v(layer, pos0 + t);
        for (int i = 0; i < KV; ++i) {
            kc[i] = fp32_to_fp16(k[size_t(t) * KV + i]);
            vc[i] = fp32_to_fp16(v[size_t(t) * KV + i]);
        }
    }
}

// One (token, head) pair per work item: scores over the visible cache rows, softmax,
// then the weighted sum of values.
void CpuBackend::attention(int layer, int n_tokens, int pos0, int window, float scale) {
    const Hparams& h = model_->hparams();
    const int D = h.head_dim, Q = h.q_dim();
    const int group = h.n_head / h.n_head_kv;
    const int n_ctx = cache_->n_ctx();
    const float* qbuf = buf(Act::Q);
    float* att = buf(Act::Att);
    pool_.run([&](int thread, int n_threads) {
        float* scores = &scores_[size_t(thread) * n_ctx];
        std::vector<float> acc(D), q(D);
        for (int item = thread; item < n_tokens * h.n_head; item += n_threads) {
            const int t = item / h.n_head, head = item % h.n_head;
            const int pos = pos0 + t;
            const int kv_head = head / group;
            const int start = window > 0 ? std::max(0, pos - window + 1) : 0;
            std::copy_n(qbuf + size_t(t) * Q + head * D, D, q.data());
            for (int j = start; j <= pos; ++j) {
                const uint16_t* k = cache_->k(layer, j) + kv_head * D;
                float s = 0.0f;
                for (int i = 0; i < D; ++i) s += q[i] * fp16_to_fp32(k[i]);
                scores[j - start] = s * scale;
            }
            kinglet::softmax(scores, pos - start + 1);
            std::fill(acc.begin(), acc.end(), 0.0f);
            for (int j = start; j <= pos; ++j) {
                const uint16_t* v = cache_->v(layer, j) + kv_head * D;
                const float p = scores[j - start];
                for (int i = 0; i < D; ++i) acc[i] += p * fp16_to_fp32(v[i]);
            }
            std::copy(acc.begin(), acc.end(), att + size_t(t) * h.n_head * D + head * D);
        }
    });
}

void CpuBackend::add(Act x, Act y, size_t n) { kinglet::add(buf(x), buf(y), int(n)); }

void CpuBackend::glu(FfnActivation act, size_t n) {
    if (act == FfnActivation::Gelu) gelu_mul(buf(Act::Gate), buf(Act::Up), int(n));
    else silu_mul(buf(Act::Gate), buf(Act::Up), int(n));
}

void CpuBackend::softcap(Act x, size_t n, float cap) {
    float* v = buf(x);
    for (size_t i = 0; i < n; ++i) v[i] = cap * std::tanh(v[i] / cap);
}

void CpuBackend::read_logits(float* dst, size_t n) { std::copy_n(buf(Act::Logits), n, dst); }

}  // namespace kinglet
