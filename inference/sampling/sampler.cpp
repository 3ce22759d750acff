#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "util/error.h"

namespace kinglet {

namespace {

// A NaN can never win, +infinity counts as the largest finite score. NaN would break the
// ordering that sorting needs (undefined behaviour, a crash in practice).
float usable(float logit) {
    if (std::isnan(logit)) return -std::numeric_limits<float>::infinity();
    return std::min(logit, std::numeric_limits<float>::max());
}

[[noreturn]] void no_usable_logits() {
    throw Error("the model's output has no usable score (every logit is NaN or -infinity); the model file may be damaged");
}

}  // namespace

TokenId argmax(std::span<const float> logits) {
    TokenId best = -1;
    float best_logit = -std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < logits.size(); ++i) {
        const float l = usable(logits[i]);
        if (best < 0 || l > best_logit) {
            best = TokenId(i);
            best_logit = l;
        }
    }
    if (best < 0 || best_logit == -std::numeric_limits<float>::infinity()) no_usable_logits();
    return best;
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}

TokenId Sampler::sample(std::span<const float> logits, std::span<const TokenId> history) {
    candidates_.resize(logits.size());
    bool any_usable = false;
    for (size_t i = 0; i < logits.size(); ++i) {
        candidates_[i] = {TokenId(i), usable(logits[i]), 0.0f};
        any_usable |= candidates_[i].logit > -std::numeric_limits<float>::infinity();
    }
    if (!any_usable) no_usable_logits();

    // Repetition penalty (CTRL-style): shrink the logits of recently used tokens.
    if (params_.repeat_penalty != 1.0f && params_.repeat_last_n > 0) {
        const size_t n = std::min(history.size(), size_t(params_.repeat_last_n));
        std::unordered_set<TokenId> recent(history.end() - n, history.end());
        for (TokenId id : recent) {
            if (id < 0 || size_t(id) >= candidates_.size()) continue;
            float& l = candidates_[id].logit;
            l = l > 0 ? l / params_.repeat_penalty : l * params_.repeat_penalty;
        }
    }

    auto by_logit = [](const Candidate& a, const Candidate& b) {
        return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    };
    if (params_.temperature <= 0.0f)
        return std::min_element(candidates_.begin(), candidates_.end(), by_logit)->id;

    size_t n = candidates_.size();
    if (params_.top_k > 0 && size_t(params_.top_k) < n) {
        std::partial_sort(candidates_.begin(), candidates_.begin() + params_.top_k, candidates_.end(), by_logit);
        n = params_.top_k;
    } else {
        std::sort(candidates_.begin(), candidates_.end(), by_logit);
    }

    // Softmax at the temperature over the survivors (sorted best first).
    const float max = candidates_[0].logit;
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        candidates_[i].p = std::exp((candidates_[i].logit - max) / params_.temperature);
        sum += candidates_[i].p;
    }
    for (size_t i = 0; i < n; ++i) candidates_[i].p = float(candidates_[i].p / sum);

    if (params_.top_p < 1.0f) {  // smallest prefix whose mass reaches top_p
        double mass = 0.0;
        size_t keep = n;
        for (size_t i = 0; i < n; ++i) {
            mass += candidates_[i].p;
            if (mass >= params_.top_p) {
                keep = i + 1;
                break;
            }
        }
        n = std::max<size_t>(1, keep);
    }
    if (params_.min_p > 0.0f) {  // drop tokens far less likely than the best one
        const float floor = candidates_[0].p * params_.min_p;
        size_t keep = 1;
        while (keep < n && candidates_[keep].p >= floor) ++keep;
        n = keep;
    }

    double total = 0.0;
    for (size_t i = 0; i < n; ++i) total += candidates_[i].p;
    // 53 random bits -> uniform double in [0, 1), independent of the standard library.
    const double u = double(rng_() >> 11) * (1.0 / 9007199254740992.0) * total;
    double acc = 0.0;
    for (size_t i = 0; i < n; ++i) {
        acc += candidates_[i].p;
        if (u < acc) return candidates_[i].id;
    }
    return candidates_[n - 1].id;
}

}  // namespace kinglet
