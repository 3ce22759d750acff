// Jinja's built-in filters and tests, with the behaviour of Jinja2 3.x (and transformers'
// own `tojson`). Filters Jinja implements as generators (map, select, items, ...) return
// lists here: identical once joined, iterated or passed through `list`.
// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>

#include "chat/jinja_eval.h"
#include "chat/jinja_filters_text.h"
#include "chat/jinja_json.h"
#include "chat/jinja_parser.h"
#include "chat/jinja_string.h"

namespace kinglet::chat::jinja {

namespace {

std::string soft_str(const Value& v) { return to_str(v); }

const std::string& need_str(const Value& v, const char* filter) {
    if (!v.is_string()) {
        require_defined(v);
        fail(std::string(filter) + ": expected a string, got " + type_name(v));
    }
    return v.as_string();
}

Value ignore_case(const Value& v) { return v.is_string() ? Value(py_lower(v.as_string())) : v; }

// Jinja's make_attrgetter: "a.b.0" walks items (numbers become indices). With a default
// (None counts as none given), a step that comes out undefined goes on from the default.
Value attr_path(Context& ctx, Value item, const Value& attribute, const Value& fallback = Value()) {
    if (attribute.is_none() || attribute.is_undefined()) return item;
    std::vector<Value> parts;
    if (attribute.is_string()) {
        const std::string dot = ".";
        for (auto& p : py_split(attribute.as_string(), &dot, -1)) {
            const bool digits = !p.empty() && p.find_first_not_of("0123456789") == std::string::npos;
            parts.push_back(digits && p.size() < 18 ? Value(static_cast<int64_t>(std::stoll(p))) : Value(p));
        }
    } else {
        parts.push_back(attribute);
    }
    const bool has_default = !fallback.is_undefined() && !fallback.is_none();
    for (const Value& p : parts) {
        item = get_item(ctx, item, p);
        if (item.is_undefined() && has_default) item = fallback;
    }
    return item;
}

// The order Python's sorted() puts keys in: stable; reverse keeps equal keys in their
// original order.
std::vector<size_t> sorted_order(const std::vector<Value>& keys, bool reverse) {
    std::vector<size_t> order(keys.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return reverse ? compare(keys[b], keys[a]) < 0 : compare(keys[a], keys[b]) < 0;
    });
    return order;
}

void sort_values(std::vector<Value>& items, const std::vector<Value>& keys, bool reverse) {
    const std::vector<size_t> order = sorted_order(keys, reverse);
    std::vector<Value> out;
    out.reserve(items.size());
    for (size_t i : order) out.push_back(std::move(items[i]));
    items = std::move(out);
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&#34;"; break;
            case '\'': out += "&#39;"; break;
            default: out.push_back(c);
        }
    }
    return out;
}

// Python's float(str): surrounding whitespace, underscores between digits, inf/nan.
bool parse_float(const std::string& raw, double& out) {
    std::string s = py_strip(raw, nullptr, true, true);
    std::string clean;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '_') {
            if (i == 0 || i + 1 >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i - 1])) ||
                !std::isdigit(static_cast<unsigned char>(s[i + 1])))
                return false;
            continue;
        }
        clean.push_back(s[i]);
    }
    if (clean.empty()) return false;
    std::string low = py_lower(clean);
    const size_t sign = (low[0] == '+' || low[0] == '-') ? 1 : 0;
    const std::string body = low.substr(sign);
    if (body == "inf" || body == "infinity" || body == "nan") {
        out = body == "nan" ? NAN : INFINITY;
        if (low[0] == '-') out = -out;
        return true;
    }
    if (body.empty() || body.find_first_not_of("0123456789.e+-") != std::string::npos || body[0] == 'e') return false;
    char* end = nullptr;
    out = std::strtod(clean.c_str(), &end);
    return end && *end == '\0';
}

