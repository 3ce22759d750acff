// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/jinja_string.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

namespace kinglet::chat::jinja {

bool is_ascii(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

U32 decode_utf8(std::string_view s) {
    U32 out;
    out.reserve(s.size());
    size_t i = 0;
    const size_t n = s.size();
    while (i < n) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out.push_back(c);
            ++i;
            continue;
        }
        int len = 0;
        char32_t cp = 0;
        char32_t min = 0;
        if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
        bool ok = len > 0 && i + len <= n;
        for (int k = 1; ok && k < len; ++k) {
            const unsigned char cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) ok = false;
            else cp = (cp << 6) | (cc & 0x3F);
        }
        if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
        if (!ok) {
            out.push_back(0xDC00 + c);  // surrogateescape: keeps the raw byte
            ++i;
            continue;
        }
        out.push_back(cp);
        i += len;
    }
    return out;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp >= 0xDC80 && cp <= 0xDCFF) {  // an escaped raw byte
        out.push_back(static_cast<char>(cp - 0xDC00));
    } else if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string encode_utf8(std::u32string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char32_t c : s) append_utf8(out, c);
    return out;
}

size_t utf8_length(std::string_view s) {
    if (is_ascii(s)) return s.size();
    return decode_utf8(s).size();
}

bool py_isspace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

bool py_islinebreak(char32_t c) {
    return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D ||
           c == 0x1E || c == 0x85 || c == 0x2028 || c == 0x2029;
}

std::string py_strip(std::string_view s, const std::string* chars, bool left, bool right) {
    U32 text = decode_utf8(s);
    U32 set;
    if (chars) set = decode_utf8(*chars);
    auto strip_it = [&](char32_t c) {
        return chars ? set.find(c) != U32::npos : py_isspace(c);
    };
    size_t b = 0, e = text.size();
    if (left)
        while (b < e && strip_it(text[b])) ++b;
    if (right)
        while (e > b && strip_it(text[e - 1])) --e;
    return encode_utf8(std::u32string_view(text).substr(b, e - b));
}

std::vector<std::string> py_split(std::string_view s, const std::string* sep, int64_t maxsplit,
                                  bool from_right) {
    std::vector<std::string> parts;
    if (sep) {
        if (sep->empty()) return parts;  // caller reports "empty separator"
        if (!from_right) {
            size_t pos = 0;
            while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
                const size_t at = s.find(*sep, pos);
                if (at == std::string_view::npos) break;
                parts.emplace_back(s.substr(pos, at - pos));
                pos = at + sep->size();
            }
            parts.emplace_back(s.substr(pos));
        } else {
            size_t end = s.size();
            std::vector<std::string> rev;
            while (maxsplit < 0 || static_cast<int64_t>(rev.size()) < maxsplit) {
                if (end < sep->size()) break;
                const size_t at = s.rfind(*sep, end - sep->size());
                if (at == std::string_view::npos) break;
                rev.emplace_back(s.substr(at + sep->size(), end - at - sep->size()));
                end = at;
            }
            rev.emplace_back(s.substr(0, end));
            parts.assign(rev.rbegin(), rev.rend());
        }
        return parts;
    }
    U32 t = decode_utf8(s);
    if (!from_right) {
        size_t i = 0;
        const size_t n = t.size();
        while (true) {
            while (i < n && py_isspace(t[i])) ++i;
            if (i >= n) break;
            if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) >= maxsplit) {
                size_t e = n;
                while (e > i && py_isspace(t[e - 1])) --e;
                parts.push_back(encode_utf8(std::u32string_view(t).substr(i, e - i)));
                break;
            }
            size_t j = i;
            while (j < n && !py_isspace(t[j])) ++j;
            parts.push_back(encode_utf8(std::u32string_view(t).substr(i, j - i)));
            i = j;
        }
    } else {
        size_t e = t.size();
        std::vector<std::string> rev;
        while (true) {
            while (e > 0 && py_isspace(t[e - 1])) --e;
            if (e == 0) break;
            if (maxsplit >= 0 && static_cast<int64_t>(rev.size()) >= maxsplit) {
                size_t b = 0;
                while (b < e && py_isspace(t[b])) ++b;
                rev.push_back(encode_utf8(std::u32string_view(t).substr(b, e - b)));
                break;
            }
            size_t b = e;
            while (b > 0 && !py_isspace(t[b - 1])) --b;
            rev.push_back(encode_utf8(std::u32string_view(t).substr(b, e - b)));
            e = b;
        }
        parts.assign(rev.rbegin(), rev.rend());
    }
    return parts;
}

