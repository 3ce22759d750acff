#include "runtime/transformer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/quant.h"
#include "util/error.h"
#include "util/half.h"

namespace kinglet {
namespace {

constexpr int kMaxChunk = 256;  // prompt tokens processed together (bounds scratch memory)

std::vector<float> floats_or_empty(const TensorInfo* t) { return t ? tensor_to_floats(*t) : std::vector<float>{}; }

}  // namespace

Transformer::Transformer(const Model& model, int n_ctx, int n_threads)
    : model_(model), h_(model.hparams()), pool_(n_threads), cache_(h_.n_layer, n_ctx, h_.kv_dim()) {
    const ModelWeights& w = model.weights();
    output_norm_ = tensor_to_floats(*w.output_norm);
    layer_floats_.resize(h_.n_layer);
    for (int l = 0; l < h_.n_layer; ++l) {
        const LayerWeights& lw = w.layers[l];
        LayerFloats& f = layer_floats_[l];
        f.attn_norm = tensor_to_floats(*lw.attn_norm);
        f.ffn_norm = tensor_to_floats(*lw.ffn_norm);
        f.bq = floats_or_empty(lw.bq);
        f.bk = floats_or_empty(lw.bk);
        f.bv = floats_or_empty(lw.bv);
        f.q_norm = floats_or_empty(lw.q_norm);
        f.k_norm = floats_or_empty(lw.k_norm);
        f.post_attn_norm = floats_or_empty(lw.post_attn_norm);
        f.post_ffn_norm = floats_or_empty(lw.post_ffn_norm);
    }

    // Frequency factors: Llama 3 (rope_freqs) or Phi-3 LongRoPE (long factors only when
    // the context is longer than the one the model was trained at).
    std::vector<float> factors;
    float mscale = 1.0f;
    if (w.rope_freqs) {
        factors = tensor_to_floats(*w.rope_freqs);
    } else if (w.rope_factors_short || w.rope_factors_long) {
        const bool use_long = w.rope_factors_long && h_.rope_orig_ctx > 0 && n_ctx > h_.rope_orig_ctx;
        factors = tensor_to_floats(use_long ? *w.rope_factors_long : *w.rope_factors_short);
        mscale = h_.rope_attn_factor;
    }
    const bool neox = h_.rope_style == RopeStyle::Neox;
    const float* ff = factors.empty() ? nullptr : factors.data();
    rope_global_ = make_rope_table(h_.rope_dim, h_.rope_freq_base, h_.rope_freq_scale, ff, neox, mscale);
    rope_local_ = make_rope_table(h_.rope_dim, h_.rope_freq_base_local, h_.rope_freq_scale, ff, neox, mscale);
}

void Transformer::ensure_scratch(int n) {
    if (n <= scratch_tokens_) return;
    scratch_tokens_ = n;
    const size_t E = h_.n_embd;
    x_.resize(n * E);
    xn_.resize(n * E);
    tmp_.resize(n * E);
    q_.resize(size_t(n) * h_.q_dim());
    k_.resize(size_t(n) * h_.kv_dim());
    v_.resize(size_t(n) * h_.v_dim());
    att_.resize(size_t(n) * h_.n_head * h_.head_dim_v);
    gate_.resize(size_t(n) * h_.n_ff);
    up_.resize(size_t(n) * h_.n_ff);
    scores_.resize(size_t(pool_.size()) * cache_.n_ctx());
}

void Transformer::forward(const TokenId* tokens, int n, int pos0, std::vector<float>& logits, bool all_logits) {
    if (n <= 0) throw Error("nothing to evaluate");
    if (pos0 < 0 || pos0 + n > cache_.n_ctx())
        throw Error("context is full: " + std::to_string(pos0 + n) + " tokens do not fit in a context of " +
                    std::to_string(cache_.n_ctx()));
    for (int i = 0; i < n; ++i)
        if (tokens[i] < 0 || tokens[i] >= h_.n_vocab)
            throw Error("token id " + std::to_string(tokens[i]) + " is outside the vocabulary");
    logits.resize(size_t(all_logits ? n : 1) * h_.n_vocab);
    for (int done = 0; done < n; done += kMaxChunk) {
        const int m = std::min(kMaxChunk, n - done);
        const bool last_chunk = done + m == n;
        if (!all_logits && !last_chunk) {
            std::vector<float> unused;
            forward_chunk(tokens + done, m, pos0 + done, unused, false, 0);
            continue;
        }
        forward_chunk(tokens + done, m, pos0 + done, logits, all_logits, all_logits ? size_t(done) * h_.n_vocab : 0);
    }
}

void Transformer::forward_chunk(const TokenId* tokens, int n, int pos0, std::vector<float>& logits, bool all_logits,
                                size_t logits_offset) {
    ensure_scratch(n);
    const ModelWeights& w = model_.weights();
    const int E = h_.n_embd, Q = h_.q_dim(), KV = h_.kv_dim(), F = h_.n_ff, D = h_.head_dim;
    const bool have_logits_dest = !logits.empty();

    // Token embeddings.
    const size_t emb_row = row_bytes(w.token_embd->type, E);
    for (int t = 0; t < n; ++t) {
        dequantize_row(w.token_embd->type, w.token_embd->data + size_t(tokens[t]) * emb_row, &x_[size_t(t) * E], E);
        if (h_.embed_scale_sqrt_dim)
            for (int i = 0; i < E; ++i) x_[size_t(t) * E + i] *= std::sqrt(float(E));
    }

    for (int l = 0; l < h_.n_layer; ++l) {
        const LayerWeights& lw = w.layers[l];
        const LayerFloats& lf = layer_floats_[l];

        // Attention block.
        for (int t = 0; t < n; ++t) rmsnorm(&xn_[size_t(t) * E], &x_[size_t(t) * E], lf.attn_norm.data(), E, h_.norm_eps);
        if (lw.wqkv) {
            matmul_(pool_, *lw.wqkv, xn_.data(), n, q_.data(), 0, Q);
            matmul_(pool_, *lw.wqkv, xn_.data(), n, k_.data(), Q, KV);
            matmul_(pool_, *lw.wqkv, xn_.data(), n, v_.data(), Q + KV, KV);
        } else {
            matmul_(pool_, *lw.wq, xn_.data(), n, q_.data());
            matmul_(pool_, *lw.wk, xn_.data(), n, k_.data());
            matmul_(pool_, *lw.wv, xn_.data(), n, v_.data());
        }
        const RopeTable& rope_table = h_.layer_is_local[l] ? rope_local_ : rope_global_;
        for (int t = 0; t < n; ++t) {
            float* q = &q_[size_t(t) * Q];
            float* k = &k_[size_t(t) * KV];
            float* v = &v_[size_t(t) * KV];
            if (!lf.bq.empty()) add(q, lf.bq.data(), Q);
            if (!lf.bk.empty()) add(k, lf.bk.data(), KV);
            if (!lf.bv.empty()) add(v, lf.bv.data(), KV);
            if (!lf.q_norm.empty())
                for (int hd = 0; hd < h_.n_head; ++hd) rmsnorm(q + hd * D, q + hd * D, lf.q_norm.data(), D, h_.norm_eps);
            if (!lf.k_norm.empty())
                for (int hd = 0; hd < h_.n_head_kv; ++hd) rmsnorm(k + hd * D, k + hd * D, lf.k_norm.data(), D, h_.norm_eps);
            rope(q, h_.n_head, D, pos0 + t, rope_table);
            rope(k, h_.n_head_kv, D, pos0 + t, rope_table);
            uint16_t* kc = cache_.k(l, pos0 + t);
            uint16_t* vc = cache_.v(l, pos0 + t);
            for (int i = 0; i < KV; ++i) {
                kc[i] = fp32_to_fp16(k[i]);
                vc[i] = fp32_to_fp16(v[i]);
            }
        }
        attention(l, n, pos0);
        matmul_(pool_, *lw.wo, att_.data(), n, tmp_.data());
        if (!lf.post_attn_norm.empty())
            for (int t = 0; t < n; ++t)
                rmsnorm(&tmp_[size_t(t) * E], &tmp_[size_t(t) * E], lf.post_attn_norm.data(), E, h_.norm_eps);
        add(x_.data(), tmp_.data(), n * E);

        // Feed-forward block: down(act(gate(x)) * up(x)).
        for (int t = 0; t < n; ++t) rmsnorm(&xn_[size_t(t) * E], &x_[size_t(t) * E], lf.ffn_norm.data(), E, h_.norm_eps);
        if (lw.ffn_gate) {
            matmul_(pool_, *lw.ffn_gate, xn_.data(), n, gate_.data());
            matmul_(pool_, *lw.ffn_up, xn_.data(), n, up_.data());
        } else {  // fused gate|up
            matmul_(pool_, *lw.ffn_up, xn_.data(), n, gate_.data(), 0, F);
            matmul_(pool_, *lw.ffn_up, xn_.data(), n, up_.data(), F, F);
        }
        if (h_.activation == FfnActivation::Gelu) gelu_mul(gate_.data(), up_.data(), n * F);
        else silu_mul(gate_.data(), up_.data(), n * F);
        matmul_(pool_, *lw.ffn_down, gate_.data(), n, tmp_.data());
        if (!lf.post_ffn_norm.empty())
            for (int t = 0; t < n; ++t)
                rmsnorm(&tmp_[size_t(t) * E], &tmp_[size_t(t) * E], lf.post_ffn_norm.data(), E, h_.norm_eps);
        add(x_.data(), tmp_.data(), n * E);
    }

    if (!have_logits_dest) return;
    // Final norm and output projection, only for the rows whose logits are wanted.
    const int first = all_logits ? 0 : n - 1;
    const int rows = n - first;
    for (int t = first; t < n; ++t)
        rmsnorm(&xn_[size_t(t - first) * E], &x_[size_t(t) * E], output_norm_.data(), E, h_.norm_eps);
    float* out = logits.data() + logits_offset;
    matmul_(pool_, *w.output, xn_.data(), rows, out);
    if (h_.final_logit_softcap > 0) {
        const float c = h_.final_logit_softcap;
        for (size_t i = 0; i < size_t(rows) * h_.n_vocab; ++i) out[i] = c * std::tanh(out[i] / c);
    }
}

// Causal (and, on local layers, sliding-window) attention of the n new tokens over
// the cache, one (token, head) pair per work item.
void Transformer::attention(int layer, int n, int pos0) {
    const int D = h_.head_dim, KV = h_.kv_dim(), Q = h_.q_dim();
    const int group = h_.n_head / h_.n_head_kv;
    const float scale = h_.attn_scale > 0 ? h_.attn_scale : 1.0f / std::sqrt(float(D));
    const int window = h_.layer_is_local[layer] ? h_.sliding_window : 0;
    const int n_ctx = cache_.n_ctx();
    pool_.run([&](int thread, int n_threads) {
        float* scores = &scores_[size_t(thread) * n_ctx];
        std::vector<float> acc(D);
        for (int item = thread; item < n * h_.n_head; item += n_threads) {
            const int t = item / h_.n_head, head = item % h_.n_head;
            const int pos = pos0 + t;
            const int kv_head = head / group;
            const int start = window > 0 ? std::max(0, pos - window + 1) : 0;
            const float* q = &q_[size_t(t) * Q + head * D];
            for (int j = start; j <= pos; ++j) {
                const uint16_t* k = cache_.k(layer, j) + kv_head * D;
                float s = 0.0f;
                for (int i = 0; i < D; ++i) s += q[i] * fp16_to_fp32(k[i]);
                scores[j - start] = s * scale;
            }
            const int len = pos - start + 1;
            softmax(scores, len);
            std::fill(acc.begin(), acc.end(), 0.0f);
            for (int j = start; j <= pos; ++j) {
                const uint16_t* v = cache_.v(layer, j) + kv_head * D;
                const float p = scores[j - start];
                for (int i = 0; i < D; ++i) acc[i] += p * fp16_to_fp32(v[i]);
            }
            std::copy(acc.begin(), acc.end(), &att_[size_t(t) * h_.n_head * D + head * D]);
            (void)KV;
        }
    });
}

}  // namespace kinglet