// Python's int(str, base).
bool parse_int(const std::string& raw, int64_t base, int64_t& out) {
    std::string s = py_strip(raw, nullptr, true, true);
    bool neg = false;
    size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (base == 0 || base == 16 || base == 8 || base == 2) {
        if (i + 1 < s.size() && s[i] == '0') {
            const char p = static_cast<char>(s[i + 1] | 0x20);
            const int64_t pb = p == 'x' ? 16 : (p == 'o' ? 8 : (p == 'b' ? 2 : 0));
            if (pb && (base == 0 || base == pb)) base = pb, i += 2;
        }
        if (base == 0) base = 10;
    }
    if (base < 2 || base > 36 || i >= s.size()) return false;
    uint64_t v = 0;
    bool any = false;
    for (; i < s.size(); ++i) {
        if (s[i] == '_' && any && i + 1 < s.size() && s[i + 1] != '_') continue;
        const char c = static_cast<char>(s[i] | 0x20);
        int d = std::isdigit(static_cast<unsigned char>(s[i])) ? s[i] - '0' : (c >= 'a' && c <= 'z' ? c - 'a' + 10 : 99);
        if (d >= base) return false;
        if (v > (static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
            fail("integer too large");
        v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
        any = true;
    }
    if (!any) return false;
    out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    return true;
}

double round_half_even(double x, int64_t digits) {
    if (!std::isfinite(x) || digits > 300) return x;
    if (digits < 0) {
        const double p = std::pow(10.0, static_cast<double>(-digits));
        return std::nearbyint(x / p) * p;
    }
    char buf[400];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(digits), x);
    return std::strtod(buf, nullptr);
}

// ---- filters ------------------------------------------------------------------------

Value f_default(Context&, const Value& v, const Args& a) {
    ArgReader r("default", a, {"default_value", "boolean"});
    if (v.is_undefined() || (r.get_or(1, Value(false)).truthy() && !v.truthy())) return r.get_or(0, Value(""));
    return v;
}

Value f_length(Context&, const Value& v, const Args& a) {
    ArgReader r("length", a, {});
    return Value(length(v));
}

Value f_trim(Context&, const Value& v, const Args& a) {
    ArgReader r("trim", a, {"chars"});
    const Value chars = r.get_or(0, Value::none());
    if (!chars.is_none() && !chars.is_string()) fail("strip arg must be None or str");
    return Value(py_strip(soft_str(v), chars.is_string() ? &chars.as_string() : nullptr, true, true));
}

Value f_upper(Context&, const Value& v, const Args&) { return Value(py_upper(soft_str(v))); }
Value f_lower(Context&, const Value& v, const Args&) { return Value(py_lower(soft_str(v))); }
Value f_capitalize(Context&, const Value& v, const Args&) { return Value(py_capitalize(soft_str(v))); }

Value f_title(Context&, const Value& v, const Args&) {
    std::string out;
    bool at_word_start = true;
    for (char32_t c : decode_utf8(soft_str(v))) {
        const bool sep = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || py_isspace(c);
        std::string one;
        append_utf8(one, c);
        if (sep) {
            out += one;
            at_word_start = true;
        } else {
            out += at_word_start ? py_upper(one) : py_lower(one);
            at_word_start = false;
        }
    }
    return Value(std::move(out));
}

Value f_replace(Context& ctx, const Value& v, const Args& a) {
    ArgReader r("replace", a, {"old", "new", "count"});
    const std::string s = soft_str(v), old = to_str(r.get(0)), repl = to_str(r.get(1));
    const Value count = r.get_or(2, Value::none());
    const int64_t n = count.is_none() ? -1 : count.to_int();
    if (repl.size() > old.size()) {
        const int64_t hits = old.empty() ? static_cast<int64_t>(utf8_length(s)) + 1 : py_count(s, old);
        ctx.check_size(s.size() + static_cast<size_t>(hits) * (repl.size() - old.size()));
    }
    return Value(py_replace(s, old, repl, n));
}

Value f_join(Context& ctx, const Value& v, const Args& a) {
    ArgReader r("join", a, {"d", "attribute"});
    const std::string sep = to_str(r.get_or(0, Value("")));
    const Value attribute = r.get_or(1, Value::none());
    std::string out;
    bool first = true;
    for (const Value& item : iterate(v)) {
        if (!first) out += sep;
        out += to_str(attr_path(ctx, item, attribute));
        first = false;
        ctx.check_size(out.size());
    }
    return Value(std::move(out));
}

Value f_first(Context&, const Value& v, const Args&) {
    std::vector<Value> items = iterate(v);
    if (items.empty()) return Value::undefined("No first item, sequence was empty.");
    return items.front();
}

Value f_last(Context&, const Value& v, const Args&) {
    std::vector<Value> items = iterate(v);
    if (items.empty()) return Value::undefined("No last item, sequence was empty.");
    return items.back();
}

Value f_list(Context&, const Value& v, const Args&) { return Value::list(iterate(v)); }

Value f_items(Context&, const Value& v, const Args&) {
    if (v.is_undefined()) return Value::list();
    if (!v.is_dict()) fail("Can only get item pairs from a mapping.");
    std::vector<Value> out;
    for (const auto& [k, val] : v.as_dict().items) out.push_back(Value::tuple({k, val}));
    return Value::list(std::move(out));
}

Value f_map(Context& ctx, const Value& v, const Args& a) {
    std::vector<Value> out;
    if (!v.truthy()) return Value::list();
    const bool by_attr = a.pos.empty() && std::any_of(a.kw.begin(), a.kw.end(), [](auto& kv) { return kv.first == "attribute"; });
    if (by_attr) {
        ArgReader r("map", a, {"attribute", "default"});
        for (const Value& item : iterate(v)) out.push_back(attr_path(ctx, item, r.get(0), r.get_or(1, Value())));
        return Value::list(std::move(out));
    }
    if (a.pos.empty()) fail("map requires a filter argument");
    const std::string name = to_str(a.pos[0]);
    const FilterFn fn = find_filter(name);
    if (!fn) fail("No filter named '" + name + "'.");
    Args rest;
    rest.pos.assign(a.pos.begin() + 1, a.pos.end());
    rest.kw = a.kw;
    for (const Value& item : iterate(v)) out.push_back(fn(ctx, item, rest));
    return Value::list(std::move(out));
}

Value select_impl(Context& ctx, const Value& v, const Args& a, bool keep, bool by_attr) {
    if (!v.truthy()) return Value::list();
    size_t off = 0;
    Value attribute;
    if (by_attr) {
        if (a.pos.empty()) fail("Missing parameter for attribute name");
        attribute = a.pos[0];
        off = 1;
    }
    TestFn test = nullptr;
    Args rest;
    if (a.pos.size() > off) {
        const std::string name = to_str(a.pos[off]);
        test = find_test(name);
        if (!test) fail("No test named '" + name + "'.");
        rest.pos.assign(a.pos.begin() + static_cast<std::ptrdiff_t>(off + 1), a.pos.end());
        rest.kw = a.kw;
    }
    std::vector<Value> out;
    for (const Value& item : iterate(v)) {
        ctx.tick();
        Value probe = by_attr ? attr_path(ctx, item, attribute) : item;
        const bool ok = test ? test(ctx, probe, rest) : probe.truthy();
        if (ok == keep) out.push_back(item);
    }
    return Value::list(std::move(out));
}

Value f_select(Context& c, const Value& v, const Args& a) { return select_impl(c, v, a, true, false); }
Value f_reject(Context& c, const Value& v, const Args& a) { return select_impl(c, v, a, false, false); }
Value f_selectattr(Context& c, const Value& v, const Args& a) { return select_impl(c, v, a, true, true); }
Value f_rejectattr(Context& c, const Value& v, const Args& a) { return select_impl(c, v, a, false, true); }

Value f_string(Context&, const Value& v, const Args&) { return Value(soft_str(v)); }
Value f_escape(Context&, const Value& v, const Args&) { return Value(html_escape(soft_str(v))); }

Value f_int(Context&, const Value& v, const Args& a) {
    ArgReader r("int", a, {"default", "base"});
    require_defined(v);  // int(Undefined) raises UndefinedError, which the filter does not catch
    const Value def = r.get_or(0, Value(int64_t{0}));
    int64_t out = 0;
    double d = 0;
    if (v.is_string()) {
        if (parse_int(v.as_string(), r.get_or(1, Value(10)).to_int(), out)) return Value(out);
        if (parse_float(v.as_string(), d) && std::isfinite(d)) return Value(float_to_int(d));
        return def;
    }
    if (v.is_float()) return Value(float_to_int(v.as_float()));
    if (v.is_number()) return Value(v.to_int());
    return def;
}

Value f_float(Context&, const Value& v, const Args& a) {
    ArgReader r("float", a, {"default"});
    require_defined(v);
    double d = 0;
    if (v.is_number()) return Value(v.to_double());
    if (v.is_string() && parse_float(v.as_string(), d)) return Value(d);
    return r.get_or(0, Value(0.0));
}

Value f_abs(Context&, const Value& v, const Args&) {
    require_defined(v);
    if (v.is_float()) return Value(std::fabs(v.as_float()));
    if (v.is_number()) {
        if (v.to_int() == INT64_MIN) fail("integer overflow");
        return Value(v.to_int() < 0 ? -v.to_int() : v.to_int());
    }
    fail("bad operand type for abs(): '" + type_name(v) + "'");
}

Value f_round(Context&, const Value& v, const Args& a) {
    ArgReader r("round", a, {"precision", "method"});
    const int64_t prec = r.get_or(0, Value(0)).to_int();
    const std::string method = to_str(r.get_or(1, Value("common")));
    require_defined(v);
    if (!v.is_number()) fail("type " + type_name(v) + " doesn't define __round__ method");
    if (method == "common") {
        if (!v.is_float() && prec >= 0) return Value(v.to_int());
        return Value(round_half_even(v.to_double(), prec));
    }
    if (method != "ceil" && method != "floor") fail("method must be common, ceil or floor");
    const double p = std::pow(10.0, static_cast<double>(prec));
    const double x = v.to_double() * p;
    return Value((method == "ceil" ? std::ceil(x) : std::floor(x)) / p);
}

Value f_indent(Context& ctx, const Value& v, const Args& a) {
    ArgReader r("indent", a, {"width", "first", "blank"});
    const Value width = r.get_or(0, Value(4));
    const std::string ind = width.is_string() ? width.as_string() : std::string(static_cast<size_t>(std::clamp<int64_t>(width.to_int(), 0, 10000)), ' ');
    std::string s = need_str(v, "indent") + "\n";
    std::vector<std::string> lines = py_splitlines(s);
    std::string out;
    if (r.get_or(2, Value(false)).truthy()) {
        for (size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" + ind : "") + lines[i];
    } else {
        out = lines.empty() ? "" : lines[0];
        for (size_t i = 1; i < lines.size(); ++i) {
            out += '\n';
            if (!lines[i].empty()) out += ind, out += lines[i];
        }
    }
    if (r.get_or(1, Value(false)).truthy()) out = ind + out;
    ctx.check_size(out.size());
    return Value(std::move(out));
}

Value f_unique(Context& ctx, const Value& v, const Args& a) {
    ArgReader r("unique", a, {"case_sensitive", "attribute"});
    const bool cs = r.get_or(0, Value(false)).truthy();
    const Value attribute = r.get_or(1, Value::none());
    std::vector<Value> out, seen;
    for (const Value& item : iterate(v)) {
        Value key = attr_path(ctx, item, attribute);
        if (!cs) key = ignore_case(key);
        if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); })) {
            seen.push_back(key);
            out.push_back(item);
        }
        ctx.tick();
    }
    return Value::list(std::move(out));
}

