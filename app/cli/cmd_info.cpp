// kinglet-cli info: what a model file holds, without running it; with --backend, also where
// it would run (the model is then loaded on that backend) and why not on the GPU.
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "common.h"
#include "runtime/session.h"

namespace kinglet::cli {

int cmd_info(const ArgList& argv) {
    Args args(argv, merge({kModelOptions, kSessionOptions}), {"--json"});
    LoadOptions no_prefetch;
    no_prefetch.prefetch = false;
    auto model = Model::load(model_path(args), no_prefetch);
    const Hparams& h = model->hparams();
    const Tokenizer& tok = model->tokenizer();

    std::map<std::string, int> type_counts;
    for (const auto& t : model->file().tensors()) type_counts[type_name(t.type)]++;
    nlohmann::json types = nlohmann::json::object();
    for (const auto& [name, n] : type_counts) types[name] = n;
    auto tmpl = model->chat_template();

    nlohmann::json j = {
        {"path", model->file().path()},
        {"name", model->name()},
        {"architecture", h.arch},
        {"parameters", model->parameter_count()},
        {"file_bytes", model->file().file_size()},
        {"quantization", model->quantization()},
        {"tensor_types", types},
        {"context_length", h.n_ctx_train},
        {"embedding_length", h.n_embd},
        {"layers", h.n_layer},
        {"heads", h.n_head},
        {"kv_heads", h.n_head_kv},
        {"head_dim", h.head_dim},
        {"ffn_length", h.n_ff},
        {"vocab_size", h.n_vocab},
        {"tokenizer", tok.kind()},
        {"bos_id", tok.bos_id()},
        {"eos_id", tok.eos_id()},
        {"chat_template", tmpl ? nlohmann::json(*tmpl) : nlohmann::json(nullptr)},
        {"gguf_version", model->file().version()},
    };
    if (args.get("--backend")) {
        SessionOptions options = session_options(args);
        if (!args.get("--ctx") && !args.get("-c")) options.n_ctx = 512;  // enough to load; nothing runs
        const Session session(*model, options);
        j["backend"] = session.backend_name();
        j["backend_note"] = session.backend_note();
    }
    if (args.flag("--json")) {
        std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.key() == "chat_template") {
            std::printf("%-18s %s\n", "chat_template:", tmpl ? ("yes (" + std::to_string(tmpl->size()) + " chars)").c_str() : "no");
            continue;
        }
        std::string v = it->is_string() ? it->get<std::string>() : it->dump();
        std::printf("%-18s %s\n", (it.key() + ":").c_str(), v.c_str());
    }
    return 0;
}

}  // namespace kinglet::cli
