#include "model/model_writer.h"

#include <cmath>
#include <map>
#include <set>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "quant/quant.h"
#include "runtime/thread_pool.h"
#include "util/error.h"

namespace kinglet {
namespace {

GgmlType parse_type(const std::string& name) {
    for (uint32_t raw = 0; raw < 40; ++raw)
        if (auto info = type_info(raw); info && name == info->name) return static_cast<GgmlType>(raw);
    throw Error("unknown tensor type '" + name + "'");
}

// llama.cpp's Q4_K_M gives more bits to the first and last eighth of the layers and to
// every third layer between them, for attn_v and ffn_down.
bool use_more_bits(int layer, int n_layer) {
    return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

// K-quants need rows in multiples of 256; otherwise use the nearest legacy type.
GgmlType fit_row(GgmlType t, int64_t row_len) {
    if (row_len % type_info(t).block_size == 0) return t;
    if (t == GgmlType::Q4_K) return row_len % 32 == 0 ? GgmlType::Q5_0 : GgmlType::F16;
    if (t == GgmlType::Q6_K || t == GgmlType::Q4_0 || t == GgmlType::Q8_0)
        return row_len % 32 == 0 ? GgmlType::Q8_0 : GgmlType::F16;
    return GgmlType::F16;
}

std::vector<uint8_t> quantize_tensor(GgmlType type, const std::vector<float>& values, int64_t row_len) {
    const int64_t rows = int64_t(values.size()) / row_len;
    const size_t rb = row_bytes(type, row_len);
    std::vector<uint8_t> out(rb * rows);
    ThreadPool pool(0);
    pool.parallel_for(rows, [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) quantize_row(type, values.data() + r * row_len, out.data() + r * rb, row_len);
    });
    return out;
}

int layer_of(const std::string& name) {
    if (name.rfind("blk.", 0) != 0) return -1;
    return std::atoi(name.c_str() + 4);
}

}  // namespace

uint32_t file_type_number(const std::string& target) {
    static const std::map<std::string, uint32_t> kNumbers = {{"F32", 0}, {"F16", 1}, {"Q4_0", 2}, {"Q4_1", 3},
        {"Q8_0", 7}, {"Q5_0", 8}, {"Q5_1", 9}, {"Q2_K", 10}, {"Q3_K", 12}, {"Q4_K", 14}, {"Q4_K_M", 15}, {"Q5_K", 16}, {"Q6_K", 18},
        {"IQ4_NL", 25}, {"IQ4_XS", 30}, {"BF16", 32}};
    auto it = kNumbers.find(target);
    return it == kNumbers.end() ? 0 : it->second;
}

GgmlType choose_tensor_type(const std::string& target, const std::string& name, int n_dims, int64_t row_len,
                            int layer, int n_layer) {
    if (n_dims < 2 || name.find("_norm") != std::string::npos || name.find("rope_") == 0) return GgmlType::F32;
    if (target == "Q4_K_M") {
        const bool is_output = name == "output.weight" || name == "token_embd.weight";
        const bool more = (name.find("attn_v.weight") != std::string::npos ||
                           name.find("ffn_down.weight") != std::string::npos) && use_more_bits(layer, n_layer);
        return fit_row(is_output || more ? GgmlType::Q6_K : GgmlType::Q4_K, row_len);
    }
    return fit_row(parse_type(target), row_len);
}

void quantize_model(const std::string& in_path, const std::string& out_path, const std::string& target) {
    auto in = GgufFile::open(in_path);
    GgufWriter w;
    for (const auto& [key, value] : in->metadata())
        if (key != "general.alignment") w.set_value(key, value);  // the writer uses its own alignment
    const std::string arch = in->get_string("general.architecture").value_or("");
    const int n_layer = int(in->get_int(arch + ".block_count").value_or(1));
    for (const auto& t : in->tensors()) {
        const GgmlType type = choose_tensor_type(target, t.name, t.n_dims, t.ne[0], layer_of(t.name), n_layer);
        if (!can_quantize_to(type)) throw Error("cannot quantize to " + type_name(type));
        std::vector<float> values(size_t(t.n_elements()));
        const size_t rb = row_bytes(t.type, t.ne[0]);
        for (int64_t r = 0; r < t.n_rows(); ++r)
            dequantize_row(t.type, t.data + r * rb, values.data() + r * t.ne[0], t.ne[0]);
        std::vector<int64_t> dims(t.ne, t.ne + t.n_dims);
        w.add_tensor(t.name, type, dims, quantize_tensor(type, values, t.ne[0]));
    }
    w.set_string("general.quantized_by", "kinglet-cli quantize " + target);
    w.set_u32("general.file_type", file_type_number(target));
    w.write(out_path);
}

}  // namespace kinglet
