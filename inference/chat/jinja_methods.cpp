// Python methods templates call on str, dict and list values, and the global functions
// (range, namespace, dict, joiner, cycler, raise_exception, strftime_now).
// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include <algorithm>
#include <cmath>

#include "chat/jinja_eval.h"
#include "chat/jinja_format.h"
#include "chat/jinja_string.h"

namespace kinglet::chat::jinja {

namespace {

const std::string& str_arg(const ArgReader& r, size_t i, const char* what) {
    const Value& v = r.get(i);
    if (!v.is_string()) {
        require_defined(v);
        fail(std::string(what) + " arg must be str, not " + type_name(v));
    }
    return v.as_string();
}

int64_t int_arg(const Value& v) {
    if (!v.is_number() || v.is_float()) {
        require_defined(v);
        fail(cat("'", type_name(v), "' object cannot be interpreted as an integer"));
    }
    return v.to_int();
}

Value make_list(std::vector<std::string> parts) {
    if (parts.size() > kMaxIterableItems) fail("list too long");
    std::vector<Value> items;
    items.reserve(parts.size());
    for (auto& p : parts) items.emplace_back(std::move(p));
    return Value::list(std::move(items));
}

// startswith/endswith with a str or a tuple of str.
bool affix(const std::string& s, const Value& arg, bool prefix) {
    auto one = [&](const Value& v) {
        if (!v.is_string()) fail(std::string(prefix ? "startswith" : "endswith") + " first arg must be str or a tuple of str");
        const std::string& a = v.as_string();
        if (a.size() > s.size()) return false;
        return prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0;
    };
    if (arg.is_list() && arg.as_list().tuple) {
        for (const Value& v : arg.as_list().items)
            if (one(v)) return true;
        return false;
    }
    return one(arg);
}

template <class Pred>
bool all_chars(const std::string& s, Pred pred) {
    U32 t = decode_utf8(s);
    if (t.empty()) return false;
    return std::all_of(t.begin(), t.end(), pred);
}

std::string justify(Context& ctx, const std::string& s, const ArgReader& r, char how) {
    const int64_t width = int_arg(r.get(0));
    std::string fill = " ";
    if (r.has(1)) {
        fill = str_arg(r, 1, "fillchar");
        if (utf8_length(fill) != 1) fail("The fill character must be exactly one character long");
    }
    const int64_t len = static_cast<int64_t>(utf8_length(s));
    if (width <= len) return s;
    ctx.check_size(static_cast<size_t>(width) * fill.size());
    const int64_t n = width - len;
    int64_t left = how == 'l' ? 0 : (how == 'r' ? n : n / 2 + (n & width & 1));
    std::string out;
    for (int64_t i = 0; i < left; ++i) out += fill;
    out += s;
    for (int64_t i = 0; i < n - left; ++i) out += fill;
    return out;
}

Value string_method(const Value& self, const std::string& name) {
    const std::string s = self.as_string();
    using F = std::function<Value(Context&, Args&)>;
    F f;
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
        f = [s, name](Context&, Args& a) {
            ArgReader r(name.c_str(), a, {"chars"});
            const Value chars = r.get_or(0, Value::none());
            if (!chars.is_none() && !chars.is_string()) fail(name + " arg must be None or str");
            return Value(py_strip(s, chars.is_string() ? &chars.as_string() : nullptr, name != "rstrip", name != "lstrip"));
        };
    } else if (name == "split" || name == "rsplit") {
        f = [s, name](Context&, Args& a) {
            ArgReader r(name.c_str(), a, {"sep", "maxsplit"});
            const Value sep = r.get_or(0, Value::none());
            const int64_t maxsplit = int_arg(r.get_or(1, Value(-1)));
            if (!sep.is_none() && !sep.is_string()) fail("must be str or None, not " + type_name(sep));
            if (sep.is_string() && sep.as_string().empty()) fail("empty separator");
            return make_list(py_split(s, sep.is_string() ? &sep.as_string() : nullptr, maxsplit, name == "rsplit"));
        };
    } else if (name == "splitlines") {
        f = [s](Context&, Args& a) {
            ArgReader r("splitlines", a, {"keepends"});
            return make_list(py_splitlines(s, r.get_or(0, Value(false)).truthy()));
        };
    } else if (name == "startswith" || name == "endswith") {
        f = [s, name](Context&, Args& a) {
            ArgReader r(name.c_str(), a, {"prefix", "start", "end"});
            if (r.has(1) || r.has(2)) {
                U32 t = decode_utf8(s);
                const auto n = static_cast<int64_t>(t.size());
                auto idx = [&](size_t i, int64_t def) {
                    if (!r.has(i) || r.get(i).is_none()) return def;
                    int64_t v = int_arg(r.get(i));
                    if (v < 0) v = std::max<int64_t>(0, v + n);
                    return std::min(v, n);
                };
                const int64_t b = idx(1, 0), e = idx(2, n);
                if (b > e) return Value(false);
                const std::string sub = encode_utf8(std::u32string_view(t).substr(static_cast<size_t>(b), static_cast<size_t>(e - b)));
                return Value(affix(sub, r.get(0), name == "startswith"));
            }
            return Value(affix(s, r.get(0), name == "startswith"));
        };
    } else if (name == "replace") {
        f = [s](Context& ctx, Args& a) {
            ArgReader r("replace", a, {"old", "new", "count"});
            const std::string& old = str_arg(r, 0, "replace() argument 1");
            const std::string& repl = str_arg(r, 1, "replace() argument 2");
            const int64_t count = int_arg(r.get_or(2, Value(-1)));
            if (!old.empty() && repl.size() > old.size()) {
                const int64_t hits = py_count(s, old);
                ctx.check_size(s.size() + static_cast<size_t>(hits) * (repl.size() - old.size()));
            } else if (old.empty()) {
                ctx.check_size(s.size() + (s.size() + 1) * repl.size());
            }
            return Value(py_replace(s, old, repl, count));
        };
    } else if (name == "upper" || name == "lower" || name == "title" || name == "capitalize" ||
               name == "swapcase" || name == "casefold") {
        f = [s, name](Context&, Args& a) {
            ArgReader r(name.c_str(), a, {});
            if (name == "upper") return Value(py_upper(s));
            if (name == "lower" || name == "casefold") return Value(py_lower(s));
            if (name == "title") return Value(py_title(s));
            if (name == "capitalize") return Value(py_capitalize(s));
            return Value(py_swapcase(s));
        };
    } else if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
        f = [s, name](Context&, Args& a) {
            ArgReader r(name.c_str(), a, {"sub"});
            const std::string& sub = str_arg(r, 0, "must be str, not");
            if (name == "count") return Value(py_count(s, sub));
            const int64_t at = py_find(s, sub, name[0] == 'r');
            if (at < 0 && name.find("index") != std::string::npos) fail("substring not found");
            return Value(at);
        };
    } else if (name == "join") {
        f = [s](Context& ctx, Args& a) {
            ArgReader r("join", a, {"iterable"});
            std::string out;
            bool first = true;
            for (const Value& v : iterate(r.get(0))) {
                if (!v.is_string()) fail("sequence item: expected str instance, " + type_name(v) + " found");
                if (!first) out += s;
                out += v.as_string();
                first = false;
                ctx.check_size(out.size());
            }
            return Value(std::move(out));
        };
    } else if (name == "format") {
        f = [s](Context& ctx, Args& a) { return Value(str_format(ctx, s, a)); };
    } else if (name == "isdigit" || name == "isdecimal" || name == "isnumeric" || name == "isalpha" ||
               name == "isalnum" || name == "isspace" || name == "islower" || name == "isupper") {
        f = [s, name](Context&, Args& a) {
            ArgReader r(name.c_str(), a, {});
            if (name == "isalpha") return Value(all_chars(s, py_isalpha_cp));
            if (name == "isalnum") return Value(all_chars(s, py_isalnum_cp));
            if (name == "isspace") return Value(all_chars(s, py_isspace));
            if (name == "islower") return Value(py_islower(s));
            if (name == "isupper") return Value(py_isupper(s));
            return Value(all_chars(s, py_isdigit_cp));
        };
    } else if (name == "center" || name == "ljust" || name == "rjust") {
        f = [s, name](Context& ctx, Args& a) {
            ArgReader r(name.c_str(), a, {"width", "fillchar"});
            return Value(justify(ctx, s, r, name == "center" ? 'c' : (name == "ljust" ? 'l' : 'r')));
        };
    } else if (name == "zfill") {
        f = [s](Context& ctx, Args& a) {
            ArgReader r("zfill", a, {"width"});
            const int64_t width = int_arg(r.get(0));
            const int64_t len = static_cast<int64_t>(utf8_length(s));
            if (width <= len) return Value(s);
            ctx.check_size(static_cast<size_t>(width));
            const bool sign = !s.empty() && (s[0] == '+' || s[0] == '-');
            std::string zeros(static_cast<size_t>(width - len), '0');
            return Value(sign ? s.substr(0, 1) + zeros + s.substr(1) : zeros + s);
        };
    } else if (name == "partition" || name == "rpartition") {
        f = [s, name](Context&, Args& a) {
            ArgReader r(name.c_str(), a, {"sep"});
            const std::string& sep = str_arg(r, 0, "must be str, not");
            if (sep.empty()) fail("empty separator");
            const size_t at = name == "partition" ? s.find(sep) : s.rfind(sep);
            if (at == std::string::npos)
                return name == "partition" ? Value::tuple({Value(s), Value(""), Value("")})
                                           : Value::tuple({Value(""), Value(""), Value(s)});
            return Value::tuple({Value(s.substr(0, at)), Value(sep), Value(s.substr(at + sep.size()))});
        };
    } else if (name == "removeprefix" || name == "removesuffix") {
        f = [s, name](Context&, Args& a) {
            ArgReader r(name.c_str(), a, {"affix"});
            const std::string& x = str_arg(r, 0, "must be str, not");
            if (name == "removeprefix") return Value(s.compare(0, x.size(), x) == 0 ? s.substr(x.size()) : s);
            if (x.size() <= s.size() && s.compare(s.size() - x.size(), x.size(), x) == 0)
                return Value(s.substr(0, s.size() - x.size()));
            return Value(s);
        };
    } else {
        return Value();
    }
    return native(name, std::move(f));
}

