// Python semantics of operators, attribute/item lookup (as Jinja's sandbox does them) and
// slicing.
// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include <cmath>
#include <cstdio>

#include "chat/jinja_eval.h"
#include "chat/jinja_string.h"

namespace kinglet::chat::jinja {

namespace {

[[noreturn]] void unsupported(const char* op, const Value& a, const Value& b) {
    require_defined(a);
    require_defined(b);
    fail(std::string("unsupported operand type(s) for ") + op + ": '" + type_name(a) + "' and '" + type_name(b) + "'");
}

template <class Op>
int64_t checked(Op op, int64_t a, int64_t b) {
    int64_t r = 0;
    if (op(a, b, &r)) fail("integer overflow");
    return r;
}

bool add_ovf(int64_t a, int64_t b, int64_t* r) { return __builtin_add_overflow(a, b, r); }
bool sub_ovf(int64_t a, int64_t b, int64_t* r) { return __builtin_sub_overflow(a, b, r); }
bool mul_ovf(int64_t a, int64_t b, int64_t* r) { return __builtin_mul_overflow(a, b, r); }

Value repeat(Context& ctx, const Value& seq, int64_t n) {
    if (n < 0) n = 0;
    if (seq.is_string()) {
        const std::string& s = seq.as_string();
        if (!s.empty() && static_cast<uint64_t>(n) > ctx.limits().max_value_bytes / s.size()) ctx.check_size(SIZE_MAX);
        ctx.check_size(s.size() * static_cast<size_t>(n));
        std::string out;
        out.reserve(s.size() * static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) out += s;
        return Value(std::move(out));
    }
    const auto& items = seq.as_list().items;
    if (!items.empty() && static_cast<uint64_t>(n) > ctx.limits().max_value_bytes / (items.size() * sizeof(Value)))
        ctx.check_size(SIZE_MAX);
    ctx.check_size(items.size() * static_cast<size_t>(n) * sizeof(Value));
    std::vector<Value> out;
    for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
    return Value::list(std::move(out), seq.as_list().tuple);
}

double py_fmod(double a, double b) {
    double m = std::fmod(a, b);
    if (m != 0.0) {
        if ((b < 0) != (m < 0)) m += b;
    } else {
        m = std::copysign(0.0, b);
    }
    return m;
}

double py_floordiv(double a, double b) {
    double mod = std::fmod(a, b);
    double div = (a - mod) / b;
    if (mod != 0.0 && ((b < 0) != (mod < 0))) div -= 1.0;
    if (div == 0.0) return std::copysign(0.0, a / b);
    double fl = std::floor(div);
    if (div - fl > 0.5) fl += 1.0;
    return fl;
}

// printf-style `str % args`, as Python does it.
std::string percent_format(Context& ctx, const std::string& fmt, const Value& args) {
    std::vector<Value> list;
    // Python treats any non-tuple argument with __getitem__ (dict, list) as a mapping:
    // then unused arguments are no error.
    const bool mapping = args.is_dict() || (args.is_list() && !args.as_list().tuple);
    if (args.is_list() && args.as_list().tuple) list = args.as_list().items;
    else list.push_back(args);
    size_t next = 0;
    std::string out;
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] != '%') {
            out.push_back(fmt[i]);
            continue;
        }
        if (++i >= fmt.size()) fail("incomplete format");
        Value arg;
        bool have_arg = false;
        if (fmt[i] == '(') {
            const size_t close = fmt.find(')', i);
            if (close == std::string::npos) fail("incomplete format key");
            if (!args.is_dict()) fail("format requires a mapping");
            const Value* v = args.as_dict().find(fmt.substr(i + 1, close - i - 1));
            if (!v) fail("KeyError: '" + fmt.substr(i + 1, close - i - 1) + "'");
            arg = *v;
            have_arg = true;
            i = close + 1;
        }
        std::string flags;
        while (i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos) flags += fmt[i++];
        std::string width, prec;
        while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) width += fmt[i++];
        if (i < fmt.size() && fmt[i] == '.') {
            prec = ".";
            ++i;
            while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) prec += fmt[i++];
        }
        if (i >= fmt.size()) fail("incomplete format");
        const char conv = fmt[i];
        if (conv == '%') {
            out.push_back('%');
            continue;
        }
        if (!have_arg) {
            if (next >= list.size()) fail("not enough arguments for format string");
            arg = list[next++];
        }
        if (width.size() > 6 || prec.size() > 7) fail("format width too large");
        std::string spec = "%" + flags + width + prec;
        char buf[512];
        switch (conv) {
            case 's':
            case 'r':
            case 'a': {
                std::string s = conv == 's' ? to_str(arg) : repr(arg);
                if (prec.size() > 1) s = encode_utf8(decode_utf8(s).substr(0, std::stoul(prec.substr(1))));
                const size_t w = width.empty() ? 0 : std::stoul(width);
                const size_t len = utf8_length(s);
                if (len < w) {
                    if (flags.find('-') != std::string::npos) s += std::string(w - len, ' ');
                    else s = std::string(w - len, ' ') + s;
                }
                out += s;
                break;
            }
            case 'd':
            case 'i':
            case 'u':
            case 'x':
            case 'X':
            case 'o': {
                if (!arg.is_number()) fail("%" + std::string(1, conv) + " format: a real number is required, not " + type_name(arg));
                const long long v = arg.is_float() ? float_to_int(arg.as_float()) : arg.to_int();
                spec += "ll";
                spec += (conv == 'i' || conv == 'u') ? 'd' : conv;
                std::snprintf(buf, sizeof buf, spec.c_str(), v);
                out += buf;
                break;
            }
            case 'f':
            case 'F':
            case 'e':
            case 'E':
            case 'g':
            case 'G': {
                if (!arg.is_number()) fail("must be real number, not " + type_name(arg));
                spec += conv;
                std::snprintf(buf, sizeof buf, spec.c_str(), arg.to_double());
                out += buf;
                break;
            }
            case 'c': {
                if (arg.is_string() && utf8_length(arg.as_string()) == 1) out += arg.as_string();
                else if (arg.is_int() && arg.as_int() >= 0 && arg.as_int() <= 0x10FFFF) append_utf8(out, static_cast<char32_t>(arg.as_int()));
                else fail("%c requires an int or a unicode character");
                break;
            }
            default: fail(std::string("unsupported format character '") + conv + "'");
        }
        ctx.check_size(out.size());
    }
    if (!mapping && next < list.size()) fail("not all arguments converted during string formatting");
    return out;
}

}  // namespace

