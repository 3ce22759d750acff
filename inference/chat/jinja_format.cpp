// str.format() with Python's format-spec mini-language, and strftime with the C locale's
// English names (what Python prints for datetime.strftime in transformers).
// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/jinja_format.h"

#include <cmath>
#include <cstdio>

#include "chat/jinja_eval.h"
#include "chat/jinja_string.h"

namespace kinglet::chat::jinja {

namespace {

struct Spec {
    char32_t fill = ' ';
    char align = '\0';
    char sign = '-';
    bool alt = false, zero = false;
    int width = -1, precision = -1;
    char grouping = '\0';
    char type = '\0';
};

Spec parse_spec(const std::string& s) {
    Spec sp;
    U32 t = decode_utf8(s);
    size_t i = 0;
    auto is_align = [](char32_t c) { return c == '<' || c == '>' || c == '^' || c == '='; };
    if (t.size() >= 2 && is_align(t[1])) sp.fill = t[0], sp.align = static_cast<char>(t[1]), i = 2;
    else if (!t.empty() && is_align(t[0])) sp.align = static_cast<char>(t[0]), i = 1;
    if (i < t.size() && (t[i] == '+' || t[i] == '-' || t[i] == ' ')) sp.sign = static_cast<char>(t[i++]);
    if (i < t.size() && t[i] == '#') sp.alt = true, ++i;
    if (i < t.size() && t[i] == '0') sp.zero = true, ++i;
    auto number = [&]() {
        int v = 0;
        bool any = false;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
            v = v * 10 + static_cast<int>(t[i++] - '0');
            if (v > 100000) fail("format width too large");
            any = true;
        }
        return any ? v : -1;
    };
    sp.width = number();
    if (i < t.size() && (t[i] == ',' || t[i] == '_')) sp.grouping = static_cast<char>(t[i++]);
    if (i < t.size() && t[i] == '.') {
        ++i;
        sp.precision = number();
        if (sp.precision < 0) fail("Format specifier missing precision");
    }
    if (i < t.size()) sp.type = static_cast<char>(t[i++]);
    if (i != t.size()) fail("Invalid format specifier '" + s + "'");
    return sp;
}

std::string group(const std::string& digits, char sep) {
    std::string out;
    const size_t n = digits.size();
    for (size_t i = 0; i < n; ++i) {
        if (i && (n - i) % 3 == 0) out.push_back(sep);
        out.push_back(digits[i]);
    }
    return out;
}

std::string pad(std::string body, const Spec& sp, char default_align, const std::string& sign_prefix = {}) {
    const int len = static_cast<int>(utf8_length(body) + utf8_length(sign_prefix));
    char align = sp.align ? sp.align : (sp.zero ? '=' : default_align);
    std::string fill;
    append_utf8(fill, sp.align ? sp.fill : (sp.zero ? U'0' : sp.fill));
    if (sp.width <= len) return sign_prefix + body;
    const int n = sp.width - len;
    auto rep = [&](int k) {
        std::string s;
        for (int j = 0; j < k; ++j) s += fill;
        return s;
    };
    switch (align) {
        case '<': return sign_prefix + body + rep(n);
        case '^': return rep(n / 2) + sign_prefix + body + rep(n - n / 2);
        case '=': return sign_prefix + rep(n) + body;
        default: return rep(n) + sign_prefix + body;
    }
}

std::string format_number(const Value& v, const Spec& sp) {
    char t = sp.type;
    const bool is_int = !v.is_float();
    std::string sign;
    std::string body;
    if (is_int && (t == '\0' || t == 'd' || t == 'n' || t == 'x' || t == 'X' || t == 'o' || t == 'b' || t == 'c')) {
        if (sp.precision >= 0) fail("Precision not allowed in integer format specifier");
        const int64_t x = v.to_int();
        const uint64_t mag = x < 0 ? 0 - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
        if (t == 'c') {
            append_utf8(body, static_cast<char32_t>(x));
            return pad(body, sp, '<');
        }
        if (t == 'x' || t == 'X' || t == 'o' || t == 'b') {
            const int base = t == 'o' ? 8 : (t == 'b' ? 2 : 16);
            const char* dig = t == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
            uint64_t m = mag;
            do {
                body.insert(body.begin(), dig[m % static_cast<uint64_t>(base)]);
                m /= static_cast<uint64_t>(base);
            } while (m);
            if (sp.alt) body = std::string("0") + (t == 'o' ? 'o' : (t == 'b' ? 'b' : t)) + body;
        } else {
            body = std::to_string(mag);
            if (sp.grouping) body = group(body, sp.grouping);
        }
        sign = x < 0 ? "-" : (sp.sign == '+' ? "+" : (sp.sign == ' ' ? " " : ""));
        return pad(body, sp, '>', sign);
    }
    double d = v.to_double();
    if (t == '\0' && sp.precision < 0) {
        body = py_float_repr(std::fabs(d));
    } else {
        const int prec = sp.precision < 0 ? 6 : sp.precision;
        std::string fmt = "%.";
        fmt += std::to_string(prec);
        char conv = t;
        if (t == '%') d *= 100, conv = 'f';
        else if (t == '\0') conv = 'g';
        else if (t == 'n') conv = 'g';
        else if (std::string_view("eEfFgG").find(t) == std::string_view::npos)
            fail(std::string("Unknown format code '") + t + "' for object of type 'float'");
        fmt += conv;
        char buf[512];
        std::snprintf(buf, sizeof buf, fmt.c_str(), std::fabs(d));
        body = buf;
        if (sp.grouping && (conv == 'f' || conv == 'F')) {
            const size_t dot = body.find('.');
            body = group(body.substr(0, dot), sp.grouping) + (dot == std::string::npos ? "" : body.substr(dot));
        }
        if (t == '%') body += "%";
    }
    sign = std::signbit(d) ? "-" : (sp.sign == '+' ? "+" : (sp.sign == ' ' ? " " : ""));
    return pad(body, sp, '>', sign);
}

}  // namespace

