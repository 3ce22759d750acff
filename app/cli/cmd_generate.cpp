// kinglet-cli generate: stream a continuation of the prompt to stdout.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common.h"
#include "runtime/generator.h"

namespace kinglet::cli {

int cmd_generate(const ArgList& argv) {
    Args args(argv, merge({kModelOptions, kSessionOptions, kSamplingOptions, {"-p", "--prompt", "-n"}}),
              {"--json", "--special"});
    auto text = args.get("-p") ? args.get("-p") : args.get("--prompt");
    if (!text) throw UsageError("generate needs -p TEXT");
    const int n_predict = args.get_int("-n", 128, -1, 1 << 24);
    const bool json = args.flag("--json");
    SamplingParams sampling = sampling_params(args);

    double load_ms = 0;
    auto model = load_model(args, &load_ms);
    Session session(*model, session_options(args));
    if (!session.backend_note().empty()) std::fprintf(stderr, "note: %s\n", session.backend_note().c_str());
    GenerateRequest req;
    req.prompt = model->tokenizer().encode(*text, true, args.flag("--special"));
    req.max_tokens = n_predict;
    req.sampling = sampling;

    const std::string note_before = session.backend_note();
    auto result = generate(session, req, [&](std::string_view piece) {
        if (!json) {
            std::fwrite(piece.data(), 1, piece.size(), stdout);
            std::fflush(stdout);
        }
    });
    if (json) {
        nlohmann::json j = {
            {"text", result.text},
            {"tokens", result.tokens},
            {"prompt_tokens", result.prompt_tokens},
            {"stop", stop_reason_name(result.reason)},
            {"backend", session.backend_name()},
            {"backend_note", session.backend_note()},
            {"timings",
             {{"load_ms", load_ms},
              {"prompt_ms", result.prompt_ms},
              {"gen_ms", result.gen_ms},
              {"pp_tps", result.prompt_tps()},
              {"tg_tps", result.gen_tps()}}},
        };
        std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
        std::printf("\n");
        std::fflush(stdout);
        // The GPU stopped working during the run and the session went on on the CPU.
        if (session.backend_note() != note_before) std::fprintf(stderr, "note: %s\n", session.backend_note().c_str());
        std::fprintf(stderr, "%s | load %.0f ms | prompt %d tokens, %.1f tok/s | generated %zu tokens, %.1f tok/s | stop: %s\n",
                     session.backend_name().c_str(), load_ms, result.prompt_tokens, result.prompt_tps(), result.tokens.size(), result.gen_tps(),
                     stop_reason_name(result.reason).c_str());
    }
    return 0;
}

}  // namespace kinglet::cli
