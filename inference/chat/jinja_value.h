// The values a Jinja template computes with, modelled on the Python objects Jinja2 uses:
// Undefined, None, bool, int, float, str, list/tuple, dict (insertion-ordered), namespace
// and callables (macros, filters' helpers, bound methods, and objects such as cycler()).
// Lists, dicts, namespaces and callables are shared by reference like Python objects;
// everything else is a plain value.
#pragma once
#include <concepts>
#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace kinglet::chat::jinja {

class Value;
class Context;

// Raised for any template problem; the parser/evaluator fills in where it happened.
struct Failure : std::exception {
    std::string message;
    int line = 0;
    int column = 0;
    bool raised = false;  // raise_exception() called by the template itself
    explicit Failure(std::string m, bool from_template = false)
        : message(std::move(m)), raised(from_template) {}
    const char* what() const noexcept override { return message.c_str(); }
};
[[noreturn]] void fail(const std::string& message);

// Concatenates string pieces (avoids GCC 12's false -Wrestrict on "lit" + std::string).
template <class... Parts>
std::string cat(const Parts&... parts) {
    std::string out;
    (out.append(std::string_view(parts)), ...);
    return out;
}

// Lists and dicts record how deeply they nest; building one deeper than this fails, so
// printing, comparing or destroying values never recurses without bound.
constexpr int kMaxDataDepth = 200;
constexpr size_t kMaxIterableItems = 1'000'000;  // longest list, or string to iterate

struct ListData {
    std::vector<Value> items;
    bool tuple = false;
    int depth = 1;
    // A namedtuple's item names (groupby's grouper/list), read as attributes; they point to
    // static storage. Empty for plain lists and tuples.
    std::span<const char* const> field_names;
};

struct DictData {
    std::vector<std::pair<Value, Value>> items;
    int depth = 1;
    std::unordered_map<std::string, size_t> str_index;    // str key -> position in items
    std::unordered_map<std::string, size_t> other_index;  // canonical form of other keys
    const Value* find(const Value& key) const;            // nullptr when absent
    const Value* find(const std::string& key) const;
    void set(const Value& key, Value value);
    void clear();
};

struct NamespaceData {
    DictData attrs;
};

struct Args {
    std::vector<Value> pos;
    std::vector<std::pair<std::string, Value>> kw;
};

// Functions, and the few Python objects templates get from Jinja (cycler): these are not
// callable and answer `obj.name` through attribute() instead.
struct Callable {
    virtual ~Callable() = default;
    virtual Value call(Context& ctx, Args& args) = 0;
    virtual std::string repr() const = 0;
    virtual bool callable() const { return true; }
    virtual std::string type_name() const { return "function"; }
    virtual Value attribute(const std::string& name);  // undefined: no such attribute
};

enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Callable };

struct UndefinedData {
    std::string hint;  // what to say when it is used in a way that must fail
};

class Value {
public:
    Value() : data_(UndefinedData{}) {}
    Value(bool b) : data_(b) {}
    template <std::integral T>
        requires(!std::same_as<T, bool> && !std::same_as<T, char>)
    Value(T v) : data_(static_cast<int64_t>(v)) {}
    Value(double d) : data_(d) {}
    Value(std::string s) : data_(std::move(s)) {}
    Value(const char* s) : data_(std::string(s)) {}
    Value(std::shared_ptr<ListData> l) : data_(std::move(l)) {}
    Value(std::shared_ptr<DictData> d) : data_(std::move(d)) {}
    Value(std::shared_ptr<NamespaceData> n) : data_(std::move(n)) {}
    Value(std::shared_ptr<Callable> c) : data_(std::move(c)) {}

    static Value none() { Value v; v.data_ = nullptr; return v; }
    static Value undefined(std::string hint = {}) { Value v; v.data_ = UndefinedData{std::move(hint)}; return v; }
    static Value list(std::vector<Value> items = {}, bool tuple = false);
    static Value tuple(std::vector<Value> items) { return list(std::move(items), true); }
    static Value dict() { return Value(std::make_shared<DictData>()); }

    Kind kind() const { return static_cast<Kind>(data_.index()); }
    bool is_undefined() const { return kind() == Kind::Undefined; }
    bool is_none() const { return kind() == Kind::None; }
    bool is_bool() const { return kind() == Kind::Bool; }
    bool is_int() const { return kind() == Kind::Int; }
    bool is_float() const { return kind() == Kind::Float; }
    bool is_number() const { return is_int() || is_float() || is_bool(); }
    bool is_string() const { return kind() == Kind::String; }
    bool is_list() const { return kind() == Kind::List; }  // list or tuple
    bool is_dict() const { return kind() == Kind::Dict; }
    bool is_namespace() const { return kind() == Kind::Namespace; }
    bool is_callable() const { return kind() == Kind::Callable; }

    bool as_bool() const { return std::get<bool>(data_); }
    int64_t as_int() const { return std::get<int64_t>(data_); }
    double as_float() const { return std::get<double>(data_); }
    const std::string& as_string() const { return std::get<std::string>(data_); }
    ListData& as_list() const { return *std::get<std::shared_ptr<ListData>>(data_); }
    DictData& as_dict() const { return *std::get<std::shared_ptr<DictData>>(data_); }
    NamespaceData& as_namespace() const { return *std::get<std::shared_ptr<NamespaceData>>(data_); }
    const std::shared_ptr<Callable>& as_callable() const { return std::get<std::shared_ptr<Callable>>(data_); }
    const std::string& undefined_hint() const { return std::get<UndefinedData>(data_).hint; }
    const void* identity() const;  // for `is sameas` on shared objects

    // Python numbers: bool and int widen to int64, everything numeric to double.
    int64_t to_int() const { return is_bool() ? (as_bool() ? 1 : 0) : as_int(); }
    double to_double() const { return is_float() ? as_float() : static_cast<double>(to_int()); }

    bool truthy() const;

private:
    std::variant<UndefinedData, std::nullptr_t, bool, int64_t, double, std::string, std::shared_ptr<ListData>,
                 std::shared_ptr<DictData>, std::shared_ptr<NamespaceData>, std::shared_ptr<Callable>>
        data_;
};

// int(d) for a float; fails where Python would need a big integer (or d is inf/nan).
int64_t float_to_int(double d);

// Python's str(), repr() and type(x).__name__.
std::string to_str(const Value& v);
std::string repr(const Value& v);
std::string type_name(const Value& v);
// Python's ==, and <-style ordering (-1/0/1; fails like Python for unorderable types).
bool equals(const Value& a, const Value& b);
int compare(const Value& a, const Value& b);
// len() and iteration, as Python and Jinja's Undefined see them.
int64_t length(const Value& v);
std::vector<Value> iterate(const Value& v);
// Raises Jinja's UndefinedError for a value that must not be undefined here.
void require_defined(const Value& v);
std::string undefined_message(const Value& v);

// Positional/keyword argument binding for built-in functions, like a Python signature.
class ArgReader {
public:
    ArgReader(const char* function, const Args& args, std::initializer_list<const char*> params);
    bool has(size_t i) const { return slots_[i] != nullptr; }
    const Value& get(size_t i) const;  // fails when missing
    Value get_or(size_t i, Value fallback) const { return has(i) ? *slots_[i] : std::move(fallback); }

private:
    const char* function_;
    std::vector<const Value*> slots_;
    std::vector<const char*> names_;
};

}  // namespace kinglet::chat::jinja