std::vector<std::string> py_splitlines(std::string_view s, bool keepends) {
    std::vector<std::string> lines;
    U32 t = decode_utf8(s);
    size_t start = 0, i = 0;
    while (i < t.size()) {
        if (!py_islinebreak(t[i])) {
            ++i;
            continue;
        }
        size_t eol = i + 1;
        if (t[i] == '\r' && eol < t.size() && t[eol] == '\n') ++eol;
        const size_t end = keepends ? eol : i;
        lines.push_back(encode_utf8(std::u32string_view(t).substr(start, end - start)));
        start = i = eol;
    }
    if (start < t.size()) lines.push_back(encode_utf8(std::u32string_view(t).substr(start)));
    return lines;
}

std::string py_replace(std::string_view s, std::string_view old, std::string_view repl,
                       int64_t count) {
    std::string out;
    if (old.empty()) {
        // Python inserts repl between every character (and at both ends).
        U32 t = decode_utf8(s);
        int64_t done = 0;
        for (size_t i = 0; i <= t.size(); ++i) {
            if (count < 0 || done < count) {
                out.append(repl);
                ++done;
            }
            if (i < t.size()) append_utf8(out, t[i]);
        }
        return out;
    }
    size_t pos = 0;
    int64_t done = 0;
    while (count < 0 || done < count) {
        const size_t at = s.find(old, pos);
        if (at == std::string_view::npos) break;
        out.append(s.substr(pos, at - pos));
        out.append(repl);
        pos = at + old.size();
        ++done;
    }
    out.append(s.substr(pos));
    return out;
}

int64_t py_count(std::string_view s, std::string_view sub) {
    if (sub.empty()) return static_cast<int64_t>(utf8_length(s)) + 1;
    int64_t n = 0;
    for (size_t pos = s.find(sub); pos != std::string_view::npos; pos = s.find(sub, pos + sub.size()))
        ++n;
    return n;
}

int64_t py_find(std::string_view s, std::string_view sub, bool from_right) {
    const size_t at = from_right ? s.rfind(sub) : s.find(sub);
    if (at == std::string_view::npos) return -1;
    return static_cast<int64_t>(utf8_length(s.substr(0, at)));
}

namespace {

enum class CaseOp { Upper, Lower, Title };

std::string icu_case(std::u32string_view cps, CaseOp op) {
    // Full case mapping (ß -> SS, final sigma) as Python does, via ICU on UTF-16.
    std::u16string in;
    for (char32_t c : cps) {
        if (c >= 0x10000) {
            in.push_back(static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10)));
            in.push_back(static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF)));
        } else {
            in.push_back(static_cast<char16_t>(c));
        }
    }
    std::u16string out(in.size() * 3 + 8, u'\0');
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = 0;
    const auto* src = reinterpret_cast<const UChar*>(in.data());
    auto* dst = reinterpret_cast<UChar*>(out.data());
    const auto cap = static_cast<int32_t>(out.size());
    const auto len = static_cast<int32_t>(in.size());
    if (op == CaseOp::Upper) n = u_strToUpper(dst, cap, src, len, "", &err);
    else if (op == CaseOp::Lower) n = u_strToLower(dst, cap, src, len, "", &err);
    else n = u_strToTitle(dst, cap, src, len, nullptr, "", &err);
    if (U_FAILURE(err)) return encode_utf8(cps);
    out.resize(static_cast<size_t>(n));
    std::string res;
    for (size_t i = 0; i < out.size(); ++i) {
        char32_t c = out[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < out.size()) {
            c = 0x10000 + ((c - 0xD800) << 10) + (out[i + 1] - 0xDC00);
            ++i;
        }
        append_utf8(res, c);
    }
    return res;
}

bool is_cased(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_CASED); }

std::string map_ascii(std::string_view s, int (*fn)(int)) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(fn(static_cast<unsigned char>(c)));
    return out;
}

int ascii_upper(int c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }
int ascii_lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

}  // namespace

std::string py_upper(std::string_view s) {
    if (is_ascii(s)) return map_ascii(s, ascii_upper);
    return icu_case(decode_utf8(s), CaseOp::Upper);
}

std::string py_lower(std::string_view s) {
    if (is_ascii(s)) return map_ascii(s, ascii_lower);
    return icu_case(decode_utf8(s), CaseOp::Lower);
}

std::string py_title(std::string_view s) {
    U32 t = decode_utf8(s);
    std::string out;
    bool prev_cased = false;
    for (char32_t c : t) {
        const std::u32string_view one(&c, 1);
        if (prev_cased) out += c < 0x80 ? std::string(1, static_cast<char>(ascii_lower(static_cast<int>(c)))) : icu_case(one, CaseOp::Lower);
        else out += c < 0x80 ? std::string(1, static_cast<char>(ascii_upper(static_cast<int>(c)))) : icu_case(one, CaseOp::Title);
        prev_cased = is_cased(c);
    }
    return out;
}

