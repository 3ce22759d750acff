// kinglet-cli chat: a conversation in the terminal, formatted with the model's own chat
// template (chat::PromptFormatter, the same policy the app uses). The session is kept
// between turns, so each turn only processes the new tokens (prompt cache).
#include <cstdio>
#include <iostream>

#include "chat/prompt_formatter.h"
#include "chat/stop_filter.h"
#include "common.h"
#include "runtime/generator.h"
#include "util/error.h"

namespace kinglet::cli {

int cmd_chat(const ArgList& argv) {
    Args args(argv, merge({kModelOptions, kSessionOptions, kSamplingOptions, {"--system", "-n"}}), {});
    const int n_predict = args.get_int("-n", 256, -1, 1 << 24);
    auto model = load_model(args);
    Session session(*model, session_options(args));
    chat::PromptFormatter formatter(*model);
    SamplingParams sampling = sampling_params(args);

    std::vector<chat::ChatTurn> turns;
    if (auto system = args.get("--system")) turns.push_back({"system", *system});
    std::fprintf(stderr, "kinglet chat with %s on %s, prompt format: %s. Empty line or Ctrl-D quits.\n",
                 model->name().c_str(), session.backend_name().c_str(), formatter.styleName().c_str());
    if (!formatter.note().empty()) std::fprintf(stderr, "note: %s\n", formatter.note().c_str());
    if (!session.backend_note().empty()) std::fprintf(stderr, "note: %s\n", session.backend_note().c_str());

    std::string line;
    for (;;) {
        std::fprintf(stderr, "> ");
        if (!std::getline(std::cin, line) || line.empty()) break;
        turns.push_back({"user", line});
        GenerateRequest req;
        req.max_tokens = n_predict;
        req.sampling = sampling;
        req.sampling.seed += turns.size();
        try {
            const int reserve = std::min(n_predict < 0 ? 256 : n_predict, session.n_ctx() / 2);
            auto fitted = formatter.fit(turns, session.n_ctx() - reserve);
            if (fitted.droppedTurns > 0)
                std::fprintf(stderr, "[left out the %d oldest turns to fit the context]\n", fitted.droppedTurns);
            req.prompt = std::move(fitted.tokens);
            chat::StopFilter filter(formatter.stopStrings());
            std::atomic<bool> stop{false};
            std::string answer;
            const std::string note_before = session.backend_note();
            auto result = generate(session, req, [&](std::string_view piece) {
                std::string shown = filter.push(piece);
                answer += shown;
                std::fwrite(shown.data(), 1, shown.size(), stdout);
                std::fflush(stdout);
                if (filter.stopped()) stop = true;
            }, &stop);
            std::string tail = filter.stopped() ? "" : filter.flush();
            answer += tail;
            std::fwrite(tail.data(), 1, tail.size(), stdout);
            std::fprintf(stdout, "\n");
            std::fflush(stdout);
            turns.push_back({"assistant", answer});
            // The GPU stopped working during the answer and the session went on on the CPU.
            if (session.backend_note() != note_before) std::fprintf(stderr, "note: %s\n", session.backend_note().c_str());
            std::fprintf(stderr, "[%zu tokens, %.1f tok/s, context %d/%d]\n", result.tokens.size(), result.gen_tps(),
                         session.n_past(), session.n_ctx());
        } catch (const Error& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            turns.pop_back();  // the message that did not fit; the conversation goes on
        }
    }
    return 0;
}

}  // namespace kinglet::cli
