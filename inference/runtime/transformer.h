// The forward pass of a decoder-only transformer, written once against Backend:
// embeddings, then per layer RMSNorm -> attention (RoPE, grouped-query, KV cache) ->
// RMSNorm -> gated FFN, then the final norm and the output projection. Architecture
// differences (biases, per-head Q/K norms, fused projections, sandwich norms, sliding
// windows, soft-capping) are switches read from the model, not separate code paths.
#pragma once
#include <memory>
#include <vector>

#include "model/model.h"
#include "runtime/backend.h"

namespace kinglet {

class Transformer {
public:
    // Takes a backend that has not been initialised yet.
    Transformer(const Model& model, int n_ctx, std::unique_ptr<Backend> backend);

    int n_ctx() const { return n_ctx_; }
    const Backend& backend() const { return *backend_; }

    // Reads n tokens at positions pos0 .. pos0+n-1 (pos0 + n <= n_ctx) into the cache.
    // Writes n_vocab logits for the last token to `logits`, or for every token
    // (n x n_vocab) when all_logits is set.
    void forward(const TokenId* tokens, int n, int pos0, std::vector<float>& logits, bool all_logits);

    static constexpr int kMaxBatch = 256;  // prompt tokens processed together (bounds buffer memory)

private:
    void forward_batch(const TokenId* tokens, int n, int pos0, float* logits, bool all_logits);
    void attention_block(int layer, int n, int pos0);
    void ffn_block(int layer, int n);

    const Model& model_;
    const Hparams& h_;
    int n_ctx_;
    std::unique_ptr<Backend> backend_;
    RopeTable rope_global_, rope_local_;
};

}  // namespace kinglet
