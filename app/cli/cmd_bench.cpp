// kinglet-cli bench: prompt-processing and generation speed, median of -r runs.
// Timing lives here and in bench/, never in tests.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common.h"
#include "quant/cpu_features.h"

namespace kinglet::cli {
namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

int cmd_bench(const ArgList& argv) {
    Args args(argv, merge({kModelOptions, kSessionOptions, {"-p", "-n", "-r"}}), {"--json"});
    const int n_prompt = args.get_int("-p", 512, 0, 1 << 20);
    const int n_gen = args.get_int("-n", 128, 0, 1 << 20);
    const int reps = args.get_int("-r", 3, 1, 1000);
    auto model = load_model(args);
    SessionOptions so = session_options(args);
    if (so.n_ctx == 0) so.n_ctx = std::min(n_prompt + n_gen + 1, std::max(model->hparams().n_ctx_train, 16));
    Session session(*model, so);
    const int n_vocab = model->hparams().n_vocab;

    // Arbitrary but valid tokens: speed does not depend on which.
    std::vector<TokenId> prompt(n_prompt);
    for (int i = 0; i < n_prompt; ++i) prompt[i] = TokenId((i * 7919 + 13) % n_vocab);
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
            session.eval({prompt.empty() ? 0 : prompt[0]});
            auto t0 = clock::now();
            TokenId next = 1 % n_vocab;
            for (int i = 0; i < n_gen && session.n_past() < session.n_ctx(); ++i)
                next = argmax(session.eval({next}));
            tg.push_back(n_gen / std::chrono::duration<double>(clock::now() - t0).count());
        }
    }
    const std::string backend = session.backend_name();
    if (args.flag("--json")) {
        nlohmann::json j = {{"pp_tps", median(pp)}, {"tg_tps", median(tg)}, {"threads", session.n_threads()},
                            {"backend", backend}, {"model_bytes", model->weight_bytes()},
                            {"n_prompt", n_prompt}, {"n_gen", n_gen}};
        std::printf("%s\n", j.dump().c_str());
    } else {
        std::printf("| model | size MiB | backend | threads | pp%d tok/s | tg%d tok/s |\n", n_prompt, n_gen);
        std::printf("|---|---|---|---|---|---|\n");
        std::printf("| %s | %.1f | %s | %d | %.1f | %.1f |\n", model->name().c_str(),
                    model->weight_bytes() / 1048576.0, backend.c_str(), session.n_threads(), median(pp), median(tg));
    }
    return 0;
}

}  // namespace kinglet::cli
