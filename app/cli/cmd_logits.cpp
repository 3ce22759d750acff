// kinglet-cli logits: the model's logits in the schema of ../shared/reference, for
// comparing against another engine position by position.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "common.h"
#include "util/error.h"

namespace kinglet::cli {
namespace {

std::vector<TokenId> parse_token_list(const std::string& s) {
    std::vector<TokenId> ids;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ',')) {
        char* end = nullptr;
        long v = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || v < 0 || v > INT32_MAX) throw UsageError("--tokens: bad id '" + item + "'");
        ids.push_back(static_cast<TokenId>(v));
    }
    if (ids.empty()) throw UsageError("--tokens needs at least one id");
    return ids;
}

nlohmann::json summarize(const float* logits, int n_vocab, int top) {
    double max = *std::max_element(logits, logits + n_vocab);
    double sum = 0;
    for (int i = 0; i < n_vocab; ++i) sum += std::exp(double(logits[i]) - max);
    std::vector<int> idx(n_vocab);
    std::iota(idx.begin(), idx.end(), 0);
    top = std::min(top, n_vocab);
    std::partial_sort(idx.begin(), idx.begin() + top, idx.end(),
                      [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
    nlohmann::json best = nlohmann::json::array();
    for (int i = 0; i < top; ++i) best.push_back({idx[i], logits[idx[i]]});
    return {{"lse", max + std::log(sum)}, {"top", best}};
}

}  // namespace

int cmd_logits(const ArgList& argv) {
    Args args(argv, merge({kModelOptions, kSessionOptions, {"-p", "--prompt", "--tokens", "--top", "--gen"}}),
              {"--json"});
    const int top = args.get_int("--top", 10, 1, 1 << 20);
    const int n_gen = args.get_int("--gen", 0, 0, 1 << 20);
    auto model = load_model(args);
    const int n_vocab = model->hparams().n_vocab;

    nlohmann::json out;
    std::vector<TokenId> tokens;
    if (auto list = args.get("--tokens")) {
        tokens = parse_token_list(*list);
    } else {
        auto text = args.get("-p") ? args.get("-p") : args.get("--prompt");
        if (!text) throw UsageError("logits needs -p TEXT or --tokens LIST");
        out["prompt"] = *text;
        tokens = model->tokenizer().encode(*text, true, false);
    }
    out["n_vocab"] = n_vocab;
    out["tokens"] = tokens;

    Session session(*model, session_options(args));
    auto all = session.eval_all(tokens);
    nlohmann::json prompt_logits = nlohmann::json::array();
    for (size_t i = 0; i < tokens.size(); ++i) prompt_logits.push_back(summarize(&all[i * n_vocab], n_vocab, top));
    out["prompt_logits"] = prompt_logits;

    // Greedy continuation, reporting the logits after each chosen token.
    std::vector<float> last(all.end() - n_vocab, all.end());
    nlohmann::json greedy = nlohmann::json::array(), greedy_logits = nlohmann::json::array();
    for (int j = 0; j < n_gen && session.n_past() < session.n_ctx(); ++j) {
        const TokenId next = argmax(last);
        greedy.push_back(next);
        last = session.eval({next});
        greedy_logits.push_back(summarize(last.data(), n_vocab, top));
    }
    out["greedy"] = greedy;
    out["greedy_logits"] = greedy_logits;
    std::printf("%s\n", out.dump(args.flag("--json") ? -1 : 1).c_str());
    return 0;
}

}  // namespace kinglet::cli
