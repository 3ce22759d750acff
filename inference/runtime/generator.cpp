#include "runtime/generator.h"

#include <chrono>

#include "util/error.h"

namespace kinglet {
namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

std::string stop_reason_name(StopReason r) {
    switch (r) {
        case StopReason::EndOfGeneration: return "end";
        case StopReason::MaxTokens: return "length";
        case StopReason::ContextFull: return "context_full";
        case StopReason::Cancelled: return "cancelled";
    }
    return "?";
}

double GenerateResult::prompt_tps() const {
    const int n = prompt_tokens - reused_tokens;
    return prompt_ms > 0 ? n * 1000.0 / prompt_ms : 0.0;
}

double GenerateResult::gen_tps() const { return gen_ms > 0 ? tokens.size() * 1000.0 / gen_ms : 0.0; }

GenerateResult generate(Session& session, const GenerateRequest& request,
                        const std::function<void(std::string_view)>& on_text, const std::atomic<bool>* cancel) {
    GenerateResult result;
    const auto& prompt = request.prompt;
    if (prompt.empty()) throw Error("the prompt is empty");
    if (prompt.size() >= size_t(session.n_ctx()))
        throw Error("the prompt has " + std::to_string(prompt.size()) + " tokens but the context holds only " +
                    std::to_string(session.n_ctx()));
    result.prompt_tokens = int(prompt.size());

    auto t0 = std::chrono::steady_clock::now();
    if (request.reuse_cache) result.reused_tokens = session.keep_common_prefix(prompt);
    else session.clear();
    std::vector<TokenId> fresh(prompt.begin() + result.reused_tokens, prompt.end());
    const std::vector<float>* logits = &session.eval(fresh);
    result.prompt_ms = ms_since(t0);

    const Tokenizer& tok = session.model().tokenizer();
    Sampler sampler(request.sampling);
    StreamingDetokenizer detok(tok);
    auto emit = [&](const std::string& s) {
        if (s.empty()) return;
        result.text += s;
        if (on_text) on_text(s);
    };

    t0 = std::chrono::steady_clock::now();
    for (;;) {
        if (cancel && cancel->load()) {
            result.reason = StopReason::Cancelled;
            break;
        }
        if (request.max_tokens >= 0 && int(result.tokens.size()) >= request.max_tokens) {
            result.reason = StopReason::MaxTokens;
            break;
        }
        const TokenId next = sampler.sample(*logits, session.tokens());
        if (tok.is_end_of_generation(next)) {
            result.reason = StopReason::EndOfGeneration;
            break;
        }
        result.tokens.push_back(next);
        emit(detok.push(next));
        if (session.n_past() >= session.n_ctx()) {
            result.reason = StopReason::ContextFull;
            break;
        }
        logits = &session.eval({next});
    }
    emit(detok.flush());
    result.gen_ms = ms_since(t0);
    return result;
}

}  // namespace kinglet
