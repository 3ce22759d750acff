// Writes GGUF v3 files: used by `kinglet-cli quantize`/`synth` and by tests that need
// small or deliberately broken files.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"

namespace kinglet {

class GgufWriter {
public:
    void set_string(const std::string& key, const std::string& value);
    void set_u32(const std::string& key, uint32_t value);
    void set_i32(const std::string& key, int32_t value);
    void set_f32(const std::string& key, float value);
    void set_bool(const std::string& key, bool value);
    void set_string_array(const std::string& key, const std::vector<std::string>& values);
    void set_f32_array(const std::string& key, const std::vector<float>& values);
    void set_i32_array(const std::string& key, const std::vector<int32_t>& values);
    // Copies a metadata value as it is (for re-writing a file with new tensors).
    void set_value(const std::string& key, const GgufValue& value);

    // dims: ne[0] first. data must hold exactly the type's byte size for that shape.
    void add_tensor(const std::string& name, GgmlType type, const std::vector<int64_t>& dims,
                    std::vector<uint8_t> data);

    // Serialized file; throws kinglet::Error if it cannot be written.
    std::vector<uint8_t> bytes() const;
    void write(const std::string& path) const;

private:
    struct Tensor {
        std::string name;
        GgmlType type;
        std::vector<int64_t> dims;
        std::vector<uint8_t> data;
    };
    std::vector<std::pair<std::string, std::vector<uint8_t>>> kv_;  // key -> encoded type+value
    std::vector<Tensor> tensors_;
    void set_raw(const std::string& key, std::vector<uint8_t> encoded);
};

}  // namespace kinglet
