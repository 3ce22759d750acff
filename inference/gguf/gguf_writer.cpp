#include "gguf/gguf_writer.h"

#include <cstring>
#include <fstream>

#include "util/error.h"

namespace kinglet {
namespace {

constexpr uint64_t kAlignment = 32;

template <typename T>
void put(std::vector<uint8_t>& out, T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.insert(out.end(), b, b + sizeof(T));
}

void put_string(std::vector<uint8_t>& out, const std::string& s) {
    put<uint64_t>(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

void put_value(std::vector<uint8_t>& out, const GgufValue& v);

void put_array(std::vector<uint8_t>& out, const GgufArray& a) {
    put<uint32_t>(out, static_cast<uint32_t>(a.elem_type));
    put<uint64_t>(out, a.size());
    for (const auto& s : a.strings) put_string(out, s);
    for (double d : a.floats) {
        if (a.elem_type == GgufValueType::F32) put<float>(out, float(d));
        else put<double>(out, d);
    }
    for (int64_t i : a.ints) {
        switch (a.elem_type) {
            case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::Bool: put<uint8_t>(out, uint8_t(i)); break;
            case GgufValueType::U16: case GgufValueType::I16: put<uint16_t>(out, uint16_t(i)); break;
            case GgufValueType::U32: case GgufValueType::I32: put<uint32_t>(out, uint32_t(i)); break;
            default: put<uint64_t>(out, uint64_t(i));
        }
    }
    for (const auto& sub : a.arrays) put_array(out, sub);
}

void put_value(std::vector<uint8_t>& out, const GgufValue& v) {
    switch (v.type) {
        case GgufValueType::String: put_string(out, std::get<std::string>(v.v)); break;
        case GgufValueType::Array: put_array(out, *std::get<std::shared_ptr<GgufArray>>(v.v)); break;
        case GgufValueType::Bool: put<uint8_t>(out, std::get<bool>(v.v) ? 1 : 0); break;
        case GgufValueType::F32: put<float>(out, float(*v.as_double())); break;
        case GgufValueType::F64: put<double>(out, *v.as_double()); break;
        case GgufValueType::U8: case GgufValueType::I8: put<uint8_t>(out, uint8_t(*v.as_int())); break;
        case GgufValueType::U16: case GgufValueType::I16: put<uint16_t>(out, uint16_t(*v.as_int())); break;
        case GgufValueType::U32: case GgufValueType::I32: put<uint32_t>(out, uint32_t(*v.as_int())); break;
        case GgufValueType::U64:
            put<uint64_t>(out, std::holds_alternative<uint64_t>(v.v) ? std::get<uint64_t>(v.v) : uint64_t(*v.as_int()));
            break;
        case GgufValueType::I64: put<int64_t>(out, *v.as_int()); break;
    }
}

}  // namespace

void GgufWriter::set_raw(const std::string& key, std::vector<uint8_t> encoded) {
    for (auto& [k, v] : kv_)
        if (k == key) {
            v = std::move(encoded);
            return;
        }
    kv_.emplace_back(key, std::move(encoded));
}

void GgufWriter::set_string(const std::string& key, const std::string& value) {
    std::vector<uint8_t> e;
    put<uint32_t>(e, uint32_t(GgufValueType::String));
    put_string(e, value);
    set_raw(key, std::move(e));
}

void GgufWriter::set_u32(const std::string& key, uint32_t value) {
    std::vector<uint8_t> e;
    put<uint32_t>(e, uint32_t(GgufValueType::U32));
    put<uint32_t>(e, value);
    set_raw(key, std::move(e));
}

void GgufWriter::set_i32(const std::string& key, int32_t value) {
    std::vector<uint8_t> e;
    put<uint32_t>(e, uint32_t(GgufValueType::I32));
    put<int32_t>(e, value);
    set_raw(key, std::move(e));
}

void GgufWriter::set_f32(const std::string& key, float value) {
    std::vector<uint8_t> e;
    put<uint32_t>(e, uint32_t(GgufValueType::F32));
    put<float>(e, value);
    set_raw(key, std::move(e));
}

void GgufWriter::set_bool(const std::string& key, bool value) {
    std::vector<uint8_t> e;
    put<uint32_t>(e, uint32_t(GgufValueType::Bool));
    put<uint8_t>(e, value ? 1 : 0);
    set_raw(key, std::move(e));
}

void GgufWriter::set_string_array(const std::string& key, const std::vector<std::string>& values) {
    std::vector<uint8_t> e;
    put<uint32_t>(e, uint32_t(GgufValueType::Array));
    put<uint32_t>(e, uint32_t(GgufValueType::String));
    put<uint64_t>(e, values.size());
    for (const auto& s : values) put_string(e, s);
    set_raw(key, std::move(e));
}

void GgufWriter::set_f32_array(const std::string& key, const std::vector<float>& values) {
    std::vector<uint8_t> e;
    put<uint32_t>(e, uint32_t(GgufValueType::Array));
    put<uint32_t>(e, uint32_t(GgufValueType::F32));
    put<uint64_t>(e, values.size());
    for (float f : values) put<float>(e, f);
    set_raw(key, std::move(e));
}

void GgufWriter::set_i32_array(const std::string& key, const std::vector<int32_t>& values) {
    std::vector<uint8_t> e;
    put<uint32_t>(e, uint32_t(GgufValueType::Array));
    put<uint32_t>(e, uint32_t(GgufValueType::I32));
    put<uint64_t>(e, values.size());
    for (int32_t i : values) put<int32_t>(e, i);
    set_raw(key, std::move(e));
}

void GgufWriter::set_value(const std::string& key, const GgufValue& value) {
    std::vector<uint8_t> e;
    put<uint32_t>(e, uint32_t(value.type));
    put_value(e, value);
    set_raw(key, std::move(e));
}

void GgufWriter::add_tensor(const std::string& name, GgmlType type, const std::vector<int64_t>& dims,
                            std::vector<uint8_t> data) {
    if (dims.empty() || dims.size() > 4) throw Error("tensor '" + name + "' needs 1 to 4 dimensions");
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    TypeInfo info = type_info(type);
    if (dims[0] % info.block_size != 0 || size_t(n / info.block_size) * info.type_size != data.size())
        throw Error("tensor '" + name + "': data size does not match its type and shape");
    tensors_.push_back({name, type, dims, std::move(data)});
}

std::vector<uint8_t> GgufWriter::bytes() const {
    std::vector<uint8_t> out;
    put<uint32_t>(out, 0x46554747);
    put<uint32_t>(out, 3);
    put<uint64_t>(out, tensors_.size());
    put<uint64_t>(out, kv_.size());
    for (const auto& [key, encoded] : kv_) {
        put_string(out, key);
        out.insert(out.end(), encoded.begin(), encoded.end());
    }
    uint64_t offset = 0;
    for (const auto& t : tensors_) {
        put_string(out, t.name);
        put<uint32_t>(out, uint32_t(t.dims.size()));
        for (int64_t d : t.dims) put<uint64_t>(out, uint64_t(d));
        put<uint32_t>(out, uint32_t(t.type));
        put<uint64_t>(out, offset);
        offset += (t.data.size() + kAlignment - 1) / kAlignment * kAlignment;
    }
    out.resize((out.size() + kAlignment - 1) / kAlignment * kAlignment, 0);
    for (const auto& t : tensors_) {
        out.insert(out.end(), t.data.begin(), t.data.end());
        out.resize((out.size() + kAlignment - 1) / kAlignment * kAlignment, 0);
    }
    return out;
}

void GgufWriter::write(const std::string& path) const {
    auto data = bytes();
    std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw Error("cannot write '" + path + "'");
        f.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
        if (!f) throw Error("cannot write '" + path + "' (disk full?)");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error("cannot write '" + path + "'");
}

}  // namespace kinglet