Value f_sort(Context& ctx, const Value& v, const Args& a) {
    ArgReader r("sort", a, {"reverse", "case_sensitive", "attribute"});
    const bool cs = r.get_or(1, Value(false)).truthy();
    const Value attribute = r.get_or(2, Value::none());
    std::vector<Value> items = iterate(v), keys;
    std::vector<std::string> attrs;
    if (attribute.is_string()) {
        const std::string comma = ",";
        attrs = py_split(attribute.as_string(), &comma, -1);
    }
    for (const Value& item : items) {
        if (attrs.size() > 1) {
            std::vector<Value> parts;
            for (const auto& at : attrs) {
                Value k = attr_path(ctx, item, Value(at));
                parts.push_back(cs ? k : ignore_case(k));
            }
            keys.push_back(Value::list(std::move(parts)));
        } else {
            Value k = attr_path(ctx, item, attribute);
            keys.push_back(cs ? k : ignore_case(k));
        }
    }
    sort_values(items, keys, r.get_or(0, Value(false)).truthy());
    return Value::list(std::move(items));
}

Value f_dictsort(Context&, const Value& v, const Args& a) {
    ArgReader r("dictsort", a, {"case_sensitive", "by", "reverse"});
    if (!v.is_dict()) fail("dictsort: expected a mapping, got " + type_name(v));
    const bool cs = r.get_or(0, Value(false)).truthy();
    const std::string by = to_str(r.get_or(1, Value("key")));
    if (by != "key" && by != "value") fail("You can only sort by either \"key\" or \"value\"");
    std::vector<Value> items, keys;
    for (const auto& [k, val] : v.as_dict().items) {
        items.push_back(Value::tuple({k, val}));
        const Value& key = by == "key" ? k : val;
        keys.push_back(cs ? key : ignore_case(key));
    }
    sort_values(items, keys, r.get_or(2, Value(false)).truthy());
    return Value::list(std::move(items));
}