Value binary_op(Context& ctx, BinOp op, const Value& a, const Value& b) {
    require_defined(a);
    require_defined(b);
    const bool nums = a.is_number() && b.is_number();
    const bool ints = nums && !a.is_float() && !b.is_float();
    switch (op) {
        case BinOp::Add:
            if (ints) return Value(checked(add_ovf, a.to_int(), b.to_int()));
            if (nums) return Value(a.to_double() + b.to_double());
            if (a.is_string() && b.is_string()) {
                ctx.check_size(a.as_string().size() + b.as_string().size());
                return Value(a.as_string() + b.as_string());
            }
            if (a.is_list() && b.is_list() && a.as_list().tuple == b.as_list().tuple) {
                std::vector<Value> items = a.as_list().items;
                items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
                ctx.check_size(items.size() * sizeof(Value));
                return Value::list(std::move(items), a.as_list().tuple);
            }
            if (a.is_string()) fail("can only concatenate str (not \"" + type_name(b) + "\") to str");
            unsupported("+", a, b);
        case BinOp::Sub:
            if (ints) return Value(checked(sub_ovf, a.to_int(), b.to_int()));
            if (nums) return Value(a.to_double() - b.to_double());
            unsupported("-", a, b);
        case BinOp::Mul:
            if (ints) return Value(checked(mul_ovf, a.to_int(), b.to_int()));
            if (nums) return Value(a.to_double() * b.to_double());
            if ((a.is_string() || a.is_list()) && b.is_number() && !b.is_float()) return repeat(ctx, a, b.to_int());
            if ((b.is_string() || b.is_list()) && a.is_number() && !a.is_float()) return repeat(ctx, b, a.to_int());
            unsupported("*", a, b);
        case BinOp::Div:
            if (!nums) unsupported("/", a, b);
            if (b.to_double() == 0.0) fail("division by zero");
            return Value(a.to_double() / b.to_double());
        case BinOp::FloorDiv:
            if (!nums) unsupported("//", a, b);
            if (b.to_double() == 0.0) fail("integer division or modulo by zero");
            if (ints) {
                const int64_t x = a.to_int(), y = b.to_int();
                if (x == INT64_MIN && y == -1) fail("integer overflow");
                int64_t q = x / y;
                if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
                return Value(q);
            }
            return Value(py_floordiv(a.to_double(), b.to_double()));
        case BinOp::Mod:
            if (a.is_string()) return Value(percent_format(ctx, a.as_string(), b));
            if (!nums) unsupported("%", a, b);
            if (b.to_double() == 0.0) fail("integer division or modulo by zero");
            if (ints) {
                const int64_t x = a.to_int(), y = b.to_int();
                if (y == -1) return Value(int64_t{0});
                int64_t m = x % y;
                if (m != 0 && ((m < 0) != (y < 0))) m += y;
                return Value(m);
            }
            return Value(py_fmod(a.to_double(), b.to_double()));
        case BinOp::Pow:
            if (!nums) unsupported("** or pow()", a, b);
            if (ints && b.to_int() >= 0) {
                int64_t base = a.to_int(), e = b.to_int(), acc = 1;
                while (e > 0) {
                    if (e & 1) acc = checked(mul_ovf, acc, base);
                    e >>= 1;
                    if (e > 0) base = checked(mul_ovf, base, base);
                }
                return Value(acc);
            }
            if (a.to_double() == 0.0 && b.to_double() < 0) fail("0.0 cannot be raised to a negative power");
            {
                const double v = std::pow(a.to_double(), b.to_double());
                if (std::isnan(v) && a.to_double() < 0) fail("negative number cannot be raised to a fractional power");
                return Value(v);
            }
        default: break;
    }
    fail("bad operator");
}

