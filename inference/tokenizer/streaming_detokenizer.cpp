#include <cstdint>
#include <string>

#include "tokenizer/tokenizer.h"

namespace kinglet {

namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 character at s[i], 0 when the bytes there can never
// start one, or -k when the k bytes up to the end are a proper prefix of one (a
// character split across tokens). Malformed input is consumed one maximal ill-formed
// subpart at a time (Unicode's recommended U+FFFD substitution), via `bad`.
int next_char(const std::string& s, size_t i, size_t& bad) {
    const auto* u = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    const unsigned char c = u[i];
    bad = 1;
    if (c < 0x80) return 1;
    int len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) { len = 3; lo = 0xA0; }
    else if (c == 0xED) { len = 3; hi = 0x9F; }
    else if (c >= 0xE1 && c <= 0xEF) len = 3;
    else if (c == 0xF0) { len = 4; lo = 0x90; }
    else if (c == 0xF4) { len = 4; hi = 0x8F; }
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else return 0;
    for (int k = 1; k < len; ++k) {
        if (i + k >= n) return -k;
        const unsigned char x = u[i + k];
        const bool ok = k == 1 ? (x >= lo && x <= hi) : (x >= 0x80 && x <= 0xBF);
        if (!ok) {
            bad = static_cast<size_t>(k);
            return 0;
        }
    }
    return len;
}

// Moves what is decidable from `pending` to the result; an incomplete last character
// stays in `pending` unless `final`.
std::string drain(std::string& pending, bool final) {
    std::string out;
    size_t i = 0;
    while (i < pending.size()) {
        size_t bad;
        const int len = next_char(pending, i, bad);
        if (len > 0) {
            out.append(pending, i, static_cast<size_t>(len));
            i += static_cast<size_t>(len);
        } else if (len < 0) {
            if (!final) break;
            out += kReplacement;
            i = pending.size();
        } else {
            out += kReplacement;
            i += bad;
        }
    }
    pending.erase(0, i);
    return out;
}

}  // namespace

std::string StreamingDetokenizer::push(TokenId id) {
    pending_ += tok_.token_to_piece(id);
    return drain(pending_, false);
}

std::string StreamingDetokenizer::flush() { return drain(pending_, true); }

std::string Tokenizer::decode(const std::vector<TokenId>& ids) const {
    std::string text;
    for (TokenId id : ids) text += token_to_piece(id);
    if (adds_space_prefix() && !text.empty() && text[0] == ' ') text.erase(0, 1);
    return text;
}

}  // namespace kinglet