// Jinja's groupby: items sorted by the attribute, then one (grouper, list) namedtuple per
// run of equal keys. Case-insensitive by default: strings sort and group lowercased, and
// the grouper keeps the spelling of the group's first item.
Value f_groupby(Context& ctx, const Value& v, const Args& a) {
    ArgReader r("groupby", a, {"attribute", "default", "case_sensitive"});
    const Value& attribute = r.get(0);
    const Value fallback = r.get_or(1, Value::none());
    const bool cs = r.get_or(2, Value(false)).truthy();
    const std::vector<Value> items = iterate(v);
    std::vector<Value> keys;
    keys.reserve(items.size());
    for (const Value& item : items) {
        ctx.tick();
        const Value k = attr_path(ctx, item, attribute, fallback);
        keys.push_back(cs ? k : ignore_case(k));
    }
    const std::vector<size_t> order = sorted_order(keys, false);
    static const char* const kFields[] = {"grouper", "list"};
    std::vector<Value> groups;
    for (size_t start = 0, end = 0; start < order.size(); start = end) {
        std::vector<Value> members{items[order[start]]};
        // Like itertools.groupby, each key is compared with the group's first key.
        for (end = start + 1; end < order.size() && equals(keys[order[start]], keys[order[end]]); ++end) {
            ctx.tick();
            members.push_back(items[order[end]]);
        }
        const Value& first = items[order[start]];
        Value grouper = cs ? keys[order[start]] : attr_path(ctx, first, attribute, fallback);
        Value group = Value::tuple({std::move(grouper), Value::list(std::move(members))});
        group.as_list().field_names = kFields;
        groups.push_back(std::move(group));
    }
    return Value::list(std::move(groups));
}