std::string py_capitalize(std::string_view s) {
    U32 t = decode_utf8(s);
    if (t.empty()) return {};
    const char32_t first = t[0];
    std::string out = first < 0x80 ? std::string(1, static_cast<char>(ascii_upper(static_cast<int>(first))))
                                   : icu_case(std::u32string_view(&first, 1), CaseOp::Title);
    return out + py_lower(encode_utf8(std::u32string_view(t).substr(1)));
}

std::string py_swapcase(std::string_view s) {
    std::string out;
    for (char32_t c : decode_utf8(s)) {
        const std::u32string_view one(&c, 1);
        if (u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_UPPERCASE)) out += icu_case(one, CaseOp::Lower);
        else if (u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_LOWERCASE)) out += icu_case(one, CaseOp::Upper);
        else append_utf8(out, c);
    }
    return out;
}

bool py_islower(std::string_view s) {
    bool any = false;
    for (char32_t c : decode_utf8(s)) {
        if (u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_UPPERCASE) || u_istitle(static_cast<UChar32>(c)))
            return false;
        if (u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_LOWERCASE)) any = true;
    }
    return any;
}

bool py_isupper(std::string_view s) {
    bool any = false;
    for (char32_t c : decode_utf8(s)) {
        if (u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_LOWERCASE) || u_istitle(static_cast<UChar32>(c)))
            return false;
        if (u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_UPPERCASE)) any = true;
    }
    return any;
}

bool py_isalpha_cp(char32_t c) {
    switch (u_charType(static_cast<UChar32>(c))) {
        case U_UPPERCASE_LETTER:
        case U_LOWERCASE_LETTER:
        case U_TITLECASE_LETTER:
        case U_MODIFIER_LETTER:
        case U_OTHER_LETTER: return true;
        default: return false;
    }
}

bool py_isdigit_cp(char32_t c) {
    const int t = u_getIntPropertyValue(static_cast<UChar32>(c), UCHAR_NUMERIC_TYPE);
    return t == U_NT_DECIMAL || t == U_NT_DIGIT;
}

bool py_isalnum_cp(char32_t c) {
    return py_isalpha_cp(c) ||
           u_getIntPropertyValue(static_cast<UChar32>(c), UCHAR_NUMERIC_TYPE) != U_NT_NONE;
}

bool py_isprintable(char32_t c) {
    if (c < 0x80) return c >= 0x20 && c != 0x7F;
    switch (u_charType(static_cast<UChar32>(c))) {
        case U_CONTROL_CHAR:
        case U_FORMAT_CHAR:
        case U_SURROGATE:
        case U_PRIVATE_USE_CHAR:
        case U_UNASSIGNED:
        case U_LINE_SEPARATOR:
        case U_PARAGRAPH_SEPARATOR:
        case U_SPACE_SEPARATOR: return false;
        default: return true;
    }
}

std::string py_repr_string(std::string_view s) {
    const bool has_single = s.find('\'') != std::string_view::npos;
    const bool has_double = s.find('"') != std::string_view::npos;
    const char quote = (has_single && !has_double) ? '"' : '\'';
    std::string out(1, quote);
    for (char32_t c : decode_utf8(s)) {
        if (c == static_cast<char32_t>(quote) || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (c != ' ' && !py_isprintable(c)) {
            char buf[16];
            if (c <= 0xFF) std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
            else if (c <= 0xFFFF) std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            else std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
            out += buf;
        } else {
            append_utf8(out, c);
        }
    }
    out.push_back(quote);
    return out;
}

std::string py_float_repr(double d) {
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    // sci is like "-1.2345e+05": split sign, digits and exponent.
    bool neg = false;
    size_t i = 0;
    if (sci[0] == '-') neg = true, i = 1;
    const size_t epos = sci.find('e');
    std::string digits;
    for (size_t k = i; k < epos; ++k)
        if (sci[k] != '.') digits.push_back(sci[k]);
    const int exp10 = std::atoi(sci.c_str() + epos + 1);
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    std::string out = neg ? "-" : "";
    if (exp10 < -4 || exp10 >= 16) {
        out += digits[0];
        if (digits.size() > 1) out += "." + digits.substr(1);
        char eb[16];
        std::snprintf(eb, sizeof eb, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
        out += eb;
    } else if (exp10 < 0) {
        out += "0." + std::string(static_cast<size_t>(-exp10 - 1), '0') + digits;
    } else {
        const size_t int_len = static_cast<size_t>(exp10) + 1;
        if (digits.size() <= int_len) {
            out += digits + std::string(int_len - digits.size(), '0') + ".0";
        } else {
            out += digits.substr(0, int_len) + "." + digits.substr(int_len);
        }
    }
    return out;
}

std::string py_int_str(int64_t v) { return std::to_string(v); }

}  // namespace kinglet::chat::jinja
