// Copies a GGUF file with some metadata keys changed or removed, tensors as they are:
// for tests that need a real model with one setting different.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace kinglet_test {

struct KeyChange {
    bool remove = false;
    kinglet::GgufValue value;  // the new value, unless removed
};

inline void rewrite_gguf(const kinglet::GgufFile& f, const std::map<std::string, KeyChange>& changes,
                         const std::string& path) {
    kinglet::GgufWriter w;
    for (const auto& [k, v] : f.metadata())
        if (k != "general.alignment" && !changes.count(k)) w.set_value(k, v);  // the writer sets its own alignment
    for (const auto& [k, change] : changes)
        if (!change.remove) w.set_value(k, change.value);
    for (const kinglet::TensorInfo& t : f.tensors())
        w.add_tensor(t.name, t.type, std::vector<int64_t>(t.ne, t.ne + t.n_dims),
                     std::vector<uint8_t>(t.data, t.data + t.nbytes));
    w.write(path);
}

// Copies a model file as architecture `arch` (its <architecture>.* keys renamed arch.*),
// its layers repeated `repeat` times (layer l + k * block_count is a copy of layer l), then
// `changes` applied. `edit_tensor`, when given, may change each tensor's bytes, or drop the
// tensor by returning false.
inline void rewrite_as_arch(const kinglet::GgufFile& f, const std::string& arch, int repeat,
                            const std::map<std::string, KeyChange>& changes, const std::string& path,
                            const std::function<bool(const std::string&, std::vector<uint8_t>&)>& edit_tensor = {}) {
    kinglet::GgufWriter w;
    const std::string from = f.get_string("general.architecture").value_or("") + ".";
    int64_t n_layer = 0;
    for (const auto& [k, v] : f.metadata()) {
        if (k == "general.alignment") continue;
        const bool arch_key = k.rfind(from, 0) == 0;
        const std::string key = arch_key ? arch + "." + k.substr(from.size()) : k;
        if (k == from + "block_count") n_layer = v.as_int().value_or(0);
        if (!changes.count(key)) w.set_value(key, v);
    }
    w.set_string("general.architecture", arch);
    w.set_u32(arch + ".block_count", uint32_t(n_layer * repeat));
    for (const auto& [k, change] : changes)
        if (!change.remove) w.set_value(k, change.value);
    for (const kinglet::TensorInfo& t : f.tensors()) {
        const std::vector<int64_t> dims(t.ne, t.ne + t.n_dims);
        const bool layer_tensor = t.name.rfind("blk.", 0) == 0;
        for (int k = 0; k < (layer_tensor ? repeat : 1); ++k) {
            std::string name = t.name;
            if (layer_tensor) {
                const int layer = std::stoi(t.name.substr(4));
                name = "blk." + std::to_string(layer + k * n_layer) + t.name.substr(t.name.find('.', 4));
            }
            std::vector<uint8_t> bytes(t.data, t.data + t.nbytes);
            if (!edit_tensor || edit_tensor(name, bytes)) w.add_tensor(name, t.type, dims, bytes);
        }
    }
    w.write(path);
}

// Copies a Llama-architecture file with n_head heads of head_dim values over n_head_kv KV
// heads: Q, K, V and O replaced by deterministic pseudo-random F32 weights of the new shapes
// (|w| < 0.06), everything else as it is. For attention tests of other head layouts.
inline void rewrite_attention_heads(const kinglet::GgufFile& f, int n_head, int n_head_kv, int head_dim,
                                    const std::string& path) {
    kinglet::GgufWriter w;
    for (const auto& [k, v] : f.metadata())
        if (k != "general.alignment") w.set_value(k, v);
    w.set_u32("llama.attention.head_count", uint32_t(n_head));
    w.set_u32("llama.attention.head_count_kv", uint32_t(n_head_kv));
    w.set_u32("llama.attention.key_length", uint32_t(head_dim));
    w.set_u32("llama.attention.value_length", uint32_t(head_dim));
    w.set_u32("llama.rope.dimension_count", uint32_t(head_dim));
    const int64_t n_embd = f.metadata().at("llama.embedding_length").as_int().value();
    uint32_t state = 12345;
    for (const kinglet::TensorInfo& t : f.tensors()) {
        std::vector<int64_t> dims(t.ne, t.ne + t.n_dims);
        std::vector<uint8_t> bytes(t.data, t.data + t.nbytes);
        const auto is = [&](const char* what) { return t.name.find(what) != std::string::npos; };
        kinglet::GgmlType type = t.type;
        if (is("attn_q.weight")) dims = {n_embd, int64_t(n_head) * head_dim};
        else if (is("attn_k.weight") || is("attn_v.weight")) dims = {n_embd, int64_t(n_head_kv) * head_dim};
        else if (is("attn_output.weight")) dims = {int64_t(n_head) * head_dim, n_embd};
        if (dims != std::vector<int64_t>(t.ne, t.ne + t.n_dims)) {
            std::vector<float> v(size_t(dims[0] * dims[1]));
            for (float& x : v) {
                state = state * 1664525u + 1013904223u;
                x = 0.06f * (float(state >> 8) / float(1u << 24) * 2.0f - 1.0f);
            }
            bytes.assign(reinterpret_cast<const uint8_t*>(v.data()), reinterpret_cast<const uint8_t*>(v.data() + v.size()));
            type = kinglet::GgmlType::F32;
        }
        w.add_tensor(t.name, type, dims, bytes);
    }
    w.write(path);
}

inline kinglet::GgufValue gguf_string(const std::string& s) {
    kinglet::GgufValue v;
    v.type = kinglet::GgufValueType::String;
    v.v = s;
    return v;
}

inline kinglet::GgufValue gguf_number(kinglet::GgufValueType type, double x) {
    kinglet::GgufValue v;
    v.type = type;
    if (type == kinglet::GgufValueType::F32 || type == kinglet::GgufValueType::F64) v.v = x;
    else v.v = static_cast<int64_t>(x);
    return v;
}

}  // namespace kinglet_test
