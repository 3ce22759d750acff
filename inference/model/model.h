// A loaded model: the memory-mapped GGUF file, its hyper-parameters, its tokenizer and
// the weight tensors of every layer, checked for presence, type and shape.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "model/hparams.h"
#include "tokenizer/tokenizer.h"

namespace kinglet {

// Weights of one transformer block. Optional tensors are null when absent.
struct LayerWeights {
    const TensorInfo* attn_norm = nullptr;
    const TensorInfo* wq = nullptr;
    const TensorInfo* wk = nullptr;
    const TensorInfo* wv = nullptr;
    const TensorInfo* wqkv = nullptr;  // fused Q|K|V (Phi-3) instead of wq/wk/wv
    const TensorInfo* bq = nullptr;
    const TensorInfo* bk = nullptr;
    const TensorInfo* bv = nullptr;
    const TensorInfo* q_norm = nullptr;  // per-head RMSNorm (Qwen3, Gemma 3)
    const TensorInfo* k_norm = nullptr;
    const TensorInfo* wo = nullptr;
    const TensorInfo* post_attn_norm = nullptr;  // Gemma 3
    const TensorInfo* ffn_norm = nullptr;
    const TensorInfo* ffn_gate = nullptr;  // null when ffn_up holds gate|up fused (Phi-3)
    const TensorInfo* ffn_up = nullptr;
    const TensorInfo* ffn_down = nullptr;
    const TensorInfo* post_ffn_norm = nullptr;  // Gemma 3
};

struct ModelWeights {
    const TensorInfo* token_embd = nullptr;
    const TensorInfo* output_norm = nullptr;
    const TensorInfo* output = nullptr;  // == token_embd when tied
    const TensorInfo* rope_freqs = nullptr;         // Llama 3 frequency factors
    const TensorInfo* rope_factors_short = nullptr;  // Phi-3 LongRoPE
    const TensorInfo* rope_factors_long = nullptr;
    std::vector<LayerWeights> layers;
};

struct LoadOptions {
    // Called with a fraction in [0, 1] while the weights are paged in; return false to cancel.
    std::function<bool(float)> progress;
    bool prefetch = true;  // touch every weight page once so the first token is not slow
};

class Model {
public:
    // Throws kinglet::Error naming what is wrong with the file.
    static std::unique_ptr<Model> load(const std::string& path, const LoadOptions& options = {});

    const GgufFile& file() const { return *file_; }
    const Hparams& hparams() const { return hparams_; }
    const ModelWeights& weights() const { return weights_; }
    const Tokenizer& tokenizer() const { return *tokenizer_; }

    std::string name() const;  // general.name, else the file name
    std::optional<std::string> chat_template() const;
    uint64_t parameter_count() const;
    uint64_t weight_bytes() const;
    std::string dominant_type() const;  // e.g. "Q4_K" — the type holding most weight bytes
    std::string quantization() const;   // e.g. "Q4_K_M", from general.file_type, else dominant_type()

private:
    Model() = default;
    void bind_weights();

    std::unique_ptr<GgufFile> file_;
    Hparams hparams_;
    ModelWeights weights_;
    std::unique_ptr<Tokenizer> tokenizer_;
};

}  // namespace kinglet
