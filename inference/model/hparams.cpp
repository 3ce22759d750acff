#include "model/hparams.h"

#include <cmath>

#include "gguf/gguf_file.h"
#include "util/error.h"
#include "util/printable.h"

namespace kinglet {
namespace {

const char* const kSupportedArchs[] = {"llama",   "qwen2",   "qwen3",   "gemma2", "gemma3",   "phi3",
                                       "granite", "minicpm", "smollm3", "exaone", "ernie4_5"};

int require_int(const GgufFile& f, const std::string& key, int64_t lo, int64_t hi) {
    auto v = f.get_int(key);
    if (!v && f.find(key)) throw Error("model key '" + key + "' is not an integer");
    if (!v) throw Error("model file is missing required key '" + key + "'");
    if (*v < lo || *v > hi)
        throw Error("model key '" + key + "' = " + std::to_string(*v) + " is out of range [" + std::to_string(lo) +
                    ", " + std::to_string(hi) + "]");
    return static_cast<int>(*v);
}

int optional_int(const GgufFile& f, const std::string& key, int fallback, int64_t lo, int64_t hi) {
    if (!f.find(key)) return fallback;
    return require_int(f, key, lo, hi);
}

float optional_float(const GgufFile& f, const std::string& key, float fallback) {
    auto v = f.get_float(key);
    if (!v) return fallback;
    if (!std::isfinite(*v)) throw Error("model key '" + key + "' is not a finite number");
    return static_cast<float>(*v);
}

// Scales and bases that a non-positive value would turn into NaN or all-zero output.
float optional_positive_float(const GgufFile& f, const std::string& key, float fallback) {
    const float v = optional_float(f, key, fallback);
    if (!(v > 0)) throw Error("model key '" + key + "' must be positive (it is " + std::to_string(v) + ")");
    return v;
}

}  // namespace

bool is_supported_arch(const std::string& arch) {
    for (const char* a : kSupportedArchs)
        if (arch == a) return true;
    return false;
}

std::string supported_arch_list() {
    std::string s;
    for (const char* a : kSupportedArchs) s += (s.empty() ? "" : ", ") + std::string(a);
    return s;
}

Hparams read_hparams(const GgufFile& f) {
    Hparams h;
    auto arch = f.get_string("general.architecture");
    if (!arch) throw Error("model file has no 'general.architecture'");
    h.arch = *arch;
    if (!is_supported_arch(h.arch))
        throw Error("unsupported model architecture '" + printable(h.arch) + "' (supported: " + supported_arch_list() + ")");
    const std::string p = h.arch + ".";
    constexpr int64_t kBig = 1 << 20;

    h.n_embd = require_int(f, p + "embedding_length", 1, kBig);
    h.n_layer = require_int(f, p + "block_count", 1, 1024);
    h.n_head = require_int(f, p + "attention.head_count", 1, 4096);
    h.n_head_kv = optional_int(f, p + "attention.head_count_kv", h.n_head, 1, h.n_head);
    if (h.n_head % h.n_head_kv != 0)
        throw Error("attention.head_count " + std::to_string(h.n_head) + " is not a multiple of head_count_kv " +
                    std::to_string(h.n_head_kv));
    h.n_ff = require_int(f, p + "feed_forward_length", 1, kBig * 4);
    h.n_ctx_train = optional_int(f, p + "context_length", 2048, 1, 1 << 24);
    int default_head = h.n_embd / h.n_head;
    h.head_dim = optional_int(f, p + "attention.key_length", default_head, 1, 4096);
    h.head_dim_v = optional_int(f, p + "attention.value_length", h.head_dim, 1, 4096);
    if (h.head_dim_v != h.head_dim) throw Error("models whose key and value head sizes differ are not supported");
    h.norm_eps = optional_positive_float(f, p + "attention.layer_norm_rms_epsilon", 1e-5f);

    h.rope_dim = optional_int(f, p + "rope.dimension_count", h.head_dim, 2, h.head_dim);
    if (h.rope_dim % 2 != 0) throw Error("rope.dimension_count must be even");
    h.rope_freq_base = optional_positive_float(f, p + "rope.freq_base", 10000.0f);
    h.rope_freq_base_local = optional_positive_float(f, p + "rope.freq_base_swa", 10000.0f);
    h.rope_orig_ctx = optional_int(f, p + "rope.scaling.original_context_length", 0, 0, 1 << 24);
    h.rope_attn_factor = optional_positive_float(f, p + "rope.scaling.attn_factor", 1.0f);
    auto scaling = f.get_string(p + "rope.scaling.type").value_or("none");
    float factor = optional_float(f, p + "rope.scaling.factor", 0.0f);
    if (scaling == "linear" && factor > 0) h.rope_freq_scale = 1.0f / factor;
    else if (auto fs = f.get_float(p + "rope.scale_linear"); fs && *fs > 0) h.rope_freq_scale = 1.0f / float(*fs);
    if (scaling == "yarn") {
        if (!(factor > 0)) throw Error("model key '" + p + "rope.scaling.factor' must be positive for YaRN scaling");
        h.rope_yarn = true;
        h.rope_freq_scale = 1.0f / factor;
        if (h.rope_orig_ctx == 0) h.rope_orig_ctx = h.n_ctx_train;
        h.yarn_ext_factor = optional_float(f, p + "rope.scaling.yarn_ext_factor", 1.0f);
        h.yarn_beta_fast = optional_float(f, p + "rope.scaling.yarn_beta_fast", 32.0f);
        h.yarn_beta_slow = optional_float(f, p + "rope.scaling.yarn_beta_slow", 1.0f);
    }
    h.rope_freq_scale_local = h.rope_freq_scale;

    // llama.cpp's converter permutes Q and K of these Llama-shaped models for "normal" RoPE;
    // the others (EXAONE too, though its graph is Llama's) keep Hugging Face's NEOX order.
    const bool llama_shaped = h.arch == "llama" || h.arch == "granite" || h.arch == "minicpm" || h.arch == "smollm3" ||
                              h.arch == "ernie4_5";
    h.rope_style = llama_shaped ? RopeStyle::Normal : RopeStyle::Neox;
    h.layer_is_local.assign(h.n_layer, false);
    h.layer_uses_rope.assign(h.n_layer, true);
    if (h.arch == "smollm3")  // SmolLM3: Llama's graph; every 4th layer has no positions (as in llama.cpp)
        for (int l = 0; l < h.n_layer; ++l) h.layer_uses_rope[l] = (l + 1) % 4 != 0;

    if (h.arch == "gemma3") {
        h.activation = FfnActivation::Gelu;
        h.embed_scale = std::sqrt(float(h.n_embd));
        h.final_logit_softcap = optional_float(f, p + "final_logit_softcapping", 0.0f);
        h.sliding_window = optional_int(f, p + "attention.sliding_window", 0, 0, 1 << 24);
        // llama.cpp always uses 6 (5 local layers, then a global one); a file's own integer
        // is honoured, a value of another form (a per-layer array) ignored as llama.cpp does.
        const bool int_pattern = f.get_int(p + "attention.sliding_window_pattern").has_value();
        const int pattern = int_pattern ? optional_int(f, p + "attention.sliding_window_pattern", 6, 1, 1024) : 6;
        if (h.sliding_window > 0)
            for (int l = 0; l < h.n_layer; ++l) h.layer_is_local[l] = (l + 1) % pattern != 0;
        h.rope_freq_base_local = optional_positive_float(f, p + "rope.freq_base_swa", 10000.0f);
        // Gemma 3 4B and larger scale positions by 1/8 (rope.scaling linear, factor 8) on the
        // global layers only: the local layers keep the positions they were trained with.
        h.rope_freq_scale_local = 1.0f;
    }

    if (h.arch == "gemma2") {
        // Gemma 2: Gemma 3's graph without Q/K norms, every other layer local (window 4096
        // unless the file says), one RoPE base for all layers, attention scores and logits
        // soft-capped (50 and 30 unless the file says), as in llama.cpp.
        h.activation = FfnActivation::Gelu;
        h.embed_scale = std::sqrt(float(h.n_embd));
        h.attn_logit_softcap = optional_positive_float(f, p + "attn_logit_softcapping", 50.0f);
        h.final_logit_softcap = optional_positive_float(f, p + "final_logit_softcapping", 30.0f);
        h.sliding_window = optional_int(f, p + "attention.sliding_window", 4096, 0, 1 << 24);
        if (h.sliding_window > 0)
            for (int l = 0; l < h.n_layer; ++l) h.layer_is_local[l] = l % 2 == 0;
        h.rope_freq_base_local = h.rope_freq_base;
        h.rope_freq_scale_local = h.rope_freq_scale;
    }
    // Gemma 2 27B and Gemma 3 27B scale queries by 1/sqrt(embedding / heads) rather than
    // 1/sqrt(head size) (llama.cpp tells them by their layer count).
    if ((h.arch == "gemma2" && h.n_layer == 46) || (h.arch == "gemma3" && h.n_layer == 62))
        h.attn_scale = 1.0f / std::sqrt(float(h.n_embd) / float(h.n_head));

    if (h.arch == "granite" || h.arch == "minicpm") {
        // IBM Granite 3.x and MiniCPM (1B/2B): Llama's graph with multipliers, one graph for
        // both in llama.cpp (its key names in brackets): embeddings [embedding_scale], each
        // block's output before the residual add [residual_scale], the logits, which are
        // divided by [logit_scale], and for Granite the attention scores instead of
        // 1/sqrt(head_dim) [attention.scale] (llama.cpp does not read it for MiniCPM).
        h.embed_scale = optional_positive_float(f, p + "embedding_scale", 1.0f);
        h.residual_scale = optional_positive_float(f, p + "residual_scale", 1.0f);
        h.logit_scale = optional_positive_float(f, p + "logit_scale", 1.0f);
        if (h.arch == "granite") {
            h.attn_scale = optional_float(f, p + "attention.scale", 0.0f);
            if (h.attn_scale < 0) throw Error("model key '" + p + "attention.scale' must not be negative");
        }
    }

    // Vocabulary size: explicit key, else the token list.
    if (auto n = f.get_int(p + "vocab_size")) {
        h.n_vocab = static_cast<int>(*n);
    } else if (auto* tokens = f.get_array("tokenizer.ggml.tokens")) {
        h.n_vocab = static_cast<int>(tokens->size());
    }
    return h;
}

}  // namespace kinglet