Value dict_method(const Value& self, const std::string& name) {
    if (name == "get") {
        return native("get", [self](Context&, Args& a) {
            ArgReader r("get", a, {"key", "default"});
            const Value& key = r.get(0);
            if ((key.is_list() && !key.as_list().tuple) || key.is_dict()) fail("unhashable type: '" + type_name(key) + "'");
            const Value* v = self.as_dict().find(key);
            return v ? *v : r.get_or(1, Value::none());
        });
    }
    if (name == "items" || name == "keys" || name == "values" || name == "copy") {
        return native(name, [self, name](Context&, Args& a) {
            ArgReader r(name.c_str(), a, {});
            if (name == "copy") {
                auto d = std::make_shared<DictData>(self.as_dict());
                return Value(std::move(d));
            }
            std::vector<Value> out;
            for (const auto& [k, v] : self.as_dict().items) {
                if (name == "items") out.push_back(Value::tuple({k, v}));
                else out.push_back(name == "keys" ? k : v);
            }
            return Value::list(std::move(out));
        });
    }
    return Value();
}

Value list_method(const Value& self, const std::string& name) {
    if (name == "index" || name == "count") {
        return native(name, [self, name](Context&, Args& a) {
            ArgReader r(name.c_str(), a, {"value"});
            int64_t n = 0;
            const auto& items = self.as_list().items;
            for (size_t i = 0; i < items.size(); ++i) {
                if (!equals(items[i], r.get(0))) continue;
                if (name == "index") return Value(static_cast<int64_t>(i));
                ++n;
            }
            if (name == "index") fail(repr(r.get(0)) + " is not in list");
            return Value(n);
        });
    }
    if (name == "copy" && !self.as_list().tuple)
        return native("copy", [self](Context&, Args&) { return Value::list(self.as_list().items); });
    return Value();
}

