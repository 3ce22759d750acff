// kinglet-cli tokenize: one JSON array of token ids on stdout.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common.h"

namespace kinglet::cli {

int cmd_tokenize(const ArgList& argv) {
    Args args(argv, merge({kModelOptions, {"-p", "--prompt"}}), {"--no-bos", "--special"});
    auto text = args.get("-p") ? args.get("-p") : args.get("--prompt");
    if (!text) throw UsageError("tokenize needs -p TEXT");
    LoadOptions no_prefetch;
    no_prefetch.prefetch = false;
    auto model = Model::load(model_path(args), no_prefetch);
    auto ids = model->tokenizer().encode(*text, !args.flag("--no-bos"), args.flag("--special"));
    std::printf("%s\n", nlohmann::json(ids).dump().c_str());
    return 0;
}

}  // namespace kinglet::cli
