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