Value min_max(Context& ctx, const Value& v, const Args& a, bool want_max) {
    ArgReader r(want_max ? "max" : "min", a, {"case_sensitive", "attribute"});
    std::vector<Value> items = iterate(v);
    if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
    const bool cs = r.get_or(0, Value(false)).truthy();
    const Value attribute = r.get_or(1, Value::none());
    size_t best = 0;
    Value best_key;
    for (size_t i = 0; i < items.size(); ++i) {
        Value k = attr_path(ctx, items[i], attribute);
        if (!cs) k = ignore_case(k);
        if (i == 0 || (want_max ? compare(k, best_key) > 0 : compare(k, best_key) < 0)) best = i, best_key = k;
    }
    return items[best];
}

Value f_min(Context& c, const Value& v, const Args& a) { return min_max(c, v, a, false); }
Value f_max(Context& c, const Value& v, const Args& a) { return min_max(c, v, a, true); }

Value f_sum(Context& ctx, const Value& v, const Args& a) {
    ArgReader r("sum", a, {"attribute", "start"});
    Value total = r.get_or(1, Value(int64_t{0}));
    for (const Value& item : iterate(v)) total = binary_op(ctx, BinOp::Add, total, attr_path(ctx, item, r.get_or(0, Value::none())));
    return total;
}