std::string format_value(const Value& v, const std::string& spec) {
    if (spec.empty()) return to_str(v);
    const Spec sp = parse_spec(spec);
    if (v.is_number() && !(v.is_bool() && sp.type == 's')) {
        if (v.is_bool() && sp.type == '\0') return pad(to_str(v), sp, '<');
        return format_number(v, sp);
    }
    if (sp.type != '\0' && sp.type != 's')
        fail(std::string("Unknown format code '") + sp.type + "' for object of type '" + type_name(v) + "'");
    std::string s = to_str(v);
    if (sp.precision >= 0) s = encode_utf8(decode_utf8(s).substr(0, static_cast<size_t>(sp.precision)));
    return pad(s, sp, '<');
}

std::string str_format(Context& ctx, const std::string& fmt, const Args& args) {
    std::string out;
    int auto_index = 0;
    bool manual = false, automatic = false;
    for (size_t i = 0; i < fmt.size(); ++i) {
        const char c = fmt[i];
        if (c == '}') {
            if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
                out.push_back('}');
                ++i;
                continue;
            }
            fail("Single '}' encountered in format string");
        }
        if (c != '{') {
            out.push_back(c);
            continue;
        }
        if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
            out.push_back('{');
            ++i;
            continue;
        }
        // Find the matching '}' (a spec may hold one nested level, which we do not support).
        const size_t close = fmt.find('}', i);
        if (close == std::string::npos) fail("expected '}' before end of string");
        std::string field = fmt.substr(i + 1, close - i - 1);
        i = close;
        std::string spec;
        char conversion = '\0';
        const size_t colon = field.find(':');
        if (colon != std::string::npos) spec = field.substr(colon + 1), field.resize(colon);
        const size_t bang = field.find('!');
        if (bang != std::string::npos) {
            if (bang + 2 != field.size()) fail("expected ':' after conversion specifier");
            conversion = field[bang + 1];
            field.resize(bang);
        }
        size_t name_end = 0;
        while (name_end < field.size() && field[name_end] != '.' && field[name_end] != '[') ++name_end;
        const std::string name = field.substr(0, name_end);
        Value v;
        if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) {
            size_t idx;
            if (name.empty()) {
                if (manual) fail("cannot switch from manual field specification to automatic field numbering");
                automatic = true;
                idx = static_cast<size_t>(auto_index++);
            } else {
                if (automatic) fail("cannot switch from automatic field numbering to manual field specification");
                manual = true;
                if (name.size() > 9 || name.find_first_not_of("0123456789") != std::string::npos)
                    fail("bad replacement field '" + name + "'");
                idx = std::stoul(name);
            }
            if (idx >= args.pos.size()) fail("Replacement index " + std::to_string(idx) + " out of range");
            v = args.pos[idx];
        } else {
            bool found = false;
            for (const auto& [k, val] : args.kw)
                if (k == name) v = val, found = true;
            if (!found) fail("KeyError: '" + name + "'");
        }
        // Attribute and index access: .attr and [key]
        size_t p = name_end;
        while (p < field.size()) {
            if (field[p] == '.') {
                size_t q = p + 1;
                while (q < field.size() && field[q] != '.' && field[q] != '[') ++q;
                v = get_attr(ctx, v, field.substr(p + 1, q - p - 1));
                p = q;
            } else {
                const size_t q = field.find(']', p);
                if (q == std::string::npos) fail("Missing ']' in format string");
                const std::string key = field.substr(p + 1, q - p - 1);
                const bool numeric = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
                v = get_item(ctx, v, numeric && key.size() < 18 ? Value(static_cast<int64_t>(std::stoll(key))) : Value(key));
                p = q + 1;
            }
        }
        if (conversion == 'r' || conversion == 'a') v = Value(repr(v));
        else if (conversion == 's') v = Value(to_str(v));
        else if (conversion) fail(std::string("Unknown conversion specifier ") + conversion);
        out += format_value(v, spec);
        ctx.check_size(out.size());
    }
    return out;
}