bool is_mutator(const Value& obj, const std::string& name) {
    static const char* const dict_mut[] = {"pop", "popitem", "setdefault", "update", "clear"};
    static const char* const list_mut[] = {"append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"};
    if (obj.is_dict()) return std::find_if(std::begin(dict_mut), std::end(dict_mut), [&](const char* m) { return name == m; }) != std::end(dict_mut);
    if (obj.is_list() && !obj.as_list().tuple)
        return std::find_if(std::begin(list_mut), std::end(list_mut), [&](const char* m) { return name == m; }) != std::end(list_mut);
    return false;
}

}  // namespace

Value bound_method(const Value& obj, const std::string& name) {
    if (is_mutator(obj, name))
        return Value::undefined("access to attribute '" + name + "' of '" + type_name(obj) + "' object is unsafe.");
    if (obj.is_string()) return string_method(obj, name);
    if (obj.is_dict()) return dict_method(obj, name);
    if (obj.is_list()) return list_method(obj, name);
    return Value();
}

namespace {

// Jinja's Cycler: an object (not a function) that hands out its items in turn.
// `current` is the item next() returns next; reset() starts over. The methods share the
// cycler's state, and it holds none of them, so no reference cycle forms.
struct Cycler : Callable, std::enable_shared_from_this<Cycler> {
    std::vector<Value> items;
    size_t pos = 0;

    Value call(Context&, Args&) override { fail("'Cycler' object is not callable"); }
    std::string repr() const override { return "<jinja2.utils.Cycler object>"; }
    bool callable() const override { return false; }
    std::string type_name() const override { return "Cycler"; }