Value f_reverse(Context&, const Value& v, const Args&) {
    if (v.is_string()) {
        U32 t = decode_utf8(v.as_string());
        std::reverse(t.begin(), t.end());
        return Value(encode_utf8(t));
    }
    std::vector<Value> items = iterate(v);
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
}

Value f_center(Context&, const Value& v, const Args& a) {
    ArgReader r("center", a, {"width"});
    const std::string s = soft_str(v);
    const int64_t width = std::min<int64_t>(r.get_or(0, Value(80)).to_int(), 1 << 20);
    const int64_t len = static_cast<int64_t>(utf8_length(s));
    if (width <= len) return Value(s);
    const int64_t n = width - len, left = n / 2 + (n & width & 1);
    return Value(std::string(static_cast<size_t>(left), ' ') + s + std::string(static_cast<size_t>(n - left), ' '));
}

Value f_wordcount(Context&, const Value& v, const Args&) {
    int64_t n = 0;
    bool in_word = false;
    for (char32_t c : decode_utf8(soft_str(v))) {
        const bool w = c == '_' || py_isalnum_cp(c);
        if (w && !in_word) ++n;
        in_word = w;
    }
    return Value(n);
}

Value f_batch(Context&, const Value& v, const Args& a) {
    ArgReader r("batch", a, {"linecount", "fill_with"});
    const int64_t n = r.get(0).to_int();
    if (n <= 0) fail("batch size must be positive");
    std::vector<Value> out, cur;
    for (const Value& item : iterate(v)) {
        cur.push_back(item);
        if (static_cast<int64_t>(cur.size()) == n) out.push_back(Value::list(std::move(cur))), cur.clear();
    }
    if (!cur.empty()) {
        if (r.has(1) && !r.get(1).is_none())
            while (static_cast<int64_t>(cur.size()) < n) cur.push_back(r.get(1));
        out.push_back(Value::list(std::move(cur)));
    }
    return Value::list(std::move(out));
}

// `slices` lists of about equal length, the first ones one longer (Jinja's slice).
Value f_slice(Context&, const Value& v, const Args& a) {
    ArgReader r("slice", a, {"slices", "fill_with"});
    const int64_t slices = r.get(0).to_int();
    if (slices <= 0 || slices > (1 << 20)) fail("slice: the number of slices must be positive");
    const std::vector<Value> seq = iterate(v);
    const int64_t n = static_cast<int64_t>(seq.size()), per = n / slices, extra = n % slices;
    const bool fill = r.has(1) && !r.get(1).is_none();
    std::vector<Value> out;
    int64_t start = 0;
    for (int64_t i = 0; i < slices; ++i) {
        const int64_t len = per + (i < extra ? 1 : 0);
        std::vector<Value> part(seq.begin() + start, seq.begin() + start + len);
        if (fill && i >= extra) part.push_back(r.get(1));
        out.push_back(Value::list(std::move(part)));
        start += len;
    }
    return Value::list(std::move(out));
}

// Jinja's truncate: strings up to length + leeway (default 5) characters stay whole; longer
// ones are cut to length - len(end) characters, at the last space unless killwords, + end.
Value f_truncate(Context&, const Value& v, const Args& a) {
    ArgReader r("truncate", a, {"length", "killwords", "end", "leeway"});
    const std::u32string s = decode_utf8(soft_str(v));
    const int64_t length = r.get_or(0, Value(255)).to_int();
    const bool killwords = r.get_or(1, Value(false)).truthy();
    const std::u32string end = decode_utf8(to_str(r.get_or(2, Value("..."))));
    const int64_t leeway = r.has(3) && !r.get(3).is_none() ? r.get(3).to_int() : 5;
    if (length < static_cast<int64_t>(end.size()))
        fail("truncate: expected length >= " + std::to_string(end.size()) + ", got " + std::to_string(length));
    if (leeway < 0) fail("truncate: expected leeway >= 0, got " + std::to_string(leeway));
    if (static_cast<int64_t>(s.size()) <= length + leeway) return Value(encode_utf8(s));
    std::u32string kept = s.substr(0, static_cast<size_t>(length) - end.size());
    if (!killwords) {
        const size_t space = kept.rfind(U' ');
        if (space != std::u32string::npos) kept.resize(space);
    }
    return Value(encode_utf8(kept + end));
}

