// kinglet-cli bench: prompt-processing and generation speed, median of -r runs. -d N times the
// generation after N tokens already in the context (a chat's later turns: attention reads them).
// Generation picks tokens greedily, as the speed of the model alone; the time that choosing a
// token with the chat's sampling settings adds is reported on its own (sampling over the whole
// vocabulary is CPU work after every token, whatever the backend).
// Timing lives here and in bench/, never in tests.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <nlohmann/json.hpp>

#include "common.h"
#include "quant/cpu_features.h"
#include "sampling/sampler.h"

namespace kinglet::cli {
namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

int cmd_bench(const ArgList& argv) {
    Args args(argv, merge({kModelOptions, kSessionOptions, {"-p", "-n", "-r", "-d"}}), {"--json"});
    const int n_prompt = args.get_int("-p", 512, 0, 1 << 20);
    const int n_gen = args.get_int("-n", 128, 0, 1 << 20);
    const int reps = args.get_int("-r", 3, 1, 1000);
    const int depth = args.get_int("-d", 0, 0, 1 << 20);
    auto model = load_model(args);
    SessionOptions so = session_options(args);
    if (so.n_ctx == 0)
        so.n_ctx = std::min(std::max(n_prompt, depth + 1) + n_gen, std::max(model->hparams().n_ctx_train, 16));
    Session session(*model, so);
    const int n_vocab = model->hparams().n_vocab;

    // Arbitrary but valid tokens: speed does not depend on which.
    const auto some_tokens = [&](int n) {
        std::vector<TokenId> t(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) t[size_t(i)] = TokenId((i * 7919 + 13) % n_vocab);
        return t;
    };
    const std::vector<TokenId> prompt = some_tokens(n_prompt), context = some_tokens(std::max(depth, 1));
    std::vector<double> pp, tg;
    using clock = std::chrono::steady_clock;
    for (int r = 0; r < reps; ++r) {
        if (n_prompt > 0) {
            session.clear();
            auto t0 = clock::now();
            session.eval(prompt);
            pp.push_back(n_prompt / std::chrono::duration<double>(clock::now() - t0).count());
        }
        if (n_gen > 0) {
            session.clear();
            session.eval(context);
            auto t0 = clock::now();
            TokenId next = 1 % n_vocab;
            int made = 0;  // fewer than n_gen where the context ends first
            for (; made < n_gen && session.n_past() < session.n_ctx(); ++made) next = argmax(session.eval({next}));
            tg.push_back(made / std::chrono::duration<double>(clock::now() - t0).count());
        }
    }
    // The chat's default sampling settings over logits of this model (a real token's, or a
    // prompt's last): milliseconds a token, median of -r runs of 20 draws.
    std::vector<double> sample_ms;
    {
        session.clear();
        const std::vector<float> logits = session.eval({TokenId(1 % n_vocab)});
        const std::vector<TokenId> history = some_tokens(64);
        Sampler sampler{SamplingParams{}};
        for (int r = 0; r < reps; ++r) {
            auto t0 = clock::now();
            for (int i = 0; i < 20; ++i) sampler.sample(logits, history);
            sample_ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count() / 20);
        }
    }
    const std::string backend = session.backend_name();
    if (args.flag("--json")) {
        nlohmann::json j = {{"pp_tps", median(pp)}, {"tg_tps", median(tg)}, {"threads", session.n_threads()},
                            {"backend", backend}, {"model_bytes", model->weight_bytes()},
                            {"n_prompt", n_prompt}, {"n_gen", n_gen}, {"depth", depth},
                            {"sample_ms", median(sample_ms)}};
        std::printf("%s\n", j.dump().c_str());
    } else {
        const std::string at = depth > 0 ? " @ d" + std::to_string(depth) : "";
        std::printf("| model | size MiB | backend | threads | pp%d tok/s | tg%d%s tok/s |\n", n_prompt, n_gen, at.c_str());
        std::printf("|---|---|---|---|---|---|\n");
        std::printf("| %s | %.1f | %s | %d | %.1f | %.1f |\n", model->name().c_str(),
                    model->weight_bytes() / 1048576.0, backend.c_str(), session.n_threads(), median(pp), median(tg));
        std::printf("\nsampling with the chat's defaults over %d tokens: %.3f ms a token\n", n_vocab, median(sample_ms));
    }
    return 0;
}

}  // namespace kinglet::cli
