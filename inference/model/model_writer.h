// Making model files: re-quantizing an existing GGUF (`kinglet-cli quantize`) and
// synthesizing random-weight models with the exact shapes of real ones (`kinglet-cli
// synth`), so speed can be measured on realistic sizes without downloading anything.
#pragma once
#include <string>
#include <vector>

#include "gguf/ggml_type.h"

namespace kinglet {

// target: "Q8_0", "Q4_0", "Q4_K", "Q6_K", "F16", "F32" or the mix "Q4_K_M".
void quantize_model(const std::string& in_path, const std::string& out_path, const std::string& target);

// Type each weight of a model gets under `target` (1-D tensors stay F32).
GgmlType choose_tensor_type(const std::string& target, const std::string& tensor_name, int n_dims, int64_t row_len,
                            int layer, int n_layer);

// llama.cpp's general.file_type number for a target name (0 when it has none).
uint32_t file_type_number(const std::string& target);

std::vector<std::string> synth_presets();
// vocab_dir: folder with llama.cpp's ggml-vocab-*.gguf files (../shared/tokenizer).
void synth_model(const std::string& preset, const std::string& target, const std::string& vocab_dir,
                 const std::string& out_path, uint64_t seed = 1);

}  // namespace kinglet