// Jinja's filesizeformat: "1 Byte", "12 Bytes", "1.5 kB" (powers of 1000), or "1.5 KiB"
// (powers of 1024) with binary.
Value f_filesizeformat(Context&, const Value& v, const Args& a) {
    ArgReader r("filesizeformat", a, {"binary"});
    const bool binary = r.get_or(0, Value(false)).truthy();
    const double bytes = v.is_string() ? std::strtod(v.as_string().c_str(), nullptr) : v.to_double();
    const double base = binary ? 1024 : 1000;
    static const char* const decimal[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    static const char* const binary_units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
    if (bytes == 1) return Value("1 Byte");
    if (bytes < base) return Value(py_int_str(static_cast<int64_t>(bytes)) + " Bytes");
    double unit = base;
    int i = 0;
    for (; i < 8; ++i) {
        unit *= base;
        if (bytes < unit) break;
    }
    i = std::min(i, 7);
    char text[64];
    std::snprintf(text, sizeof text, "%.1f %s", base * bytes / unit, (binary ? binary_units : decimal)[i]);
    return Value(std::string(text));
}

Value f_format(Context& ctx, const Value& v, const Args& a) {
    if (!a.pos.empty() && !a.kw.empty()) fail("can't handle positional and keyword arguments at the same time");
    Value args;
    if (!a.kw.empty()) {
        args = Value::dict();
        for (const auto& [k, val] : a.kw) args.as_dict().set(Value(k), val);
    } else {
        args = Value::tuple(a.pos);
    }
    return binary_op(ctx, BinOp::Mod, Value(soft_str(v)), args);
}

// Python's getattr() only: unlike `.name`, no fallback to dict items.
Value f_attr(Context& ctx, const Value& v, const Args& a) {
    ArgReader r("attr", a, {"name"});
    const std::string name = to_str(r.get(0));
    if (v.is_dict()) {
        Value m = bound_method(v, name);
        return m.is_undefined() && m.undefined_hint().empty()
                   ? Value::undefined("'dict object' has no attribute '" + name + "'")
                   : m;
    }
    return get_attr(ctx, v, name);
}

const std::unordered_map<std::string, FilterFn>& filters() {
    static const std::unordered_map<std::string, FilterFn> table = {
        {"abs", f_abs},         {"attr", f_attr},       {"batch", f_batch},       {"capitalize", f_capitalize},
        {"center", f_center},   {"count", f_length},    {"d", f_default},         {"default", f_default},
        {"dictsort", f_dictsort}, {"e", f_escape},      {"escape", f_escape},     {"first", f_first},
        {"float", f_float},     {"forceescape", f_escape}, {"format", f_format},  {"indent", f_indent},
        {"int", f_int},         {"items", f_items},     {"join", f_join},         {"last", f_last},
        {"length", f_length},   {"list", f_list},       {"lower", f_lower},       {"map", f_map},
        {"max", f_max},         {"min", f_min},         {"reject", f_reject},     {"rejectattr", f_rejectattr},
        {"replace", f_replace}, {"reverse", f_reverse}, {"round", f_round},       {"safe", f_string},
        {"select", f_select},   {"selectattr", f_selectattr}, {"sort", f_sort},   {"string", f_string},
        {"sum", f_sum},         {"title", f_title},     {"tojson", f_tojson},     {"trim", f_trim},
        {"unique", f_unique},   {"upper", f_upper},     {"wordcount", f_wordcount}, {"slice", f_slice},
        {"truncate", f_truncate}, {"filesizeformat", f_filesizeformat}, {"groupby", f_groupby},
        {"striptags", f_striptags}, {"wordwrap", f_wordwrap},
    };
    return table;
}

}  // namespace

FilterFn find_filter(const std::string& name) {
    auto it = filters().find(name);
    return it == filters().end() ? nullptr : it->second;
}

bool filter_exists(const std::string& name) { return find_filter(name) != nullptr; }

}  // namespace kinglet::chat::jinja
