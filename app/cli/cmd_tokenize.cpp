// kinglet-cli tokenize: one JSON array of token ids on stdout. Works on any GGUF that
// holds a vocabulary, including vocabulary-only files without weights.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common.h"
#include "gguf/gguf_file.h"
#include "util/error.h"

namespace kinglet::cli {
int cmd_tokenize(const ArgList& argv) {
    Args args(argv, merge({kModelOptions, {"-p", "--prompt", "-f", "--file"}}), {"--no-bos", "--special", "--bench"});
    std::optional<std::string> text = args.get("-p") ? args.get("-p") : args.get("--prompt");
    if (auto file = args.get("-f") ? args.get("-f") : args.get("--file")) text = read_text_file(*file);
    if (!text) throw UsageError("tokenize needs -p TEXT or -f FILE");
    auto file = GgufFile::open(model_path(args));
    auto tok = Tokenizer::from_gguf(*file);
    const bool bos = !args.flag("--no-bos"), special = args.flag("--special");

    if (args.flag("--bench")) {  // throughput on one core, median of several runs
        std::vector<double> seconds;
        size_t n_tokens = 0;
        for (int r = 0; r < 5; ++r) {
            auto t0 = std::chrono::steady_clock::now();
            n_tokens = tok->encode(*text, bos, special).size();
            seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::sort(seconds.begin(), seconds.end());
        const double s = seconds[seconds.size() / 2];
        nlohmann::json j = {{"bytes", text->size()}, {"tokens", n_tokens}, {"ms", s * 1000},
                            {"mb_per_s", text->size() / s / 1e6}, {"tokenizer", tok->kind()}};
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    std::printf("%s\n", nlohmann::json(tok->encode(*text, bos, special)).dump().c_str());
    return 0;
}

}  // namespace kinglet::cli