    Value attribute(const std::string& name) override {
        if (name == "current") return items[pos];
        if (name == "pos") return Value(pos);
        if (name == "items") return Value::tuple(items);
        auto self = shared_from_this();
        if (name == "next")
            return native("next", [self](Context&, Args& a) {
                ArgReader none("next", a, {});
                Value item = self->items[self->pos];
                self->pos = (self->pos + 1) % self->items.size();
                return item;
            });
        if (name == "reset")
            return native("reset", [self](Context&, Args& a) {
                ArgReader none("reset", a, {});
                self->pos = 0;
                return Value::none();
            });
        return Value();
    }
};

// dict(...) / namespace(...): a mapping or iterable of pairs, then keyword arguments.
void fill_mapping(DictData& d, const Args& a, const char* what) {
    if (a.pos.size() > 1) fail(std::string(what) + " expected at most 1 argument");
    if (!a.pos.empty()) {
        const Value& src = a.pos[0];
        if (src.is_dict() || src.is_namespace()) {
            for (const auto& [k, v] : (src.is_dict() ? src.as_dict() : src.as_namespace().attrs).items) d.set(k, v);
        } else {
            for (const Value& pair : iterate(src)) {
                std::vector<Value> kv = iterate(pair);
                if (kv.size() != 2) fail("dictionary update sequence element has wrong length");
                d.set(kv[0], kv[1]);
            }
        }
    }
    for (const auto& [k, v] : a.kw) d.set(Value(k), v);
}

}  // namespace

void add_builtin_globals(Scope& scope) {
    scope.vars["range"] = native("range", [](Context& ctx, Args& a) {
        if (!a.kw.empty()) fail("range() takes no keyword arguments");
        if (a.pos.empty() || a.pos.size() > 3) fail("range expected 1 to 3 arguments");
        int64_t start = 0, stop = 0, step = 1;
        if (a.pos.size() == 1) stop = int_arg(a.pos[0]);
        else start = int_arg(a.pos[0]), stop = int_arg(a.pos[1]);
        if (a.pos.size() == 3) step = int_arg(a.pos[2]);
        if (step == 0) fail("range() arg 3 must not be zero");
        const double count = std::ceil((static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step));
        if (count > 100000)
            fail("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
        std::vector<Value> out;
        if (count > 0) {
            out.reserve(static_cast<size_t>(count));
            for (int64_t i = 0; i < static_cast<int64_t>(count); ++i) out.emplace_back(start + i * step);
        }
        ctx.check_size(out.size() * sizeof(Value));
        return Value::list(std::move(out));
    });
    scope.vars["namespace"] = native("namespace", [](Context& ctx, Args& a) {
        Value ns = ctx.make_namespace();
        fill_mapping(ns.as_namespace().attrs, a, "namespace");
        return ns;
    });
    scope.vars["dict"] = native("dict", [](Context&, Args& a) {
        Value d = Value::dict();
        fill_mapping(d.as_dict(), a, "dict");
        return d;
    });
    // joiner(sep): a function returning "" the first time it is called, sep (as given)
    // every time after.
    scope.vars["joiner"] = native("joiner", [](Context&, Args& a) {
        ArgReader r("joiner", a, {"sep"});
        const Value sep = r.get_or(0, Value(", "));
        auto used = std::make_shared<bool>(false);
        return native("joiner", [sep, used](Context&, Args& call_args) {
            ArgReader none("joiner", call_args, {});
            if (!*used) {
                *used = true;
                return Value("");
            }
            return sep;
        });
    });
    scope.vars["cycler"] = native("cycler", [](Context&, Args& a) {
        if (!a.kw.empty()) fail("Cycler.__init__() got an unexpected keyword argument '" + a.kw[0].first + "'");
        if (a.pos.empty()) fail("at least one item has to be provided");
        auto cycler = std::make_shared<Cycler>();
        cycler->items = a.pos;
        return Value(std::shared_ptr<Callable>(std::move(cycler)));
    });
    scope.vars["raise_exception"] = native("raise_exception", [](Context&, Args& a) -> Value {
        ArgReader r("raise_exception", a, {"message"});
        throw Failure(to_str(r.get(0)), true);
    });
    scope.vars["strftime_now"] = native("strftime_now", [](Context& ctx, Args& a) {
        ArgReader r("strftime_now", a, {"format"});
        const Value& f = r.get(0);
        if (!f.is_string()) fail("strftime() argument 1 must be str, not " + type_name(f));
        return Value(strftime_py(f.as_string(), ctx.now()));
    });
}

}  // namespace kinglet::chat::jinja
