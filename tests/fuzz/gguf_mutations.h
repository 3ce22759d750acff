// Structured edits of a GGUF file for fuzz_gguf_model: metadata keys set to values of any
// type (including keys the file lacks but the loader reads), keys removed, the architecture
// renamed, tensors retyped, reshaped, renamed or dropped. Byte edits rarely reach the few
// hyper-parameters among a vocabulary's strings; these reach every one of them.
#pragma once
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "gguf/ggml_type.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace kinglet_fuzz {

// Keys the loader reads under "<arch>.", present in a file or not.
inline const std::vector<std::string>& arch_keys() {
    static const std::vector<std::string> keys = {
        "context_length", "embedding_length", "block_count", "feed_forward_length", "vocab_size",
        "attention.head_count", "attention.head_count_kv", "attention.key_length", "attention.value_length",
        "attention.layer_norm_rms_epsilon", "attention.sliding_window", "attention.sliding_window_pattern",
        "attention.scale", "rope.dimension_count", "rope.freq_base", "rope.freq_base_swa", "rope.scaling.type",
        "rope.scaling.factor", "rope.scaling.original_context_length", "rope.scaling.attn_factor",
        "rope.scaling.yarn_log_multiplier", "rope.scaling.yarn_beta_fast", "rope.scaling.yarn_beta_slow",
        "final_logit_softcapping", "attn_logit_softcapping", "embedding_scale", "residual_scale", "logit_scale"};
    return keys;
}

inline const std::vector<std::string>& global_keys() {
    static const std::vector<std::string> keys = {
        "general.architecture", "general.file_type", "general.name",
        "tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
        "tokenizer.ggml.eot_token_id", "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.padding_token_id",
        "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_space_prefix", "tokenizer.ggml.token_type",
        "tokenizer.ggml.scores", "tokenizer.ggml.merges", "tokenizer.ggml.tokens", "tokenizer.chat_template"};
    return keys;
}

inline const std::vector<std::string>& architectures() {
    static const std::vector<std::string> archs = {"llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3",
                                                   "granite", "minicpm", "smollm3", "exaone", "ernie4_5", "gpt2"};
    return archs;
}

inline kinglet::GgufValue fuzz_value(FuzzInput& in) {
    using kinglet::GgufValue;
    using kinglet::GgufValueType;
    GgufValue v;
    const uint8_t kind = in.byte() % 9;
    const uint32_t bits = in.u32();
    const int64_t specials[] = {0, 1, -1, 2, 3, 7, 64, 4096, 1 << 20, INT32_MAX, INT32_MIN, int64_t(1) << 40};
    const double float_specials[] = {0.0, -1.0, 1e-30, 1e30, std::nan(""), INFINITY, -INFINITY, 0.5, 1e6};
    switch (kind) {
    case 0: v.type = GgufValueType::U32; v.v = uint64_t(bits); break;
    case 1: v.type = GgufValueType::I32; v.v = int64_t(int32_t(bits)); break;
    case 2: v.type = GgufValueType::I64; v.v = specials[bits % std::size(specials)]; break;
    case 3: v.type = GgufValueType::U32; v.v = uint64_t(bits % 17); break;
    case 4: {
        float f;
        memcpy(&f, &bits, 4);
        v.type = GgufValueType::F32;
        v.v = double(f);
        break;
    }
    case 5: v.type = GgufValueType::F32; v.v = float_specials[bits % std::size(float_specials)]; break;
    case 6: v.type = GgufValueType::String; v.v = in.bytes(bits % 24); break;
    case 7: v.type = GgufValueType::Bool; v.v = bool(bits & 1); break;
    default: {
        auto arr = std::make_shared<kinglet::GgufArray>();
        arr->elem_type = GgufValueType::I32;
        for (uint32_t i = 0; i < bits % 64; ++i) arr->ints.push_back(int8_t(in.byte()));
        v.type = GgufValueType::Array;
        v.v = arr;
    }
    }
    return v;
}

struct EditedTensor {
    kinglet::GgmlType type;
    std::vector<int64_t> dims;
    std::vector<uint8_t> data;
};

