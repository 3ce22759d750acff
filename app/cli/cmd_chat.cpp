// kinglet-cli chat: a conversation in the terminal. The session is kept between turns,
// so each turn only processes the new text (prompt cache).
#include <cstdio>
#include <iostream>

#include "common.h"
#include "runtime/generator.h"
#include "util/error.h"

namespace kinglet::cli {

int cmd_chat(const ArgList& argv) {
    Args args(argv, merge({kModelOptions, kSessionOptions, kSamplingOptions, {"--system", "-n"}}), {});
    const int n_predict = args.get_int("-n", 256, -1, 1 << 24);
    auto model = load_model(args);
    Session session(*model, session_options(args));
    const Tokenizer& tok = model->tokenizer();
    SamplingParams sampling = sampling_params(args);

    // Plain transcript format until the model's chat template is used (issue "chat templates").
    std::string transcript;
    if (auto system = args.get("--system")) transcript += *system + "\n\n";
    std::fprintf(stderr, "kinglet chat with %s (%s). Empty line or Ctrl-D quits.\n", model->name().c_str(),
                 model->hparams().arch.c_str());
    std::string line;
    for (;;) {
        std::fprintf(stderr, "> ");
        if (!std::getline(std::cin, line) || line.empty()) break;
        transcript += "User: " + line + "\nAssistant:";
        GenerateRequest req;
        req.prompt = tok.encode(transcript, true, false);
        req.max_tokens = n_predict;
        req.sampling = sampling;
        ++req.sampling.seed;
        try {
            auto result = generate(session, req, [](std::string_view piece) {
                std::fwrite(piece.data(), 1, piece.size(), stdout);
                std::fflush(stdout);
            });
            transcript += result.text + "\n";
            std::fprintf(stdout, "\n");
            std::fprintf(stderr, "[%zu tokens, %.1f tok/s, context %d/%d]\n", result.tokens.size(), result.gen_tps(),
                         session.n_past(), session.n_ctx());
        } catch (const Error& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            transcript.clear();  // start over rather than fail every later turn
            session.clear();
        }
    }
    return 0;
}

}  // namespace kinglet::cli