Value unary_minus(const Value& v) {
    require_defined(v);
    if (v.is_float()) return Value(-v.as_float());
    if (v.is_number()) {
        if (v.to_int() == INT64_MIN) fail("integer overflow");
        return Value(-v.to_int());
    }
    fail("bad operand type for unary -: '" + type_name(v) + "'");
}

bool contains(const Value& container, const Value& item) {
    switch (container.kind()) {
        case Kind::Undefined: return false;
        case Kind::String:
            if (!item.is_string()) {
                require_defined(item);
                fail("'in <string>' requires string as left operand, not " + type_name(item));
            }
            return container.as_string().find(item.as_string()) != std::string::npos;
        case Kind::List:
            for (const Value& v : container.as_list().items)
                if (equals(v, item)) return true;
            return false;
        case Kind::Dict: return container.as_dict().find(item) != nullptr;
        default: fail("argument of type '" + type_name(container) + "' is not iterable");
    }
}

namespace {

std::string object_desc(const Value& obj) {
    if (obj.is_none()) return "None";
    return type_name(obj) + " object";
}

Value no_attribute(const Value& obj, const std::string& name) {
    return Value::undefined(cat("'", object_desc(obj), "' has no attribute '", name, "'"));
}

}  // namespace

Value get_attr(Context&, const Value& obj, const std::string& name) {
    require_defined(obj);
    if (!name.empty() && name[0] == '_')
        return Value::undefined("access to attribute '" + name + "' of '" + type_name(obj) + "' object is unsafe.");
    switch (obj.kind()) {
        case Kind::Dict: {
            Value m = bound_method(obj, name);
            if (!m.is_undefined() || !m.undefined_hint().empty()) return m;
            if (const Value* v = obj.as_dict().find(name)) return *v;
            return no_attribute(obj, name);
        }
        case Kind::Namespace:
            if (const Value* v = obj.as_namespace().attrs.find(name)) return *v;
            return no_attribute(obj, name);
        case Kind::String:
        case Kind::List: {
            Value m = bound_method(obj, name);
            if (!m.is_undefined() || !m.undefined_hint().empty()) return m;
            if (obj.is_list()) {
                const ListData& l = obj.as_list();
                for (size_t i = 0; i < l.field_names.size() && i < l.items.size(); ++i)
                    if (name == l.field_names[i]) return l.items[i];
            }
            return no_attribute(obj, name);
        }
        case Kind::Callable: {
            Value a = obj.as_callable()->attribute(name);
            return a.is_undefined() ? no_attribute(obj, name) : a;
        }
        default: return no_attribute(obj, name);
    }
}

