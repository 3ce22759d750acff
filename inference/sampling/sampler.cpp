#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "util/error.h"

namespace kinglet {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kMaxFinite = std::numeric_limits<float>::max();

// A NaN can never win, +infinity counts as the largest finite score. NaN would break the
// ordering that sorting needs (undefined behaviour, a crash in practice).
float usable(float logit) {
    if (std::isnan(logit)) return -std::numeric_limits<float>::infinity();
    return std::min(logit, std::numeric_limits<float>::max());
}

// A token's softmax weight, exp((logit - max) / temperature), computed in float by this one
// expression wherever it is summed, so that every sum sees the same values. Below kZeroBelow
// the argument gives exactly 0 in float, so such tokens can be skipped.
float weight(float logit, float max, float temperature) { return std::exp((logit - max) / temperature); }
constexpr float kZeroBelow = -104.0f;

[[noreturn]] void no_usable_logits() {
    throw Error("the model's output has no usable score (every logit is NaN or -infinity); the model file may be damaged");
}

}  // namespace

// Blocks of 64 whose scores cannot beat the best so far are skipped after one OR of
// comparisons (vectorised; NaN compares false); a block that can is scanned in order, so the
// lowest id wins a tie. A 150k vocabulary took 0.4 ms a token one score at a time, which a
// GPU generating a token every 2 ms then waited for.
TokenId argmax(std::span<const float> logits) {
    TokenId best = -1;
    float best_logit = -kInf;
    const float* v = logits.data();
    const size_t n = logits.size();
    for (size_t b = 0; b < n; b += 64) {
        const size_t e = std::min(n, b + 64);
        int any_better = 0;
        for (size_t i = b; i < e; ++i) any_better |= int(v[i] > best_logit);
        if (!any_better) continue;
        for (size_t i = b; i < e; ++i) {
            const float l = usable(v[i]);
            if (l > best_logit) {
                best = TokenId(i);
                best_logit = l;
            }
        }
    }
    if (best < 0) no_usable_logits();
    return best;
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}

// The k best of the scores, best first, in one pass: a heap of the best so far whose top is
// the worst of them. A block of 64 scores whose largest cannot beat that worst one is skipped
// (a later id loses a tie), so a 150k vocabulary costs about one vectorised comparison a score.
void Sampler::top_k_candidates(size_t k) {
    candidates_.clear();
    candidates_.reserve(k);
    const size_t n = scores_.size();
    for (size_t b = 0; b < n; b += 64) {
        const size_t e = std::min(n, b + 64);
        if (candidates_.size() == k) {
            const float worst = candidates_.front().logit;
            int any_better = 0;  // an OR of comparisons: vectorised
            for (size_t i = b; i < e; ++i) any_better |= int(scores_[i] > worst);
            if (!any_better) continue;
        }
        for (size_t i = b; i < e; ++i) {
            const Candidate c{TokenId(i), scores_[i], 0.0f};
            if (candidates_.size() < k) {
                candidates_.push_back(c);
                std::push_heap(candidates_.begin(), candidates_.end(), better);
            } else if (better(c, candidates_.front())) {
                std::pop_heap(candidates_.begin(), candidates_.end(), better);
                candidates_.back() = c;
                std::push_heap(candidates_.begin(), candidates_.end(), better);
            }
        }
    }
    std::sort(candidates_.begin(), candidates_.end(), better);
    rest_weight_ = 0.0;  // the softmax is over the k alone
}

// Without top-k the softmax is over every token, but top-p and min-p keep only a prefix of
// them, best first. Sorting a 150k vocabulary for that took 16 ms a token. Instead: the tokens
// whose logit reaches a threshold (a prefix of the sorted order), sorted, and the other
// tokens' summed weight; the threshold is lowered until the prefix surely holds every
// survivor (one pass with min-p; rarely more than one with top-p alone).
void Sampler::prefix_candidates() {
    const double T = params_.temperature, inf = std::numeric_limits<double>::infinity();
    const float max = *std::max_element(scores_.begin(), scores_.end());
    const bool top_p = params_.top_p < 1.0f, min_p = params_.min_p > 0.0f;
    // Min-p drops the tokens below max + T ln(min_p); 0.01 of margin covers float rounding.
    const double min_p_floor = min_p ? max + T * (std::log(double(params_.min_p)) - 0.01) : -inf;
    for (double log_ratio : {-7.0, -18.0, -46.0, -inf}) {
        double threshold = top_p || min_p ? max + T * log_ratio : -inf;
        const bool complete = threshold <= min_p_floor || threshold == -inf;
        threshold = std::max(threshold, min_p_floor);
        candidates_.clear();
        rest_weight_ = 0.0;
        for (size_t i = 0; i < scores_.size(); ++i) {
            const float l = scores_[i];
            if (l >= threshold) candidates_.push_back({TokenId(i), l, 0.0f});
            else if ((l - max) / params_.temperature >= kZeroBelow) rest_weight_ += weight(l, max, params_.temperature);
        }
        if (complete) break;
        // Top-p's cut is inside the prefix when the prefix's mass surely reaches top_p.
        double in = 0.0;
        for (const Candidate& c : candidates_) in += weight(c.logit, max, params_.temperature);
        if (in / (in + rest_weight_) >= double(params_.top_p) + 1e-6) break;
    }
    std::sort(candidates_.begin(), candidates_.end(), better);
}

TokenId Sampler::sample(std::span<const float> logits, std::span<const TokenId> history) {
    scores_.resize(logits.size());
    const float* in = logits.data();
    float* out = scores_.data();
    int any_usable = 0, unusual = 0;
    for (size_t i = 0; i < logits.size(); ++i) {  // a copy and two ORs of comparisons: vectorised
        const float l = in[i];
        out[i] = l;
        any_usable |= int(l > -kInf);        // false for NaN
        unusual |= int(!(l < kMaxFinite));   // NaN or +infinity (or the largest float)
    }
    if (unusual)
        for (float& l : scores_) l = usable(l);
    if (!any_usable) no_usable_logits();

    // Repetition penalty (CTRL-style): shrink the logits of recently used tokens.
    if (params_.repeat_penalty != 1.0f && params_.repeat_last_n > 0) {
        const size_t n = std::min(history.size(), size_t(params_.repeat_last_n));
        std::unordered_set<TokenId> recent(history.end() - n, history.end());
        for (TokenId id : recent) {
            if (id < 0 || size_t(id) >= scores_.size()) continue;
            float& l = scores_[id];
            l = l > 0 ? l / params_.repeat_penalty : l * params_.repeat_penalty;
        }
    }
    // Greedy: the best score, the lowest id on a tie.
    if (params_.temperature <= 0.0f) return argmax(scores_);

    if (params_.top_k > 0 && size_t(params_.top_k) < scores_.size()) top_k_candidates(size_t(params_.top_k));
    else prefix_candidates();
    size_t n = candidates_.size();

    // Softmax at the temperature (the candidates sorted best first, plus the rest's weight).
    const float max = candidates_[0].logit;
    double sum = rest_weight_;
    for (size_t i = 0; i < n; ++i) {
        candidates_[i].p = weight(candidates_[i].logit, max, params_.temperature);
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
