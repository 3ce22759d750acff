// kinglet-cli info: what a model file holds, without running it; with --backend, also where
// it would run (the model is then loaded on that backend) and why not on the GPU.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "common.h"
#include "runtime/session.h"

namespace kinglet::cli {
namespace {

std::string number(double x) {
    char buf[32];
    if (x == std::floor(x) && std::fabs(x) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", x);  // 1000000, not 1e+06
    else std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

// How positions are encoded, in a line: "neox, base 1e+06, YaRN x4 over 32768 positions".
std::string rope_summary(const Model& model) {
    const Hparams& h = model.hparams();
    const ModelWeights& w = model.weights();
    std::string s = h.rope_style == RopeStyle::Neox ? "neox" : "normal";
    s += ", base " + number(h.rope_freq_base);
    if (h.sliding_window > 0) s += " (sliding-window layers " + number(h.rope_freq_base_local) + ")";
    if (h.rope_dim < h.head_dim) s += ", " + std::to_string(h.rope_dim) + " of " + std::to_string(h.head_dim) + " dims";
    if (h.rope_yarn) {
        s += ", YaRN x" + number(1.0 / h.rope_freq_scale) + " over " + std::to_string(h.rope_orig_ctx) + " positions";
    } else if (h.rope_freq_scale != 1.0f) {
        s += ", linear x" + number(1.0 / h.rope_freq_scale);
        if (h.rope_freq_scale_local != h.rope_freq_scale) s += " (global layers only)";
    }
    if (w.rope_freqs) s += ", Llama 3 frequency factors";
    if (w.rope_factors_short || w.rope_factors_long)
        s += ", LongRoPE factors (long past " + std::to_string(h.rope_orig_ctx) + " positions)";
    const auto no_rope = std::count(h.layer_uses_rope.begin(), h.layer_uses_rope.end(), false);
    if (no_rope > 0) s += ", none in " + std::to_string(no_rope) + " of " + std::to_string(h.n_layer) + " layers";
    return s;
}

// The multipliers and caps a graph applies beyond Llama's (Gemma's embedding scale and soft
// caps, Granite's four multipliers), in a line; empty when there are none.
std::string multipliers_summary(const Hparams& h) {
    std::string s;
    auto add = [&](const std::string& part) { s += (s.empty() ? "" : ", ") + part; };
    if (h.embed_scale != 1.0f) add("embeddings x" + number(h.embed_scale));
    if (h.residual_scale != 1.0f) add("block outputs x" + number(h.residual_scale));
    if (h.attn_scale > 0) add("attention scores x" + number(h.attn_scale));
    if (h.logit_scale != 1.0f) add("logits /" + number(h.logit_scale));
    if (h.attn_logit_softcap > 0) add("attention scores capped at " + number(h.attn_logit_softcap));
    if (h.final_logit_softcap > 0) add("logits capped at " + number(h.final_logit_softcap));
    return s;
}

}  // namespace

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
        {"rope", rope_summary(*model)},
        {"sliding_window", h.sliding_window},
        {"vocab_size", h.n_vocab},
        {"tokenizer", tok.kind()},
        {"bos_id", tok.bos_id()},
        {"eos_id", tok.eos_id()},
        {"chat_template", tmpl ? nlohmann::json(*tmpl) : nlohmann::json(nullptr)},
        {"gguf_version", model->file().version()},
    };
    if (const std::string m = multipliers_summary(h); !m.empty()) j["multipliers"] = m;
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
