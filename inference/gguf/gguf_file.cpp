#include "gguf/gguf_file.h"

#include <cstring>
#include <sstream>

#include "util/checked_math.h"
#include "util/error.h"
#include "util/printable.h"

namespace kinglet {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32
constexpr int kMaxArrayNesting = 4;
constexpr uint64_t kMaxStringLength = 1ull << 30;  // a sanity cap well above any real key or token

// Bounds-checked cursor over the mapped bytes.
class Cursor {
public:
    Cursor(const uint8_t* data, size_t size, const std::string& path) : data_(data), size_(size), path_(path) {}

    size_t pos() const { return pos_; }
    size_t remaining() const { return size_ - pos_; }

    [[noreturn]] void fail(const std::string& what) const {
        std::ostringstream s;
        s << "'" << path_ << "' is not a valid GGUF file: " << what << " (at byte " << pos_ << " of " << size_ << ")";
        throw Error(s.str());
    }

    template <typename T>
    T read(const char* what) {
        if (remaining() < sizeof(T)) fail(std::string("file ends inside ") + what);
        T v;
        std::memcpy(&v, data_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }

    std::string read_string(const char* what) {
        uint64_t len = read<uint64_t>(what);
        if (len > remaining() || len > kMaxStringLength)
            fail(std::string(what) + " has length " + std::to_string(len) + ", past end of file");
        std::string s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
        pos_ += static_cast<size_t>(len);
        return s;
    }

    // Before reserving space for `count` items, make sure the file could hold them.
    void require_items(uint64_t count, uint64_t min_item_bytes, const std::string& what) {
        auto need = checked_mul(count, min_item_bytes);
        if (!need || *need > remaining())
            fail(what + " count " + std::to_string(count) + " is larger than the file can hold");
    }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
    const std::string& path_;
};

// Smallest number of bytes one value of this type takes in the file.
uint64_t min_value_bytes(GgufValueType t) {
    switch (t) {
        case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::Bool: return 1;
        case GgufValueType::U16: case GgufValueType::I16: return 2;
        case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::F32: return 4;
        case GgufValueType::U64: case GgufValueType::I64: case GgufValueType::F64: return 8;
        case GgufValueType::String: return 8;
        case GgufValueType::Array: return 12;
    }
    return 1;
}

bool valid_value_type(uint32_t t) { return t <= 12; }

GgufArray read_array(Cursor& c, int depth);

GgufValue read_value(Cursor& c, GgufValueType type, int depth) {
    GgufValue v;
    v.type = type;
    switch (type) {
        case GgufValueType::U8: v.v = uint64_t{c.read<uint8_t>("u8 value")}; break;
        case GgufValueType::I8: v.v = int64_t{c.read<int8_t>("i8 value")}; break;
        case GgufValueType::U16: v.v = uint64_t{c.read<uint16_t>("u16 value")}; break;
        case GgufValueType::I16: v.v = int64_t{c.read<int16_t>("i16 value")}; break;
        case GgufValueType::U32: v.v = uint64_t{c.read<uint32_t>("u32 value")}; break;
        case GgufValueType::I32: v.v = int64_t{c.read<int32_t>("i32 value")}; break;
        case GgufValueType::U64: v.v = c.read<uint64_t>("u64 value"); break;
        case GgufValueType::I64: v.v = c.read<int64_t>("i64 value"); break;
        case GgufValueType::F32: v.v = double{c.read<float>("f32 value")}; break;
        case GgufValueType::F64: v.v = c.read<double>("f64 value"); break;
        case GgufValueType::Bool: {
            uint8_t b = c.read<uint8_t>("bool value");
            if (b > 1) c.fail("bool value " + std::to_string(b) + " is neither 0 nor 1");
            v.v = b != 0;
            break;
        }
        case GgufValueType::String: v.v = c.read_string("string value"); break;
        case GgufValueType::Array: v.v = std::make_shared<GgufArray>(read_array(c, depth + 1)); break;
    }
    return v;
}

GgufArray read_array(Cursor& c, int depth) {
    if (depth > kMaxArrayNesting) c.fail("arrays nested too deeply");
    GgufArray a;
    uint32_t raw = c.read<uint32_t>("array element type");
    if (!valid_value_type(raw)) c.fail("unknown array element type " + std::to_string(raw));
    a.elem_type = static_cast<GgufValueType>(raw);
    uint64_t n = c.read<uint64_t>("array length");
    c.require_items(n, min_value_bytes(a.elem_type), "array element");
    switch (a.elem_type) {
        case GgufValueType::String:
            a.strings.reserve(n);
            for (uint64_t i = 0; i < n; ++i) a.strings.push_back(c.read_string("array string"));
            break;
        case GgufValueType::F32:
        case GgufValueType::F64:
            a.floats.reserve(n);
            for (uint64_t i = 0; i < n; ++i) a.floats.push_back(*read_value(c, a.elem_type, depth).as_double());
            break;
        case GgufValueType::Array:
            a.arrays.reserve(n);
            for (uint64_t i = 0; i < n; ++i) a.arrays.push_back(read_array(c, depth + 1));
            break;
        default:
            a.ints.reserve(n);
            for (uint64_t i = 0; i < n; ++i) {
                auto x = read_value(c, a.elem_type, depth).as_int();
                if (!x) c.fail("array integer out of range");
                a.ints.push_back(*x);
            }
    }
    return a;
}

}  // namespace

bool GgufValue::is_integer() const {
    return std::holds_alternative<uint64_t>(v) || std::holds_alternative<int64_t>(v);
}

std::optional<int64_t> GgufValue::as_int() const {
    if (auto* u = std::get_if<uint64_t>(&v)) {
        if (*u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
        return static_cast<int64_t>(*u);
    }
    if (auto* i = std::get_if<int64_t>(&v)) return *i;
    if (auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
    return std::nullopt;
}

std::optional<double> GgufValue::as_double() const {
    if (auto* d = std::get_if<double>(&v)) return *d;
    if (auto* u = std::get_if<uint64_t>(&v)) return static_cast<double>(*u);
    if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
    return std::nullopt;
}

std::string GgufValue::to_display_string() const {
    if (auto* s = std::get_if<std::string>(&v)) return *s;
    if (auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
    if (auto* u = std::get_if<uint64_t>(&v)) return std::to_string(*u);
    if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
    if (auto* d = std::get_if<double>(&v)) {
        std::ostringstream s;
        s << *d;
        return s.str();
    }
    auto& a = std::get<std::shared_ptr<GgufArray>>(v);
    return "[array of " + std::to_string(a->size()) + "]";
}

size_t GgufArray::size() const { return strings.size() + floats.size() + ints.size() + arrays.size(); }

std::string TensorInfo::shape_string() const {
    std::string s = "[";
    for (int i = 0; i < n_dims; ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

std::unique_ptr<GgufFile> GgufFile::open(const std::string& path) {
    std::unique_ptr<GgufFile> f(new GgufFile(std::make_unique<MappedFile>(path)));
    f->parse();
    return f;
}

void GgufFile::parse() {
    const std::string& p = file_->path();
    Cursor c(file_->data(), file_->size(), p);
    if (c.read<uint32_t>("magic") != kMagic) c.fail("bad magic (not a GGUF file)");
    version_ = c.read<uint32_t>("version");
    if (version_ != 2 && version_ != 3) c.fail("unsupported GGUF version " + std::to_string(version_) + " (need 2 or 3)");
    uint64_t n_tensors = c.read<uint64_t>("tensor count");
    uint64_t n_kv = c.read<uint64_t>("metadata count");
    c.require_items(n_kv, 8 + 4 + 1, "metadata");
    c.require_items(n_tensors, 8 + 4 + 4 + 8, "tensor");

    for (uint64_t i = 0; i < n_kv; ++i) {
        std::string key = c.read_string("metadata key");
        uint32_t raw = c.read<uint32_t>("metadata value type");
        if (!valid_value_type(raw)) c.fail("metadata '" + printable(key) + "' has unknown value type " + std::to_string(raw));
        GgufValue v = read_value(c, static_cast<GgufValueType>(raw), 0);
        if (!kv_.emplace(key, std::move(v)).second) c.fail("duplicate metadata key '" + printable(key) + "'");
    }

    if (auto* a = find("general.alignment")) {
        auto n = a->as_int();
        if (!n || *n <= 0 || *n > (1 << 20) || (*n & (*n - 1)) != 0)
            c.fail("general.alignment must be a power of two (got " + a->to_display_string() + ")");
        alignment_ = static_cast<uint64_t>(*n);
    }

    tensors_.reserve(n_tensors);
    for (uint64_t i = 0; i < n_tensors; ++i) {
        TensorInfo t;
        t.name = c.read_string("tensor name");
        uint32_t n_dims = c.read<uint32_t>("tensor dimension count");
        if (n_dims == 0 || n_dims > 4)
            c.fail("tensor '" + printable(t.name) + "' has " + std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
        t.n_dims = static_cast<int>(n_dims);
        uint64_t count = 1;
        for (uint32_t d = 0; d < n_dims; ++d) {
            uint64_t ne = c.read<uint64_t>("tensor dimension");
            if (ne == 0 || ne > (1ull << 40)) c.fail("tensor '" + printable(t.name) + "' has dimension " + std::to_string(ne));
            auto next = checked_mul(count, ne);
            if (!next || *next > (1ull << 48)) c.fail("tensor '" + printable(t.name) + "' has too many elements");
            count = *next;
            t.ne[d] = static_cast<int64_t>(ne);
        }
        uint32_t raw_type = c.read<uint32_t>("tensor type");
        auto info = type_info(raw_type);
        if (!info) c.fail("tensor '" + printable(t.name) + "' has unknown type " + std::to_string(raw_type));
        t.type = static_cast<GgmlType>(raw_type);
        if (t.ne[0] % info->block_size != 0)
            c.fail("tensor '" + printable(t.name) + "' row length " + std::to_string(t.ne[0]) + " is not a multiple of the " +
                   info->name + " block size " + std::to_string(info->block_size));
        t.nbytes = static_cast<size_t>(count / static_cast<uint64_t>(info->block_size) * info->type_size);
        t.offset = c.read<uint64_t>("tensor offset");
        if (t.offset % alignment_ != 0) c.fail("tensor '" + printable(t.name) + "' offset is not aligned");
        if (!tensor_index_.emplace(t.name, tensors_.size()).second) c.fail("duplicate tensor name '" + printable(t.name) + "'");
        tensors_.push_back(std::move(t));
    }

    uint64_t data_start = (c.pos() + alignment_ - 1) / alignment_ * alignment_;
    data_offset_ = data_start;
    for (TensorInfo& t : tensors_) {
        auto begin = checked_add(data_start, t.offset);
        auto end = begin ? checked_add(*begin, t.nbytes) : std::nullopt;
        if (!end || *end > file_->size()) {
            std::ostringstream s;
            s << "tensor '" << t.name << "' extends past end of file (offset " << t.offset << ", size " << t.nbytes
              << ", file " << file_->size() << ")";
            throw Error("'" + p + "': " + s.str());
        }
        t.data = file_->data() + *begin;
    }
}

const GgufValue* GgufFile::find(const std::string& key) const {
    auto it = kv_.find(key);
    return it == kv_.end() ? nullptr : &it->second;
}

std::optional<std::string> GgufFile::get_string(const std::string& key) const {
    auto* v = find(key);
    if (!v) return std::nullopt;
    if (auto* s = std::get_if<std::string>(&v->v)) return *s;
    return std::nullopt;
}

std::optional<int64_t> GgufFile::get_int(const std::string& key) const {
    auto* v = find(key);
    return v ? v->as_int() : std::nullopt;
}

std::optional<double> GgufFile::get_float(const std::string& key) const {
    auto* v = find(key);
    return v ? v->as_double() : std::nullopt;
}

std::optional<bool> GgufFile::get_bool(const std::string& key) const {
    auto* v = find(key);
    if (!v) return std::nullopt;
    if (auto* b = std::get_if<bool>(&v->v)) return *b;
    return std::nullopt;
}

const GgufArray* GgufFile::get_array(const std::string& key) const {
    auto* v = find(key);
    if (!v) return nullptr;
    if (auto* a = std::get_if<std::shared_ptr<GgufArray>>(&v->v)) return a->get();
    return nullptr;
}

const TensorInfo* GgufFile::find_tensor(const std::string& name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace kinglet
