// Copies a GGUF file with some metadata keys changed or removed, tensors as they are:
// for tests that need a real model with one setting different.
#pragma once
#include <map>
#include <string>

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
