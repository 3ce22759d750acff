#include "tokenizer/special_tokens.h"

namespace kinglet::tok {

namespace {

bool c_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

}  // namespace

std::vector<Fragment> partition_special(const Vocab& vocab, std::string_view text, bool parse_special) {
    std::vector<Fragment> frags;
    if (text.empty()) return frags;
    frags.push_back({-1, 0, text.size()});

    // Each special token, longest first, takes every leftmost non-overlapping occurrence
    // in the raw fragments that remain; the shorter ones only see what is left.
    std::vector<Fragment> next;
    for (TokenId id : vocab.special) {
        const uint32_t attr = vocab.attr[id];
        if (!parse_special && (attr & (kAttrControl | kAttrUnknown))) continue;
        const std::string& tok = vocab.text[id];

        bool any = false;
        next.clear();
        for (const Fragment& f : frags) {
            if (f.token >= 0) {
                next.push_back(f);
                continue;
            }
            size_t off = f.offset, len = f.length;
            while (len > 0) {
                const size_t m = text.substr(0, off + len).find(tok, off);
                if (m == std::string_view::npos) break;
                any = true;
                size_t left_len = m - off;
                if (attr & kAttrLstrip)
                    while (left_len > 0 && c_space(text[off + left_len - 1])) --left_len;
                if (left_len > 0) next.push_back({-1, off, left_len});
                next.push_back({id, 0, 0});
                size_t r_off = m + tok.size();
                size_t r_len = off + len - r_off;
                if (attr & kAttrRstrip)
                    while (r_len > 0 && c_space(text[r_off])) ++r_off, --r_len;
                off = r_off;
                len = r_len;
            }
            if (len > 0) next.push_back({-1, off, len});
        }
        if (any) frags.swap(next);
    }
    return frags;
}

}  // namespace kinglet::tok
