// Hyper-parameters of a transformer, read from the GGUF keys `<arch>.*`.
// Nothing here is hard-coded per model size.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace kinglet {

class GgufFile;

enum class RopeStyle { Normal, Neox };  // Normal rotates (x0,x1),(x2,x3)...; NEOX rotates (x_i, x_{i+d/2})
enum class FfnActivation { Silu, Gelu };

struct Hparams {
    std::string arch;
    int n_embd = 0;
    int n_layer = 0;
    int n_head = 0;
    int n_head_kv = 0;
    int n_ff = 0;
    int n_vocab = 0;
    int n_ctx_train = 0;
    int head_dim = 0;    // key_length
    int head_dim_v = 0;  // value_length
    float norm_eps = 1e-5f;

    RopeStyle rope_style = RopeStyle::Normal;
    int rope_dim = 0;              // rotated dimensions per head (partial rotary when < head_dim)
    float rope_freq_base = 10000.0f;
    float rope_freq_base_local = 10000.0f;  // sliding-window layers (Gemma 3)
    float rope_freq_scale = 1.0f;   // linear scaling: positions are multiplied by this
    float rope_freq_scale_local = 1.0f;  // the same for sliding-window layers (Gemma 3: never scaled)
    float rope_attn_factor = 1.0f;  // LongRoPE magnitude scaling (Phi-3)
    int rope_orig_ctx = 0;          // rope.scaling.original_context_length
    // YaRN (rope.scaling.type "yarn"): rope_freq_scale is 1/factor, applied fully to the
    // slow dimensions and not at all to the fast ones, with a ramp between (see make_rope_table).
    bool rope_yarn = false;
    float yarn_ext_factor = 1.0f;  // how much of the ramp applies (0: plain linear scaling)
    float yarn_beta_fast = 32.0f;  // rotations over the original context that end the ramp
    float yarn_beta_slow = 1.0f;   // ... and that start it

    FfnActivation activation = FfnActivation::Silu;
    float embed_scale = 1.0f;           // embeddings are multiplied by it (Gemma: sqrt(n_embd))
    float residual_scale = 1.0f;        // each block's output, before it joins the residual stream (Granite)
    float logit_scale = 1.0f;           // logits are divided by it (Granite)
    float attn_scale = 0.0f;            // 0 = 1/sqrt(head_dim)
    float final_logit_softcap = 0.0f;   // 0 = off
    float attn_logit_softcap = 0.0f;    // 0 = off; Gemma 2 caps attention scores (50)
    int sliding_window = 0;             // 0 = no local layers
    std::vector<bool> layer_is_local;   // per layer: sliding-window attention
    std::vector<bool> layer_uses_rope;  // per layer: false for SmolLM3's layers without positions (NoPE)

    int q_dim() const { return n_head * head_dim; }
    int kv_dim() const { return n_head_kv * head_dim; }
    int v_dim() const { return n_head_kv * head_dim_v; }
};

// Architectures the engine runs. Others are refused by name.
bool is_supported_arch(const std::string& arch);
std::string supported_arch_list();

// Throws kinglet::Error when a required key is missing or a value is out of range.
Hparams read_hparams(const GgufFile& file);

}  // namespace kinglet
