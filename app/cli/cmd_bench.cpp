// kinglet-cli bench: prompt-processing and generation speed, median of -r runs. -d N times the
// generation after N tokens already in the context (a chat's later turns: attention reads them).
// Timing lives here and in bench/, never in tests.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
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
    const std::string backend = session.backend_name();
    if (args.flag("--json")) {
        nlohmann::json j = {{"pp_tps", median(pp)}, {"tg_tps", median(tg)}, {"threads", session.n_threads()},
                            {"backend", backend}, {"model_bytes", model->weight_bytes()},
                            {"n_prompt", n_prompt}, {"n_gen", n_gen}, {"depth", depth}};
        std::printf("%s\n", j.dump().c_str());
    } else {
        const std::string at = depth > 0 ? " @ d" + std::to_string(depth) : "";
        std::printf("| model | size MiB | backend | threads | pp%d tok/s | tg%d%s tok/s |\n", n_prompt, n_gen, at.c_str());
        std::printf("|---|---|---|---|---|---|\n");
        std::printf("| %s | %.1f | %s | %d | %.1f | %.1f |\n", model->name().c_str(),
                    model->weight_bytes() / 1048576.0, backend.c_str(), session.n_threads(), median(pp), median(tg));
    }
    return 0;
}

}  // namespace kinglet::cli
