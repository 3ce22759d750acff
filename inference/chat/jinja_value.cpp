// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/jinja_value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "chat/jinja_string.h"

namespace kinglet::chat::jinja {

namespace {

void check_depth(int depth) {
    if (depth > kMaxDataDepth) fail("data structure nested too deeply (or recursive)");
}

int child_depth(const Value& v) {
    if (v.is_list()) return v.as_list().depth;
    if (v.is_dict()) return v.as_dict().depth;
    return 0;  // namespaces are emptied one by one when rendering ends (see Context)
}

std::string canonical_key(const Value& k, int depth = 0) {
    check_depth(depth);
    switch (k.kind()) {
        case Kind::String: return "s" + k.as_string();  // only inside tuples
        case Kind::Bool:
        case Kind::Int: return "i" + std::to_string(k.to_int());
        case Kind::Float: {
            const double d = k.as_float();
            if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18)
                return "i" + std::to_string(static_cast<int64_t>(d));
            return "f" + py_float_repr(d);
        }
        case Kind::None: return "n";
        case Kind::Undefined: return "u";
        case Kind::List: {
            if (!k.as_list().tuple) fail("unhashable type: 'list'");
            std::string key = "t(";
            for (const Value& item : k.as_list().items) key += canonical_key(item, depth + 1) + ",";
            return key + ")";
        }
        case Kind::Dict: fail("unhashable type: 'dict'");
        default: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "o%p", k.identity());
            return buf;
        }
    }
}

std::string str_impl(const Value& v, bool as_repr, int depth) {
    check_depth(depth);
    switch (v.kind()) {
        case Kind::Undefined: return as_repr ? "Undefined" : "";
        case Kind::None: return "None";
        case Kind::Bool: return v.as_bool() ? "True" : "False";
        case Kind::Int: return py_int_str(v.as_int());
        case Kind::Float: return py_float_repr(v.as_float());
        case Kind::String: return as_repr ? py_repr_string(v.as_string()) : v.as_string();
        case Kind::List: {
            const ListData& l = v.as_list();
            std::string out = l.tuple ? "(" : "[";
            for (size_t i = 0; i < l.items.size(); ++i) {
                if (i) out += ", ";
                out += str_impl(l.items[i], true, depth + 1);
            }
            if (l.tuple && l.items.size() == 1) out += ",";
            return out + (l.tuple ? ")" : "]");
        }
        case Kind::Dict:
        case Kind::Namespace: {
            const DictData& d = v.is_dict() ? v.as_dict() : v.as_namespace().attrs;
            std::string out = v.is_dict() ? "{" : "<Namespace {";
            for (size_t i = 0; i < d.items.size(); ++i) {
                if (i) out += ", ";
                out += str_impl(d.items[i].first, true, depth + 1) + ": " +
                       str_impl(d.items[i].second, true, depth + 1);
            }
            return out + (v.is_dict() ? "}" : "}>");
        }
        case Kind::Callable: return v.as_callable()->repr();
    }
    return {};
}

bool equals_impl(const Value& a, const Value& b, int depth) {
    check_depth(depth);
    if (a.is_number() && b.is_number()) {
        if (a.is_float() || b.is_float()) return a.to_double() == b.to_double();
        return a.to_int() == b.to_int();
    }
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
        case Kind::Undefined:
        case Kind::None: return true;
        case Kind::String: return a.as_string() == b.as_string();
        case Kind::List: {
            const ListData& x = a.as_list();
            const ListData& y = b.as_list();
            if (x.tuple != y.tuple || x.items.size() != y.items.size()) return false;
            for (size_t i = 0; i < x.items.size(); ++i)
                if (!equals_impl(x.items[i], y.items[i], depth + 1)) return false;
            return true;
        }
        case Kind::Dict: {
            const DictData& x = a.as_dict();
            const DictData& y = b.as_dict();
            if (x.items.size() != y.items.size()) return false;
            for (const auto& [k, v] : x.items) {
                const Value* other = y.find(k);
                if (!other || !equals_impl(v, *other, depth + 1)) return false;
            }
            return true;
        }
        default: return a.identity() == b.identity();
    }
}

