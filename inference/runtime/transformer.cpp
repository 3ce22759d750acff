#include "runtime/transformer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "runtime/kv_cache.h"
#include "util/error.h"

namespace kinglet {

Transformer::Transformer(const Model& model, int n_ctx, std::unique_ptr<Backend> backend)
    : model_(model), h_(model.hparams()), n_ctx_(n_ctx), backend_(std::move(backend)) {
    backend_->init(model, BackendShape{max_batch(), n_ctx});

    // Frequency factors: Llama 3 (rope_freqs) or Phi-3 LongRoPE (the long factors only
    // when the context is longer than the one the model was trained at).
    const ModelWeights& w = model.weights();
    std::vector<float> factors;
    float mscale = 1.0f;
    if (w.rope_freqs) {
        factors = tensor_to_floats(*w.rope_freqs);
    } else if (w.rope_factors_short || w.rope_factors_long) {
        const bool use_long = w.rope_factors_long && h_.rope_orig_ctx > 0 && n_ctx > h_.rope_orig_ctx;
        factors = tensor_to_floats(use_long || !w.rope_factors_short ? *w.rope_factors_long : *w.rope_factors_short);
        mscale = h_.rope_attn_factor;
    }
    const bool neox = h_.rope_style == RopeStyle::Neox;
    const float* ff = factors.empty() ? nullptr : factors.data();
    const YarnRamp yarn{h_.yarn_ext_factor, h_.yarn_beta_fast, h_.yarn_beta_slow, h_.rope_orig_ctx};
    rope_global_ = make_rope_table(h_.rope_dim, h_.rope_freq_base, h_.rope_freq_scale, ff, neox, mscale,
                                   h_.rope_yarn ? &yarn : nullptr);
    rope_local_ = make_rope_table(h_.rope_dim, h_.rope_freq_base_local, h_.rope_freq_scale_local, ff, neox, mscale);
}

int Transformer::batch_limit(const Backend& backend) {
    static const int forced = [] {
        const char* env = std::getenv("KINGLET_MAX_BATCH");
        const int v = env ? std::atoi(env) : 0;
        return v >= 16 && v <= 4096 ? v : 0;
    }();
    return forced ? forced : backend.preferred_batch();
}

int Transformer::kv_rows(int layer) const { return kv_layer_rows(h_, layer, n_ctx_, max_batch()); }

void Transformer::forward(const TokenId* tokens, int n, int pos0, std::vector<float>& logits, bool all_logits) {
    if (n <= 0) throw Error("nothing to evaluate");
    if (pos0 < 0 || pos0 + n > n_ctx_)
        throw Error("context is full: " + std::to_string(pos0 + n) + " tokens do not fit in a context of " +
                    std::to_string(n_ctx_));
    for (int i = 0; i < n; ++i)
        if (tokens[i] < 0 || tokens[i] >= h_.n_vocab)
            throw Error("token id " + std::to_string(tokens[i]) + " is outside the vocabulary");
    logits.resize(size_t(all_logits ? n : 1) * h_.n_vocab);
    const int batch = max_batch();
    for (int done = 0; done < n; done += batch) {
        const int m = std::min(batch, n - done);
        const bool wanted = all_logits || done + m == n;
        float* dest = wanted ? logits.data() + (all_logits ? size_t(done) * h_.n_vocab : 0) : nullptr;
        forward_batch(tokens + done, m, pos0 + done, dest, all_logits);
    }
}

void Transformer::forward_batch(const TokenId* tokens, int n, int pos0, float* logits, bool all_logits) {
    Backend& b = *backend_;
    const ModelWeights& w = model_.weights();

    b.embed(tokens, n, h_.embed_scale);
    for (int l = 0; l < h_.n_layer; ++l) {
        attention_block(l, n, pos0);
        ffn_block(l, n);
    }
    if (!logits) return;

    // Final norm and output projection, only for the rows whose logits are wanted, at most
    // BackendShape::logit_rows() at a time (the Logits buffer's rows).
    const int chunk = BackendShape{max_batch(), n_ctx_}.logit_rows();
    const MatmulPart head{w.output, 0, h_.n_vocab, Act::Logits, nullptr, 1.0f / h_.logit_scale};
    for (int first = all_logits ? 0 : n - 1; first < n; first += chunk) {
        const int rows = std::min(chunk, n - first);
        b.norm_matmul_parts(Act::X, *w.output_norm, h_.norm_eps, rows, {head}, first);
        if (h_.final_logit_softcap > 0) b.softcap(Act::Logits, size_t(rows) * h_.n_vocab, h_.final_logit_softcap);
        b.read_logits(logits, size_t(rows) * h_.n_vocab);
        logits += size_t(rows) * h_.n_vocab;
    }
}

void Transformer::attention_block(int l, int n, int pos0) {
    Backend& b = *backend_;
    const LayerWeights& lw = model_.weights().layers[l];
    const int Q = h_.q_dim(), KV = h_.kv_dim(), D = h_.head_dim;

    const MatmulPart q = lw.wqkv ? MatmulPart{lw.wqkv, 0, Q, Act::Q, lw.bq} : MatmulPart{lw.wq, 0, Q, Act::Q, lw.bq};
    const MatmulPart k = lw.wqkv ? MatmulPart{lw.wqkv, Q, KV, Act::K, lw.bk} : MatmulPart{lw.wk, 0, KV, Act::K, lw.bk};
    const MatmulPart v = lw.wqkv ? MatmulPart{lw.wqkv, Q + KV, KV, Act::V, lw.bv} : MatmulPart{lw.wv, 0, KV, Act::V, lw.bv};
    const bool local = h_.layer_is_local[l];
    // A table of no dimensions stores K and V without rotating anything (NoPE layers).
    const RopeTable& table = !h_.layer_uses_rope[l] ? rope_none_ : local ? rope_local_ : rope_global_;
    b.qkv_rope_store_kv(Act::X, *lw.attn_norm, h_.norm_eps, n, q, k, v, l, pos0, table,
                        {lw.q_norm, lw.k_norm, h_.norm_eps});
    const float scale = h_.attn_scale > 0 ? h_.attn_scale : 1.0f / std::sqrt(float(D));
    b.attention(l, n, pos0, local ? h_.sliding_window : 0, scale, h_.attn_logit_softcap);

    residual(lw.wo, Act::Att, lw.post_attn_norm, n);
}

// X += post_norm(W in) * residual_scale: the block's output joins the residual stream.
// Without a post-norm the matmul adds into X itself (no separate pass over the output).
void Transformer::residual(const TensorInfo* w, Act in, const TensorInfo* post_norm, int n) {
    Backend& b = *backend_;
    const int E = h_.n_embd;
    if (!post_norm) {
        b.matmul(*w, in, Act::X, n, 0, E, {nullptr, true, h_.residual_scale});
        return;
    }
    b.matmul(*w, in, Act::Tmp, n, 0, E);
    b.add_rmsnorm(Act::X, Act::Tmp, *post_norm, n, E, h_.norm_eps);
}

// down(act(gate(x)) * up(x)), gate and up either separate or fused in ffn_up.
void Transformer::ffn_block(int l, int n) {
    Backend& b = *backend_;
    const LayerWeights& lw = model_.weights().layers[l];
    const int F = h_.n_ff;

    const MatmulPart gate = lw.ffn_gate ? MatmulPart{lw.ffn_gate, 0, F, Act::Gate} : MatmulPart{lw.ffn_up, 0, F, Act::Gate};
    const MatmulPart up = lw.ffn_gate ? MatmulPart{lw.ffn_up, 0, F, Act::Up} : MatmulPart{lw.ffn_up, F, F, Act::Up};
    b.ffn_gate_up(Act::X, *lw.ffn_norm, h_.norm_eps, n, gate, up, h_.activation);
    residual(lw.ffn_down, Act::Gate, lw.post_ffn_norm, n);
}

}  // namespace kinglet
