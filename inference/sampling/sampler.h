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
    struct Candidate { TokenId id; float logit; float p; };
    SamplingParams params_;
    std::mt19937_64 rng_;
    std::vector<Candidate> candidates_;
};

// The largest logit, NaN skipped; throws kinglet::Error when none is usable.
TokenId argmax(std::span<const float> logits);

}  // namespace kinglet