Value get_item(Context& ctx, const Value& obj, const Value& key) {
    require_defined(obj);
    switch (obj.kind()) {
        case Kind::Dict: {
            if (key.is_list() && !key.as_list().tuple) break;  // unhashable
            if (key.is_dict()) break;
            if (const Value* v = obj.as_dict().find(key)) return *v;
            break;
        }
        case Kind::List:
        case Kind::String: {
            if (!key.is_number() || key.is_float()) break;
            const int64_t n = length(obj);
            int64_t i = key.to_int();
            if (i < 0) i += n;
            if (i < 0 || i >= n) return Value::undefined("'" + object_desc(obj) + "' has no element " + repr(key));
            if (obj.is_list()) return obj.as_list().items[static_cast<size_t>(i)];
            const std::string& s = obj.as_string();
            if (is_ascii(s)) return Value(std::string(1, s[static_cast<size_t>(i)]));
            std::string one;
            append_utf8(one, decode_utf8(s)[static_cast<size_t>(i)]);
            return Value(std::move(one));
        }
        default: break;
    }
    if (key.is_string()) return get_attr(ctx, obj, key.as_string());
    return Value::undefined("'" + object_desc(obj) + "' has no element " + repr(key));
}

Value slice_value(Context& ctx, const Value& obj, const Value& start, const Value& stop, const Value& step) {
    require_defined(obj);
    if (!obj.is_list() && !obj.is_string()) return Value::undefined("'" + object_desc(obj) + "' is not sliceable");
    for (const Value* v : {&start, &stop, &step})
        if (!v->is_none() && !(v->is_number() && !v->is_float()))
            return Value::undefined("slice indices must be integers or None");
    const int64_t st = step.is_none() ? 1 : step.to_int();
    if (st == 0) fail("slice step cannot be zero");
    const bool ascii = obj.is_string() && is_ascii(obj.as_string());
    U32 cps;
    if (obj.is_string() && !ascii) cps = decode_utf8(obj.as_string());
    const int64_t n = obj.is_list() ? static_cast<int64_t>(obj.as_list().items.size())
                                    : (ascii ? static_cast<int64_t>(obj.as_string().size()) : static_cast<int64_t>(cps.size()));
    auto adjust = [&](const Value& v, bool is_start) -> int64_t {
        if (v.is_none()) return st < 0 ? (is_start ? n - 1 : -1) : (is_start ? 0 : n);
        int64_t i = v.to_int();
        if (i < 0) {
            i += n;
            if (i < 0) i = st < 0 ? -1 : 0;
        } else if (i >= n) {
            i = st < 0 ? n - 1 : n;
        }
        return i;
    };
    const int64_t b = adjust(start, true), e = adjust(stop, false);
    std::vector<size_t> idx;
    if (st > 0)
        for (int64_t i = b; i < e; i += st) idx.push_back(static_cast<size_t>(i));
    else
        for (int64_t i = b; i > e; i += st) idx.push_back(static_cast<size_t>(i));
    if (obj.is_list()) {
        std::vector<Value> out;
        out.reserve(idx.size());
        for (size_t i : idx) out.push_back(obj.as_list().items[i]);
        return Value::list(std::move(out), obj.as_list().tuple);
    }
    std::string out;
    if (ascii) {
        if (st == 1) return Value(obj.as_string().substr(static_cast<size_t>(b), idx.size()));
        for (size_t i : idx) out.push_back(obj.as_string()[i]);
    } else {
        for (size_t i : idx) append_utf8(out, cps[i]);
    }
    ctx.check_size(out.size());
    return Value(std::move(out));
}

}  // namespace kinglet::chat::jinja
