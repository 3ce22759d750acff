// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/jinja_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "chat/jinja_eval.h"
#include "chat/jinja_string.h"

namespace kinglet::chat::jinja {

namespace {

Value from_json_at(const nlohmann::ordered_json& j, int depth);

}  // namespace

Value from_json(const nlohmann::ordered_json& j) { return from_json_at(j, 0); }

namespace {

Value from_json_at(const nlohmann::ordered_json& j, int depth) {
    if (depth > kMaxDataDepth) fail("input data nested too deeply");
    using T = nlohmann::ordered_json::value_t;
    switch (j.type()) {
        case T::null: return Value::none();
        case T::boolean: return Value(j.get<bool>());
        case T::number_integer: return Value(j.get<int64_t>());
        case T::number_unsigned: {
            const auto u = j.get<uint64_t>();
            if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
            return Value(static_cast<int64_t>(u));
        }
        case T::number_float: return Value(j.get<double>());
        case T::string: return Value(j.get<std::string>());
        case T::array: {
            std::vector<Value> items;
            items.reserve(j.size());
            for (const auto& e : j) items.push_back(from_json_at(e, depth + 1));
            return Value::list(std::move(items));
        }
        case T::object: {
            Value d = Value::dict();
            for (auto it = j.begin(); it != j.end(); ++it) d.as_dict().set(Value(it.key()), from_json_at(it.value(), depth + 1));
            return d;
        }
        default: fail("unsupported JSON value (binary data)");
    }
}

void dump_string(std::string& out, const std::string& s, bool ensure_ascii) {
    out.push_back('"');
    char buf[16];
    for (char32_t c : decode_utf8(s)) {
        switch (c) {
            case '"': out += "\\\""; continue;
            case '\\': out += "\\\\"; continue;
            case '\n': out += "\\n"; continue;
            case '\r': out += "\\r"; continue;
            case '\t': out += "\\t"; continue;
            case '\b': out += "\\b"; continue;
            case '\f': out += "\\f"; continue;
            default: break;
        }
        if (c < 0x20 || (ensure_ascii && c >= 0x7F)) {
            if (c >= 0x10000) {
                const char32_t v = c - 0x10000;
                std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 + (v >> 10)),
                              static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
            } else {
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            }
            out += buf;
        } else {
            append_utf8(out, c);
        }
    }
    out.push_back('"');
}

std::string float_json(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
    return py_float_repr(d);
}

std::string key_string(const Value& k) {
    switch (k.kind()) {
        case Kind::String: return k.as_string();
        case Kind::Bool: return k.as_bool() ? "true" : "false";
        case Kind::Int: return std::to_string(k.as_int());
        case Kind::Float: return float_json(k.as_float());
        case Kind::None: return "null";
        default: fail("keys must be str, int, float, bool or None, not " + type_name(k));
    }
}

void dump(std::string& out, const Value& v, const DumpOptions& o, int level) {
    if (level > 200) fail("Circular reference detected");
    auto newline = [&](int lvl) {
        out.push_back('\n');
        for (int i = 0; i < lvl; ++i) out += o.indent;
    };
    switch (v.kind()) {
        case Kind::None: out += "null"; return;
        case Kind::Bool: out += v.as_bool() ? "true" : "false"; return;
        case Kind::Int: out += std::to_string(v.as_int()); return;
        case Kind::Float: out += float_json(v.as_float()); return;
        case Kind::String: dump_string(out, v.as_string(), o.ensure_ascii); return;
        case Kind::List: {
            const auto& items = v.as_list().items;
            if (items.empty()) {
                out += "[]";
                return;
            }
            out.push_back('[');
            for (size_t i = 0; i < items.size(); ++i) {
                if (i) out += o.item_sep;
                if (o.pretty) newline(level + 1);
                dump(out, items[i], o, level + 1);
            }
            if (o.pretty) newline(level);
            out.push_back(']');
            return;
        }
        case Kind::Dict: {
            std::vector<const std::pair<Value, Value>*> items;
            for (const auto& kv : v.as_dict().items) items.push_back(&kv);
            if (items.empty()) {
                out += "{}";
                return;
            }
            if (o.sort_keys)
                std::stable_sort(items.begin(), items.end(),
                                 [](auto* a, auto* b) { return compare(a->first, b->first) < 0; });
            out.push_back('{');
            for (size_t i = 0; i < items.size(); ++i) {
                if (i) out += o.item_sep;
                if (o.pretty) newline(level + 1);
                dump_string(out, key_string(items[i]->first), o.ensure_ascii);
                out += o.key_sep;
                dump(out, items[i]->second, o, level + 1);
            }
            if (o.pretty) newline(level);
            out.push_back('}');
            return;
        }
        default: fail("Object of type " + type_name(v) + " is not JSON serializable");
    }
}

}  // namespace

std::string json_dumps(const Value& v, const DumpOptions& options) {
    std::string out;
    dump(out, v, options, 0);
    return out;
}

Value f_tojson(Context& ctx, const Value& v, const Args& a) {
    ArgReader r("tojson", a, {"ensure_ascii", "indent", "separators", "sort_keys"});
    DumpOptions o;
    o.ensure_ascii = r.get_or(0, Value(false)).truthy();
    const Value indent = r.get_or(1, Value::none());
    if (!indent.is_none()) {
        o.pretty = true;
        o.item_sep = ",";
        if (indent.is_string()) o.indent = indent.as_string();
        else if (indent.is_number() && !indent.is_float()) o.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(indent.to_int(), 0, 64)), ' ');
        else fail("indent must be an int or a string");
    }
    const Value seps = r.get_or(2, Value::none());
    if (!seps.is_none()) {
        std::vector<Value> parts = iterate(seps);
        if (parts.size() != 2 || !parts[0].is_string() || !parts[1].is_string()) fail("separators must be a pair of strings");
        o.item_sep = parts[0].as_string();
        o.key_sep = parts[1].as_string();
    }
    o.sort_keys = r.get_or(3, Value(false)).truthy();
    std::string s = json_dumps(v, o);
    ctx.check_size(s.size());
    return Value(std::move(s));
}

}  // namespace kinglet::chat::jinja
