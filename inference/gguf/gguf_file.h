// Reader for GGUF files (versions 2 and 3, little-endian). The file is treated as
// hostile: every count, length, offset and size is checked against the file before
// it is used, and nothing is allocated from an unchecked header field. Tensor data
// stays in the memory map; TensorInfo::data points into it.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gguf/ggml_type.h"
#include "util/mapped_file.h"

namespace kinglet {

enum class GgufValueType : uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7,
    String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12,
};

struct GgufArray;

// One metadata value. Integers keep their sign (int64 or uint64), floats widen to double.
struct GgufValue {
    GgufValueType type = GgufValueType::U8;
    std::variant<uint64_t, int64_t, double, bool, std::string, std::shared_ptr<GgufArray>> v;

    bool is_integer() const;
    bool is_float() const { return type == GgufValueType::F32 || type == GgufValueType::F64; }
    std::optional<int64_t> as_int() const;    // integer in int64 range
    std::optional<double> as_double() const;  // any number
    std::string to_display_string() const;    // short form for `info`
};

// Arrays keep their elements in one typed vector (strings, or numbers), so that a
// 150k-entry vocabulary does not turn into 150k variants.
struct GgufArray {
    GgufValueType elem_type = GgufValueType::U8;
    std::vector<std::string> strings;   // elem_type == String
    std::vector<double> floats;         // F32, F64
    std::vector<int64_t> ints;          // integer and bool types (U64 above INT64_MAX is rejected)
    std::vector<GgufArray> arrays;      // nested arrays (rare)
    size_t size() const;
};

struct TensorInfo {
    std::string name;
    GgmlType type = GgmlType::F32;
    int n_dims = 0;
    int64_t ne[4] = {1, 1, 1, 1};  // ne[0] is the row length (fastest-varying)
    uint64_t offset = 0;           // relative to the data section
    size_t nbytes = 0;
    const uint8_t* data = nullptr;  // points into the memory map

    int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
    int64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }
    std::string shape_string() const;
};

class GgufFile {
public:
    // Maps and parses the file; throws kinglet::Error naming the problem.
    static std::unique_ptr<GgufFile> open(const std::string& path);

    uint32_t version() const { return version_; }
    const std::string& path() const { return file_->path(); }
    size_t file_size() const { return file_->size(); }
    uint64_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }  // where the tensor data section starts

    const std::map<std::string, GgufValue>& metadata() const { return kv_; }
    const GgufValue* find(const std::string& key) const;
    std::optional<std::string> get_string(const std::string& key) const;
    std::optional<int64_t> get_int(const std::string& key) const;
    std::optional<double> get_float(const std::string& key) const;
    std::optional<bool> get_bool(const std::string& key) const;
    const GgufArray* get_array(const std::string& key) const;

    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    const TensorInfo* find_tensor(const std::string& name) const;

private:
    explicit GgufFile(std::unique_ptr<MappedFile> file) : file_(std::move(file)) {}
    void parse();

    std::unique_ptr<MappedFile> file_;
    uint32_t version_ = 0;
    uint64_t alignment_ = 32;
    uint64_t data_offset_ = 0;
    std::map<std::string, GgufValue> kv_;
    std::vector<TensorInfo> tensors_;
    std::map<std::string, size_t> tensor_index_;
};

}  // namespace kinglet
