// Picks the next token from the logits. Same seed + same settings + same logits ->
// same choice, on every machine (our own RNG-to-float conversion, no std distributions).
#pragma once
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace kinglet {

struct SamplingParams {
    float temperature = 0.8f;  // <= 0: greedy
    int top_k = 40;            // <= 0: off
    float top_p = 0.95f;       // >= 1: off
    float min_p = 0.05f;       // <= 0: off
    float repeat_penalty = 1.1f;  // 1: off
    int repeat_last_n = 64;
    uint64_t seed = 0xC0FFEEull;
};

class Sampler {
public:
    explicit Sampler(const SamplingParams& params);
    // history: the tokens so far (the repetition penalty looks at the last repeat_last_n).
    // NaN logits are never chosen; throws kinglet::Error when no logit is usable.
    TokenId sample(std::span<const float> logits, std::span<const TokenId> history);

private:
    struct Candidate {
        TokenId id;
        float logit;
        float p;
    };
    // Best first: the higher logit, the lower id on a tie (a strict order: ids are unique).
    static bool better(const Candidate& a, const Candidate& b) {
        return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    }
    void top_k_candidates(size_t k);
    void prefix_candidates();
    SamplingParams params_;
    std::mt19937_64 rng_;
    std::vector<float> scores_;  // the logits, NaN made -infinity, after the repetition penalty
    // The tokens still in the running, best first, and the softmax weight of the others
    // (tokens outside the candidates that the softmax still normalises over: top-k off).
    std::vector<Candidate> candidates_;
    double rest_weight_ = 0.0;
};

// The largest logit, NaN skipped; throws kinglet::Error when none is usable.
TokenId argmax(std::span<const float> logits);

}  // namespace kinglet
