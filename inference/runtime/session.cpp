#include "runtime/session.h"

#include <algorithm>

#include "runtime/backend_select.h"
#include "util/error.h"

namespace kinglet {
namespace {

int choose_context(const Model& model, int requested) {
    const int train = model.hparams().n_ctx_train;
    if (requested < 0) throw Error("context size must be positive");
    if (requested == 0) return std::min(train, SessionOptions::kDefaultMaxContext);
    return std::min(requested, std::max(train, 1));
}

}  // namespace

Session::Session(const Model& model, const SessionOptions& options) : model_(model), options_(options) {
    BackendChoice choice = create_transformer(model, choose_context(model, options.n_ctx),
                                              BackendRequest{options.backend, options.device, options.n_threads});
    transformer_ = std::move(choice.transformer);
    backend_note_ = std::move(choice.note);
}

const std::vector<float>& Session::eval(const std::vector<TokenId>& tokens) {
    if (tokens.empty()) throw Error("nothing to evaluate");
    if (n_past() + tokens.size() > size_t(n_ctx()))
        throw Error("context is full: " + std::to_string(n_past() + tokens.size()) +
                    " tokens do not fit in a context of " + std::to_string(n_ctx()));
    high_water_ = std::max(high_water_, n_past() + int(tokens.size()));
    forward(tokens, logits_, false);
    tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());
    return logits_;
}

std::vector<float> Session::eval_all(const std::vector<TokenId>& tokens) {
    if (tokens.empty()) throw Error("nothing to evaluate");
    if (n_past() + tokens.size() > size_t(n_ctx()))
        throw Error("context is full: " + std::to_string(n_past() + tokens.size()) +
                    " tokens do not fit in a context of " + std::to_string(n_ctx()));
    std::vector<float> all;
    high_water_ = std::max(high_water_, n_past() + int(tokens.size()));
    forward(tokens, all, true);
    tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());
    logits_.assign(all.end() - model_.hparams().n_vocab, all.end());
    return all;
}

// The new tokens at n_past(). A lost GPU takes the cache with it: a session that chose the
// GPU by itself rebuilds on the CPU, evaluates the context it held again and then the new
// tokens, so the conversation goes on (slower) instead of failing.
void Session::forward(const std::vector<TokenId>& tokens, std::vector<float>& logits, bool all_logits) {
    try {
        transformer_->forward(tokens.data(), int(tokens.size()), n_past(), logits, all_logits);
        return;
    } catch (const DeviceLost& e) {
        if (options_.backend == "vulkan")  // asked for by name: the caller decides
            throw DeviceLost(std::string(e.what()) + "; the GPU stopped working, choose the CPU backend to go on");
        backend_note_ = std::string("the GPU stopped working, now running on the CPU (") + e.what() + ")";
    }
    transformer_ = create_transformer(model_, n_ctx(), BackendRequest{"cpu", "", options_.n_threads}).transformer;
    std::vector<float> context_logits;
    if (!tokens_.empty()) transformer_->forward(tokens_.data(), n_past(), 0, context_logits, false);
    high_water_ = n_past() + int(tokens.size());
    transformer_->forward(tokens.data(), int(tokens.size()), n_past(), logits, all_logits);
}

int Session::keep_common_prefix(const std::vector<TokenId>& prompt) {
    size_t limit = prompt.empty() ? 0 : std::min(tokens_.size(), prompt.size() - 1);
    size_t keep = 0;
    while (keep < limit && tokens_[keep] == prompt[keep]) ++keep;
    if (!ring_holds_window_before(int(keep))) keep = 0;
    tokens_.resize(keep);  // the cache rows past `keep` are simply overwritten later
    if (keep == 0) high_water_ = 0;
    return static_cast<int>(keep);
}

// The one rewind rule for sliding-window rings (kv_cache.h). A local layer's ring of R rows
// keeps position j until position j + R is written; positions are written in order and
// never past high_water_, so every j >= high_water_ - R is still there. Continuing at `pos`
// reads pos - window + 1 .. pos - 1 on that layer: when the oldest of them may have been
// overwritten, the kept prefix is useless and the caller recomputes from position 0.
// (Global layers, and local ones whose ring spans the whole context, always pass.)
bool Session::ring_holds_window_before(int pos) const {
    if (pos == 0) return true;
    const Hparams& h = model_.hparams();
    const int oldest = std::max(0, pos - h.sliding_window + 1);
    for (int l = 0; l < h.n_layer; ++l)
        if (h.layer_is_local[size_t(l)] && oldest < high_water_ - transformer_->kv_rows(l)) return false;
    return true;
}

}  // namespace kinglet