std::string strftime_py(const std::string& fmt, const std::tm& tm) {
    static const char* const days[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    static const char* const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                         "July",    "August",   "September", "October", "November", "December"};
    const int wday = ((tm.tm_wday % 7) + 7) % 7;
    const int mon = ((tm.tm_mon % 12) + 12) % 12;
    std::string out;
    char buf[64];
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] != '%' || i + 1 >= fmt.size()) {
            out.push_back(fmt[i]);
            continue;
        }
        bool no_pad = false;
        char c = fmt[++i];
        if (c == '-' && i + 1 < fmt.size()) no_pad = true, c = fmt[++i];
        auto num = [&](int v, int width, char fill = '0') {
            if (no_pad) std::snprintf(buf, sizeof buf, "%d", v);
            else if (fill == ' ') std::snprintf(buf, sizeof buf, "%*d", width, v);
            else std::snprintf(buf, sizeof buf, "%0*d", width, v);
            out += buf;
        };
        const int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
        switch (c) {
            case 'a': out += std::string(days[wday], 3); break;
            case 'A': out += days[wday]; break;
            case 'b':
            case 'h': out += std::string(months[mon], 3); break;
            case 'B': out += months[mon]; break;
            case 'd': num(tm.tm_mday, 2); break;
            case 'e': num(tm.tm_mday, 2, ' '); break;
            case 'm': num(mon + 1, 2); break;
            case 'y': num((tm.tm_year + 1900) % 100, 2); break;
            case 'Y': num(tm.tm_year + 1900, 1); break;
            case 'H': num(tm.tm_hour, 2); break;
            case 'I': num(hour12, 2); break;
            case 'M': num(tm.tm_min, 2); break;
            case 'S': num(tm.tm_sec, 2); break;
            case 'j': num(tm.tm_yday + 1, 3); break;
            case 'w': num(wday, 1); break;
            case 'u': num(wday == 0 ? 7 : wday, 1); break;
            case 'p': out += tm.tm_hour < 12 ? "AM" : "PM"; break;
            case 'D': out += strftime_py("%m/%d/%y", tm); break;
            case 'F': out += strftime_py("%Y-%m-%d", tm); break;
            case 'T': out += strftime_py("%H:%M:%S", tm); break;
            case 'R': out += strftime_py("%H:%M", tm); break;
            case 'c': out += strftime_py("%a %b %e %H:%M:%S %Y", tm); break;
            case 'x': out += strftime_py("%m/%d/%y", tm); break;
            case 'X': out += strftime_py("%H:%M:%S", tm); break;
            case 'Z':
            case 'z': break;  // datetime.now() is naive: no zone
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case '%': out += '%'; break;
            default: {
                char spec[4] = {'%', c, 0, 0};
                const size_t n = std::strftime(buf, sizeof buf, spec, &tm);
                out.append(buf, n);
            }
        }
    }
    return out;
}

}  // namespace kinglet::chat::jinja
