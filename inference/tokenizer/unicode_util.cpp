#include "tokenizer/unicode_util.h"

#include <unicode/uchar.h>

#include <array>

namespace kinglet::tok {

bool utf8_is_valid_char(const char* p, size_t n) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    if (n == 0) return false;
    if (u[0] < 0x80) return n == 1;
    size_t len;
    uint32_t cp;
    if (u[0] >= 0xC2 && u[0] <= 0xDF) { len = 2; cp = u[0] & 0x1F; }
    else if (u[0] >= 0xE0 && u[0] <= 0xEF) { len = 3; cp = u[0] & 0x0F; }
    else if (u[0] >= 0xF0 && u[0] <= 0xF4) { len = 4; cp = u[0] & 0x07; }
    else return false;
    if (n != len) return false;
    for (size_t i = 1; i < len; ++i) {
        if ((u[i] & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (u[i] & 0x3F);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
    return true;
}

std::vector<uint32_t> decode_utf8_lossy(std::string_view text) {
    std::vector<uint32_t> out;
    out.reserve(text.size());
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    size_t i = 0;
    auto cont = [&](size_t k) { return i + k < n && (s[i + k] & 0xC0) == 0x80; };
    while (i < n) {
        const unsigned char c = s[i];
        if (c < 0x80) { out.push_back(c); i += 1; continue; }
        // Same acceptance as llama.cpp's unicode_cpt_from_utf8: checks only that the
        // continuation bytes are there, not that the form is the shortest.
        if ((c & 0x40) == 0) { out.push_back(0xFFFD); i += 1; continue; }
        if ((c & 0x20) == 0) {
            if (!cont(1)) { out.push_back(0xFFFD); i += 1; continue; }
            out.push_back(((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu));
            i += 2;
            continue;
        }
        if ((c & 0x10) == 0) {
            if (!cont(1) || !cont(2)) { out.push_back(0xFFFD); i += 1; continue; }
            out.push_back(((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu));
            i += 3;
            continue;
        }
        if ((c & 0x08) == 0) {
            if (!cont(1) || !cont(2) || !cont(3)) { out.push_back(0xFFFD); i += 1; continue; }
            uint32_t cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
                          (s[i + 3] & 0x3Fu);
            out.push_back(cp > 0x10FFFF ? 0xFFFD : cp);
            i += 4;
            continue;
        }
        out.push_back(0xFFFD);
        i += 1;
    }
    return out;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp <= 0x7F) {
        out.push_back(static_cast<char>(cp));
    } else if (cp <= 0x7FF) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp <= 0xFFFF) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | ((cp >> 18) & 0x07)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

namespace {

uint8_t compute_flags(uint32_t cp) {
    uint8_t f = 0;
    const UChar32 c = static_cast<UChar32>(cp);
    if (u_hasBinaryProperty(c, UCHAR_WHITE_SPACE)) f |= kWhitespace;
    const uint32_t mask = U_MASK(u_charType(c));
    if (mask & U_GC_L_MASK) f |= kLetter;
    if (mask & U_GC_N_MASK) f |= kNumber;
    if (mask & U_GC_P_MASK) f |= kPunct;
    if (mask & U_GC_S_MASK) f |= kSymbol;
    if (mask & U_GC_M_MASK) f |= kMark;
    return f;
}

// The Basic Multilingual Plane covers nearly all text; a table makes the per-character
// cost of the pre-tokenizer one load instead of two ICU trie walks.
struct BmpFlags {
    std::array<uint8_t, 0x10000> t{};
    BmpFlags() {
        for (uint32_t cp = 0; cp < 0x10000; ++cp) t[cp] = compute_flags(cp);
    }
};

struct Gpt2Map {
    std::array<std::string, 256> to_utf8;
    std::array<int16_t, 512> from_cp{};  // code points used are all below 324
    Gpt2Map() {
        from_cp.fill(-1);
        int n = 0;
        for (int b = 0; b < 256; ++b) {
            const bool keep = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            const uint32_t cp = keep ? static_cast<uint32_t>(b) : static_cast<uint32_t>(256 + n++);
            append_utf8(to_utf8[b], cp);
            from_cp[cp] = static_cast<int16_t>(b);
        }
    }
};

const Gpt2Map& gpt2_map() {
    static const Gpt2Map m;
    return m;
}

}  // namespace

uint8_t cp_flags(uint32_t cp) {
    static const BmpFlags bmp;
    if (cp < 0x10000) return bmp.t[cp];
    if (cp > 0x10FFFF) return 0;
    return compute_flags(cp);
}

const std::string& gpt2_byte_to_utf8(uint8_t b) { return gpt2_map().to_utf8[b]; }

int gpt2_cp_to_byte(uint32_t cp) { return cp < 512 ? gpt2_map().from_cp[cp] : -1; }

}  // namespace kinglet::tok
