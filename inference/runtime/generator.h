// Runs a prompt through a session and samples a reply, streaming complete UTF-8 text
// to a callback. Used by the CLI and by the app's worker thread alike.
#pragma once
#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/session.h"
#include "sampling/sampler.h"

namespace kinglet {

enum class StopReason { EndOfGeneration, MaxTokens, ContextFull, Cancelled };
std::string stop_reason_name(StopReason r);

struct GenerateRequest {
    std::vector<TokenId> prompt;  // the whole conversation so far, already tokenized
    int max_tokens = 256;         // < 0: until end of generation or context full
    SamplingParams sampling;
    bool reuse_cache = true;      // keep the session's common prefix (prompt cache)
};

struct GenerateResult {
    std::string text;
    std::vector<TokenId> tokens;
    int prompt_tokens = 0;  // tokens in the request's prompt
    int reused_tokens = 0;  // of those, how many came from the cache
    double prompt_ms = 0, gen_ms = 0;
    StopReason reason = StopReason::EndOfGeneration;
    double prompt_tps() const;
    double gen_tps() const;
};

// on_text receives each newly completed piece of text. cancel may be null.
// Throws kinglet::Error when the prompt does not fit in the context.
GenerateResult generate(Session& session, const GenerateRequest& request,
                        const std::function<void(std::string_view)>& on_text,
                        const std::atomic<bool>* cancel = nullptr);

}  // namespace kinglet
