// One conversation's state on a model: the KV cache and the tokens it holds. Keeping
// the session between chat turns means a follow-up only processes the new tokens.
#pragma once
#include <memory>
#include <vector>

#include "model/model.h"
#include <string>

#include "runtime/transformer.h"

namespace kinglet {

struct SessionOptions {
    int n_ctx = 0;      // 0: the model's training context, capped at kDefaultMaxContext
    int n_threads = 0;  // 0: all cores
    std::string backend = "auto";  // "auto", "cpu" or "vulkan" (see backend_select.h)
    std::string device;            // Vulkan device index or name substring
    static constexpr int kDefaultMaxContext = 4096;
};

class Session {
public:
    Session(const Model& model, const SessionOptions& options = {});

    const Model& model() const { return model_; }
    int n_ctx() const { return transformer_->n_ctx(); }
    int n_threads() const { return transformer_->backend().n_threads(); }
    int max_batch() const { return transformer_->max_batch(); }  // prompt tokens evaluated at once
    std::string backend_name() const { return transformer_->backend().name(); }
    // Why a GPU is not used (empty when it is, or when the CPU was asked for). Also set when
    // the GPU stops working mid-run and the session goes on on the CPU (see eval).
    const std::string& backend_note() const { return backend_note_; }
    int n_past() const { return static_cast<int>(tokens_.size()); }
    const std::vector<TokenId>& tokens() const { return tokens_; }
    size_t kv_bytes() const { return transformer_->backend().kv_bytes(); }

    // Appends tokens to the context and returns the logits after the last one.
    // Throws kinglet::Error when they do not fit. When the GPU is lost (DeviceLost) and the
    // backend was chosen automatically, the session moves to the CPU, evaluates its context
    // again and goes on; with the GPU asked for by name the error reaches the caller.
    const std::vector<float>& eval(const std::vector<TokenId>& tokens);
    // Appends tokens and returns the logits after each of them (tokens.size() x n_vocab).
    std::vector<float> eval_all(const std::vector<TokenId>& tokens);

    // Prompt cache: keeps the longest prefix of the cached tokens that `prompt` starts
    // with (at most prompt.size() - 1, so the last prompt token is always evaluated and
    // yields fresh logits) and forgets the rest. Returns how many tokens were kept: 0 when
    // a sliding-window layer's ring no longer holds the window before the prefix.
    int keep_common_prefix(const std::vector<TokenId>& prompt);
    void clear() {
        tokens_.clear();
        high_water_ = 0;
    }

private:
    const Model& model_;
    SessionOptions options_;
    std::unique_ptr<Transformer> transformer_;
    std::string backend_note_;
    std::vector<TokenId> tokens_;
    int high_water_ = 0;  // most positions written to the cache since it was last empty
    std::vector<float> logits_;

    bool ring_holds_window_before(int pos) const;
    void forward(const std::vector<TokenId>& tokens, std::vector<float>& logits, bool all_logits);
};

}  // namespace kinglet
