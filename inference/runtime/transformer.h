// The forward pass of a decoder-only transformer on the CPU: embeddings, then per
// layer RMSNorm -> attention (RoPE, grouped-query, KV cache) -> RMSNorm -> gated FFN,
// then the final norm and the output projection. Architecture differences (biases,
// per-head Q/K norms, fused projections, sandwich norms, sliding windows) are switches
// read from the model, not separate code paths.
#pragma once
#include <memory>
#include <vector>

#include "model/model.h"
#include "runtime/cpu_ops.h"
#include "runtime/kv_cache.h"
#include "runtime/thread_pool.h"

namespace kinglet {

class Transformer {
public:
    Transformer(const Model& model, int n_ctx, int n_threads);

    int n_ctx() const { return cache_.n_ctx(); }
    int n_threads() const { return pool_.size(); }
    size_t kv_bytes() const { return cache_.bytes(); }

    // Reads n tokens at positions pos0 .. pos0+n-1 (pos0 + n <= n_ctx) into the cache.
    // Writes n_vocab logits for the last token to `logits`, or for every token
    // (n x n_vocab) when all_logits is set.
    void forward(const TokenId* tokens, int n, int pos0, std::vector<float>& logits, bool all_logits);

private:
    void forward_chunk(const TokenId* tokens, int n, int pos0, std::vector<float>& logits, bool all_logits,
                       size_t logits_offset);
    void attention(int layer, int n, int pos0);
    void ensure_scratch(int n);

    const Model& model_;
    const Hparams& h_;
    ThreadPool pool_;
    KvCache cache_;
    MatMul matmul_;

    // Small tensors converted to float once.
    std::vector<float> output_norm_;
    struct LayerFloats { std::vector<float> attn_norm, ffn_norm, bq, bk, bv, q_norm, k_norm, post_attn_norm, post_ffn_norm; };
    std::vector<LayerFloats> layer_floats_;
    RopeTable rope_global_, rope_local_;

    // Scratch activations for up to `scratch_tokens_` tokens.
    int scratch_tokens_ = 0;
    std::vector<float> x_, xn_, q_, k_, v_, att_, gate_, up_, tmp_, scores_;
};

}  // namespace kinglet