// The file with edits applied, written to `path` (a kinglet::Error when it cannot be).
inline void write_structured_edits(const kinglet::GgufFile& f, FuzzInput& in, const std::string& path) {
    std::map<std::string, kinglet::GgufValue> kv(f.metadata().begin(), f.metadata().end());
    kv.erase("general.alignment");  // the writer sets its own
    std::map<std::string, EditedTensor> tensors;
    for (const kinglet::TensorInfo& t : f.tensors())
        tensors[t.name] = {t.type, std::vector<int64_t>(t.ne, t.ne + t.n_dims),
                           std::vector<uint8_t>(t.data, t.data + t.nbytes)};
    std::string arch = f.get_string("general.architecture").value_or("llama");

    for (int n_edits = 1 + in.byte() % 4; n_edits > 0 && in.left() > 0; --n_edits) {
        const uint8_t op = in.byte() % 6;
        const uint32_t pick = in.u32();
        if (op <= 1) {  // set (or with op 1 remove) a key the loader reads
            const auto& ak = arch_keys();
            const auto& gk = global_keys();
            const size_t i = pick % (ak.size() + gk.size());
            const std::string key = i < ak.size() ? arch + "." + ak[i] : gk[i - ak.size()];
            if (op == 0) kv[key] = fuzz_value(in);
            else kv.erase(key);
            if (verbose())
                fprintf(stderr, "  edit: %s %s\n", key.c_str(), op == 0 ? kv[key].to_display_string().c_str() : "removed");
        } else if (op == 2) {  // rename the architecture, with its keys
            const std::string to = architectures()[pick % architectures().size()];
            std::map<std::string, kinglet::GgufValue> renamed;
            for (auto& [k, v] : kv)
                renamed[k.rfind(arch + ".", 0) == 0 ? to + k.substr(arch.size()) : k] = v;
            kv = std::move(renamed);
            kv["general.architecture"].type = kinglet::GgufValueType::String;
            kv["general.architecture"].v = to;
            arch = to;
            if (verbose()) fprintf(stderr, "  edit: architecture %s\n", to.c_str());
        } else if (!tensors.empty()) {  // a tensor: retype, reshape, rename or drop it
            auto it = std::next(tensors.begin(), pick % tensors.size());
            EditedTensor t = it->second;
            std::string name = it->first;
            tensors.erase(it);
            if (op == 3) {
                const uint8_t types[] = {0, 1, 2, 3, 6, 7, 8, 10, 11, 12, 13, 14, 20, 23, 30, 16, 24, 26};
                t.type = kinglet::GgmlType(types[in.byte() % std::size(types)]);
            } else if (op == 4) {
                const size_t d = in.byte() % 4;
                const int64_t sizes[] = {0, 1, 2, 31, 32, 255, 256, 4096};
                if (d < t.dims.size()) t.dims[d] = sizes[in.byte() % std::size(sizes)];
                else t.dims.push_back(1 + in.byte() % 4);
            } else if (in.byte() & 1) {
                name = "blk." + std::to_string(in.byte() % 8) + name.substr(std::min(name.size(), name.find('.', 4)));
            } else {
                if (verbose()) fprintf(stderr, "  edit: %s dropped\n", name.c_str());
                continue;
            }
            int64_t n = 1;
            for (int64_t d : t.dims) n *= d;
            const kinglet::TypeInfo info = kinglet::type_info(t.type);
            if (t.dims[0] % info.block_size != 0) continue;  // the writer cannot store it; drop the tensor
            t.data.resize(size_t(n / info.block_size) * info.type_size, 0x3c);
            if (verbose()) {
                std::string dims;
                for (int64_t d : t.dims) dims += (dims.empty() ? "" : " x ") + std::to_string(d);
                fprintf(stderr, "  edit: %s now %s, %s\n", name.c_str(), kinglet::type_name(t.type).c_str(), dims.c_str());
            }
            tensors[name] = std::move(t);
        }
    }

    kinglet::GgufWriter w;
    for (const auto& [k, v] : kv) w.set_value(k, v);
    for (auto& [name, t] : tensors) w.add_tensor(name, t.type, t.dims, std::move(t.data));
    w.write(path);
}

}  // namespace kinglet_fuzz