int compare_impl(const Value& a, const Value& b, int depth) {
    check_depth(depth);
    if (a.is_number() && b.is_number()) {
        if (a.is_float() || b.is_float()) {
            const double x = a.to_double(), y = b.to_double();
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        const int64_t x = a.to_int(), y = b.to_int();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    if (a.is_string() && b.is_string()) {
        const int c = a.as_string().compare(b.as_string());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    if (a.is_list() && b.is_list() && a.as_list().tuple == b.as_list().tuple) {
        const auto& x = a.as_list().items;
        const auto& y = b.as_list().items;
        for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
            if (equals_impl(x[i], y[i], depth + 1)) continue;
            return compare_impl(x[i], y[i], depth + 1);
        }
        return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
    }
    require_defined(a);
    require_defined(b);
    fail("'<' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'");
}

}  // namespace

void fail(const std::string& message) { throw Failure(message); }

Value Callable::attribute(const std::string&) { return Value(); }

Value Value::list(std::vector<Value> items, bool tuple) {
    if (items.size() > kMaxIterableItems) fail("list too long");
    auto l = std::make_shared<ListData>();
    for (const Value& v : items) l->depth = std::max(l->depth, child_depth(v) + 1);
    if (l->depth > kMaxDataDepth) fail("data structure nested too deeply");
    l->items = std::move(items);
    l->tuple = tuple;
    return Value(std::move(l));
}

const void* Value::identity() const {
    switch (kind()) {
        case Kind::List: return &as_list();
        case Kind::Dict: return &as_dict();
        case Kind::Namespace: return &as_namespace();
        case Kind::Callable: return as_callable().get();
        default: return nullptr;
    }
}

bool Value::truthy() const {
    switch (kind()) {
        case Kind::Undefined:
        case Kind::None: return false;
        case Kind::Bool: return as_bool();
        case Kind::Int: return as_int() != 0;
        case Kind::Float: return as_float() != 0.0;
        case Kind::String: return !as_string().empty();
        case Kind::List: return !as_list().items.empty();
        case Kind::Dict: return !as_dict().items.empty();
        default: return true;
    }
}

const Value* DictData::find(const Value& key) const {
    if (key.is_string()) return find(key.as_string());
    auto it = other_index.find(canonical_key(key));
    return it == other_index.end() ? nullptr : &items[it->second].second;
}

const Value* DictData::find(const std::string& key) const {
    auto it = str_index.find(key);
    return it == str_index.end() ? nullptr : &items[it->second].second;
}

void DictData::clear() {
    items.clear();
    str_index.clear();
    other_index.clear();
}

void DictData::set(const Value& key, Value value) {
    const int d = std::max(child_depth(key), child_depth(value)) + 1;
    if (d > kMaxDataDepth) fail("data structure nested too deeply");
    depth = std::max(depth, d);
    auto [it, inserted] = key.is_string() ? str_index.emplace(key.as_string(), items.size())
                                          : other_index.emplace(canonical_key(key), items.size());
    if (inserted) items.emplace_back(key, std::move(value));
    else items[it->second].second = std::move(value);
}

int64_t float_to_int(double d) {
    if (std::isnan(d)) fail("cannot convert float NaN to integer");
    if (std::isinf(d)) fail("cannot convert float infinity to integer");
    const double t = std::trunc(d);
    if (t >= 9223372036854775808.0 || t < -9223372036854775808.0) fail("integer too large");
    return static_cast<int64_t>(t);
}

std::string to_str(const Value& v) { return str_impl(v, false, 0); }
std::string repr(const Value& v) { return str_impl(v, true, 0); }

std::string type_name(const Value& v) {
    switch (v.kind()) {
        case Kind::Undefined: return "Undefined";
        case Kind::None: return "NoneType";
        case Kind::Bool: return "bool";
        case Kind::Int: return "int";
        case Kind::Float: return "float";
        case Kind::String: return "str";
        case Kind::List: return v.as_list().tuple ? "tuple" : "list";
        case Kind::Dict: return "dict";
        case Kind::Namespace: return "Namespace";
        case Kind::Callable: return v.as_callable()->type_name();
    }
    return "object";
}

bool equals(const Value& a, const Value& b) { return equals_impl(a, b, 0); }
int compare(const Value& a, const Value& b) { return compare_impl(a, b, 0); }

std::string undefined_message(const Value& v) {
    const std::string& hint = v.undefined_hint();
    return hint.empty() ? "value is undefined" : hint;
}

void require_defined(const Value& v) {
    if (v.is_undefined()) fail(undefined_message(v));
}

int64_t length(const Value& v) {
    switch (v.kind()) {
        case Kind::Undefined: return 0;
        case Kind::String: return static_cast<int64_t>(utf8_length(v.as_string()));
        case Kind::List: return static_cast<int64_t>(v.as_list().items.size());
        case Kind::Dict: return static_cast<int64_t>(v.as_dict().items.size());
        default: fail("object of type '" + type_name(v) + "' has no len()");
    }
}

std::vector<Value> iterate(const Value& v) {
    std::vector<Value> out;
    switch (v.kind()) {
        case Kind::Undefined: break;
        case Kind::String: {
            const std::string& s = v.as_string();
            if (s.size() > kMaxIterableItems) fail("string too long to iterate");
            if (is_ascii(s)) {
                out.reserve(s.size());
                for (char c : s) out.emplace_back(std::string(1, c));
            } else {
                for (char32_t c : decode_utf8(s)) {
                    std::string one;
                    append_utf8(one, c);
                    out.emplace_back(std::move(one));
                }
            }
            break;
        }
        case Kind::List: out = v.as_list().items; break;
        case Kind::Dict:
            out.reserve(v.as_dict().items.size());
            for (const auto& kv : v.as_dict().items) out.push_back(kv.first);
            break;
        default: fail("'" + type_name(v) + "' object is not iterable");
    }
    return out;
}

ArgReader::ArgReader(const char* function, const Args& args, std::initializer_list<const char*> params)
    : function_(function), slots_(params.size(), nullptr), names_(params) {
    if (args.pos.size() > params.size())
        fail(std::string(function) + "() takes at most " + std::to_string(params.size()) + " arguments (" +
             std::to_string(args.pos.size()) + " given)");
    for (size_t i = 0; i < args.pos.size(); ++i) slots_[i] = &args.pos[i];
    for (const auto& [name, value] : args.kw) {
        size_t i = 0;
        while (i < names_.size() && name != names_[i]) ++i;
        if (i == names_.size()) fail(std::string(function) + "() got an unexpected keyword argument '" + name + "'");
        if (slots_[i]) fail(std::string(function) + "() got multiple values for argument '" + name + "'");
        slots_[i] = &value;
    }
}

const Value& ArgReader::get(size_t i) const {
    if (!slots_[i]) fail(std::string(function_) + "() missing required argument '" + names_[i] + "'");
    return *slots_[i];
}

}  // namespace kinglet::chat::jinja
