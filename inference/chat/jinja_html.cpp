// Python's html.unescape(): numeric references with the HTML5 rules for invalid code
// points, and named references with the longest-legacy-prefix rule ("&ampx" is "&x").
#include "chat/jinja_html.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "chat/jinja_string.h"

namespace kinglet::chat::jinja {

namespace {

void append_entity(std::string& out, const HtmlEntity& e) {
    append_utf8(out, e.first);
    if (e.second) append_utf8(out, e.second);
}

// What HTML5 decodes the C1 range 0x80-0x9F to (Windows-1252; unassigned bytes stay).
constexpr char16_t kC1Replacements[32] = {
    0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178,
};

// Code points html.unescape drops: C0/C1 controls except \t \n \f \r, and noncharacters.
bool dropped_code_point(uint64_t n) {
    if ((n >= 0x1 && n <= 0x8) || n == 0xB || (n >= 0xE && n <= 0x1F) || (n >= 0x7F && n <= 0x9F)) return true;
    if (n >= 0xFDD0 && n <= 0xFDEF) return true;
    return (n & 0xFFFE) == 0xFFFE;  // U+FFFE, U+FFFF and the same in every plane
}

void append_numeric(std::string& out, uint64_t n) {
    if (n == 0) return append_utf8(out, 0xFFFD);
    if (n == 0x0D) return out.push_back('\r');
    if (n >= 0x80 && n <= 0x9F) return append_utf8(out, kC1Replacements[n - 0x80]);
    if ((n >= 0xD800 && n <= 0xDFFF) || n > 0x10FFFF) return append_utf8(out, 0xFFFD);
    if (dropped_code_point(n)) return;
    append_utf8(out, static_cast<char32_t>(n));
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_dec(char c) { return c >= '0' && c <= '9'; }

// "&#...;" at s[at] (the '&'); returns where the reference ends, or `at` when there is none.
size_t numeric_reference(std::string_view s, size_t at, std::string& out) {
    size_t i = at + 2;
    const bool hex = i < s.size() && (s[i] == 'x' || s[i] == 'X');
    if (hex) ++i;
    const size_t digits = i;
    uint64_t n = 0;
    for (; i < s.size() && (hex ? is_hex(s[i]) : is_dec(s[i])); ++i) {
        const char c = static_cast<char>(s[i] | 0x20);
        const uint64_t d = is_dec(s[i]) ? static_cast<uint64_t>(s[i] - '0') : static_cast<uint64_t>(c - 'a' + 10);
        n = std::min<uint64_t>(n * (hex ? 16 : 10) + d, 0x110000);  // anything larger reads as too large
    }
    if (i == digits) return at;
    if (i < s.size() && s[i] == ';') ++i;
    append_numeric(out, n);
    return i;
}

// "&name;" at s[at]: up to 32 characters that are not whitespace or "<&#;", then an
// optional ';'. Unknown names fall back to the longest legacy name they start with.
size_t named_reference(std::string_view s, size_t at, std::string& out) {
    size_t i = at + 1;
    for (int chars = 0; i < s.size() && chars < 32; ++chars) {
        const char c = s[i];
        if (c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' || c == '#' || c == ';') break;
        do ++i;  // the whole UTF-8 sequence
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80);
    }
    if (i == at + 1) return at;
    const bool semicolon = i < s.size() && s[i] == ';';
    const std::string_view name = s.substr(at + 1, i - at - 1);
    const size_t end = semicolon ? i + 1 : i;
    if (const HtmlEntity* e = find_html_entity(name); e && (semicolon || e->legacy)) {
        append_entity(out, *e);
        return end;
    }
    // Python tries every shorter prefix (of the name with its ';'), longest first.
    const size_t whole = name.size() + (semicolon ? 1 : 0);
    for (size_t len = std::min(whole - 1, name.size()); len >= 2; --len) {
        const HtmlEntity* e = find_html_entity(name.substr(0, len));
        if (e && e->legacy) {
            append_entity(out, *e);
            out.append(s.substr(at + 1 + len, end - at - 1 - len));
            return end;
        }
    }
    out.append(s.substr(at, end - at));
    return end;
}

}  // namespace

std::string html_unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        if (s[i] != '&') {
            out.push_back(s[i++]);
            continue;
        }
        const bool numeric = i + 1 < s.size() && s[i + 1] == '#';
        const size_t end = numeric ? numeric_reference(s, i, out) : named_reference(s, i, out);
        if (end == i) out.push_back(s[i++]);
        else i = end;
    }
    return out;
}

}  // namespace kinglet::chat::jinja
