// The forward pass of a decoder-only transformer, written once against Backend:
// embeddings, then per layer RMSNorm -> attention (RoPE, grouped-query, KV cache) ->
// RMSNorm -> gated FFN, then the final norm and the output projection. Architecture
// differences (biases, per-head Q/K norms, fused projections, sandwich norms, sliding
// windows, soft-capping) are switches read from the model, not separate code paths.
#pragma once
#include <algorithm>
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
    // Tokens fed to the backend at once, and the cache rows of a layer (kv_cache.h): a
    // sliding-window layer's ring holds only the latest kv_rows(layer) positions.
    int max_batch() const { return std::min(batch_limit(*backend_), n_ctx_); }
    int kv_rows(int layer) const;

    // Reads n tokens at positions pos0 .. pos0+n-1 (pos0 + n <= n_ctx) into the cache.
    // Writes n_vocab logits for the last token to `logits`, or for every token
    // (n x n_vocab) when all_logits is set. A sliding-window layer reads positions back to
    // pos0 - window + 1 from its ring, so they must not have been overwritten since they
    // were stored (Session::keep_common_prefix keeps rewinds within that).
    void forward(const TokenId* tokens, int n, int pos0, std::vector<float>& logits, bool all_logits);

    // Prompt tokens processed together (bounds buffer memory): the backend's preferred batch
    // (256 on the CPU, 512 on Vulkan), or KINGLET_MAX_BATCH (16 ... 4096, read once) for
    // speed comparisons (bench/ab.sh --env-b).
    static int batch_limit(const Backend& backend);

private:
    void forward_batch(const TokenId* tokens, int n, int pos0, float* logits, bool all_logits);
    void attention_block(int layer, int n, int pos0);
    void ffn_block(int layer, int n);
    void residual(const TensorInfo* w, Act in, const TensorInfo* post_norm, int n);

    const Model& model_;
    const Hparams& h_;
    int n_ctx_;
    std::unique_ptr<Backend> backend_;
    RopeTable rope_global_, rope_local_, rope_none_;
};

}  // namespace kinglet
