#include "tokenizer/pretokenizer.h"

#include <algorithm>
#include <functional>
#include <string_view>

#include "tokenizer/unicode_util.h"

namespace kinglet::tok {

PreInfo pre_info(const std::string& pre) {
    auto is = [&](std::initializer_list<std::string_view> names) {
        for (auto n : names)
            if (pre == n) return true;
        return false;
    };
    PreInfo p;
    if (pre.empty() || pre == "default") {
        p.kind = PreKind::Default;
    } else if (is({"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"})) {
        p.kind = PreKind::Llama3;
        p.ignore_merges = true;
        p.add_bos = true;
    } else if (is({"dbrx", "smaug-bpe", "chatglm-bpe", "glm4"})) {
        p.kind = PreKind::Llama3;
    } else if (is({"qwen2", "deepseek-r1-qwen", "megrez", "stablelm2", "hunyuan", "grok-2", "solar-open"})) {
        p.kind = PreKind::Qwen2;
    } else if (is({"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"})) {
        p.kind = PreKind::Starcoder;
    } else if (pre == "deepseek-llm") {
        p.kind = PreKind::DeepseekLlm;
    } else if (pre == "deepseek-v3") {
        p.kind = PreKind::Deepseek3;
    } else if (is({"gpt-4o", "llama4", "minimax-m2"})) {
        p.kind = PreKind::Gpt4o;
    } else if (is({"gpt-2", "phi-2", "mpt", "olmo", "jais", "jina-es", "jina-de", "jina-v2-es", "jina-v2-de",
                   "jina-v1-en", "jina-v2-code", "roberta-bpe", "gigachat", "exaone4", "trillion",
                   "granite-docling"})) {
        p.kind = PreKind::Gpt2;
    } else {
        p.kind = PreKind::Gpt2;
        p.known = false;
    }
    return p;
}

namespace {

constexpr uint32_t kOut = 0xFFFFFFFF;  // "past the end of the piece": no class matches it

// One piece of text under examination: code points [0, n) of `c`.
struct Piece {
    const uint32_t* c;
    size_t n;
    uint32_t at(size_t i) const { return i < n ? c[i] : kOut; }
    bool in(size_t i) const { return i < n; }
};

// A matcher returns the end of the match starting at i, or i when nothing matches there.
using Matcher = std::function<size_t(const Piece&, size_t)>;

// Applies one regex to every piece like llama.cpp's regex_iterator loop: matches
// become pieces, and so does each stretch of text between them.
std::vector<size_t> split(const std::vector<uint32_t>& cpts, const std::vector<size_t>& lens, const Matcher& m) {
    std::vector<size_t> out;
    out.reserve(lens.size() * 2);
    size_t base = 0;
    for (size_t len : lens) {
        Piece p{cpts.data() + base, len};
        size_t gap = 0, i = 0;
        while (i < len) {
            size_t e = m(p, i);
            if (e > i) {
                if (i > gap) out.push_back(i - gap);
                out.push_back(e - i);
                i = gap = e;
            } else {
                ++i;
            }
        }
        if (len > gap) out.push_back(len - gap);
        base += len;
    }
    return out;
}

bool fl(uint32_t cp, uint8_t mask) { return cp_flags(cp) & mask; }
bool letter(uint32_t cp) { return fl(cp, kLetter); }
bool number(uint32_t cp) { return fl(cp, kNumber); }
bool space(uint32_t cp) { return fl(cp, kWhitespace); }
bool crlf(uint32_t cp) { return cp == '\r' || cp == '\n'; }

// `X{1,max}` (max 0 = unbounded): a run of code points satisfying pred.
Matcher runs(std::function<bool(uint32_t)> pred, size_t max) {
    return [pred = std::move(pred), max](const Piece& p, size_t i) {
        size_t e = i;
        while (p.in(e) && pred(p.c[e]) && (max == 0 || e - i < max)) ++e;
        return e;
    };
}

// Whitespace alternatives shared by the Llama 3 family: \s*[\r\n]+ | \s+(?!\S) | \s+.
size_t match_spaces(const Piece& p, size_t i, bool newline_rule) {
    size_t k = 0, last_nl = 0;
    while (p.in(i + k) && space(p.c[i + k])) {
        if (crlf(p.c[i + k])) last_nl = i + k + 1;
        ++k;
    }
    if (newline_rule && last_nl) return last_nl;
    if (k > 1 && p.in(i + k)) return i + k - 1;  // leave the last space to the next word
    if (k > 0) return i + k;
    return i;
}

// 's|'t|'re|'ve|'m|'ll|'d, case-insensitive when asked. ASCII folding is enough: no
// other code point lower-cases to one of these letters.
size_t match_contraction(const Piece& p, size_t i, bool any_case) {
    if (p.at(i) != '\'' || !p.in(i + 1)) return i;
    auto low = [&](size_t k) -> uint32_t {
        uint32_t c = p.at(k);
        return (any_case && c >= 'A' && c <= 'Z') ? c + 32 : c;
    };
    const uint32_t a = low(i + 1);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
    if (!p.in(i + 2)) return i;
    const uint32_t b = low(i + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
    return i;
}

// llama.cpp's hand-written GPT-2 splitter.
size_t match_gpt2(const Piece& p, size_t i) {
    const uint32_t cp = p.c[i];
    if (size_t e = match_contraction(p, i, false); e > i) return e;
    const size_t s = i + (cp == ' ');  // where the optional leading space ends
    const uint32_t c2 = p.at(s);
    if (letter(c2)) {
        size_t e = s;
        while (letter(p.at(e))) ++e;
        return e;
    }
    if (number(c2)) {
        size_t e = s;
        while (number(p.at(e))) ++e;
        return e;
    }
    auto other = [&](size_t k) { return p.in(k) && !fl(p.c[k], kWhitespace | kLetter | kNumber); };
    if (other(s)) {
        size_t e = s;
        while (other(e)) ++e;
        return e;
    }
    if (size_t e = match_spaces(p, i, false); e > i) return e;
    return i + 1;
}

// Llama 3 / Qwen2: (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
size_t match_llama3(const Piece& p, size_t i, size_t max_digits) {
    const uint32_t cp = p.c[i];
    if (size_t e = match_contraction(p, i, true); e > i) return e;
    if (!crlf(cp) && !number(cp) && (letter(cp) || letter(p.at(i + 1)))) {
        size_t e = i + 1;
        while (letter(p.at(e))) ++e;
        return e;
    }
    if (number(cp)) {
        size_t e = i;
        while (number(p.at(e)) && e - i < max_digits) ++e;
        return e;
    }
    auto other = [&](size_t k) { return p.in(k) && !fl(p.c[k], kWhitespace | kLetter | kNumber); };
    const size_t s = i + (cp == ' ');
    // A lone trailing space also lands here (as in llama.cpp); the regex gives the same piece.
    if (other(s) || (cp == ' ' && !p.in(s))) {
        size_t e = s;
        while (other(e)) ++e;
        while (crlf(p.at(e))) ++e;
        return e;
    }
    if (size_t e = match_spaces(p, i, true); e > i) return e;
    return i + 1;
}

// GPT-4o as llama.cpp rewrites it for std::regex: an upper-ish run is a letter that is
// not a-z, a lower-ish run a letter that is not A-Z (so other scripts count as both).
//   P?U*Lw+C? | P?U+Lw*C? | \p{N}{1,3} | ?[^\s\p{L}\p{N}]+[\r\n/]* | \s*[\r\n]+ | \s+(?!\S) | \s+
size_t match_gpt4o(const Piece& p, size_t i) {
    auto U = [&](size_t k) { uint32_t c = p.at(k); return letter(c) && !(c >= 'a' && c <= 'z'); };
    auto Lw = [&](size_t k) { uint32_t c = p.at(k); return letter(c) && !(c >= 'A' && c <= 'Z'); };
    const uint32_t cp = p.c[i];
    const bool prefix = !crlf(cp) && !letter(cp) && !number(cp);
    const size_t s = i + (prefix ? 1 : 0);
    // P?U*Lw+: the regex engine backtracks U* from its longest run until Lw+ fits.
    size_t u = 0;
    while (U(s + u)) ++u;
    for (size_t k = u + 1; k-- > 0;) {
        if (Lw(s + k)) {
            size_t e = s + k;
            while (Lw(e)) ++e;
            return std::max(e, match_contraction(p, e, true));
        }
    }
    if (u > 0) {  // P?U+Lw*
        size_t e = s + u;
        while (Lw(e)) ++e;
        return std::max(e, match_contraction(p, e, true));
    }
    if (number(cp)) {
        size_t e = i;
        while (number(p.at(e)) && e - i < 3) ++e;
        return e;
    }
    auto other = [&](size_t k) { return p.in(k) && !fl(p.c[k], kWhitespace | kLetter | kNumber); };
    const size_t s2 = (cp == ' ' && other(i + 1)) ? i + 1 : i;
    if (other(s2)) {
        size_t e = s2;
        while (other(e)) ++e;
        while (crlf(p.at(e)) || p.at(e) == '/') ++e;
        return e;
    }
    return match_spaces(p, i, true);
}

// DeepSeek V3 main regex:
//   [!-/:-@[-`{-~][A-Za-z]+ | [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+ | ?[\p{P}\p{S}]+[\r\n]* | \s*[\r\n]+ | \s+(?!\S) | \s+
size_t match_deepseek3(const Piece& p, size_t i) {
    auto ascii_alpha = [&](size_t k) { uint32_t c = p.at(k); return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
    auto ascii_punct = [](uint32_t c) {
        return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
    };
    auto LM = [&](size_t k) { return p.in(k) && fl(p.c[k], kLetter | kMark); };
    // llama.cpp's collapsed-category regex leaves '~' out of both \p{P} and \p{S}.
    auto ps = [](uint32_t c) { return c != '~' && fl(c, kPunct | kSymbol); };
    auto PS = [&](size_t k) { return p.in(k) && ps(p.c[k]); };
    const uint32_t cp = p.c[i];
    if (ascii_punct(cp) && ascii_alpha(i + 1)) {
        size_t e = i + 1;
        while (ascii_alpha(e)) ++e;
        return e;
    }
    const bool q = !crlf(cp) && !letter(cp) && !ps(cp);
    size_t s = (q && LM(i + 1)) ? i + 1 : i;
    if (LM(s)) {
        size_t e = s;
        while (LM(e)) ++e;
        return e;
    }
    s = (cp == ' ' && PS(i + 1)) ? i + 1 : i;
    if (PS(s)) {
        size_t e = s;
        while (PS(e)) ++e;
        while (crlf(p.at(e))) ++e;
        return e;
    }
    return match_spaces(p, i, true);
}

// Character classes of the regexes llama.cpp runs through std::wregex, as code-point
// ranges. (Written as numbers: several of the originals are compatibility characters,
// e.g. U+212A KELVIN SIGN, that text tools silently normalise into other ones.)
using Range = std::pair<uint32_t, uint32_t>;
struct CharClass {
    std::vector<Range> ranges;
    bool operator()(uint32_t cp) const {
        for (const Range& r : ranges)
            if (cp >= r.first && cp <= r.second) return true;
        return false;
    }
};

// llama.cpp hands std::wregex the text with every non-ASCII space turned into \v, and
// std::wregex's \s is then the six ASCII spaces.
uint32_t wregex_char(uint32_t cp) { return (cp > 0x7F && space(cp)) ? 0x0B : cp; }
bool wregex_space(uint32_t cp) { return cp == ' ' || (cp >= 0x09 && cp <= 0x0D); }

// \s?[class]+ over the wregex view of the text.
Matcher opt_space_run(const CharClass& cls) {
    return [&cls](const Piece& p, size_t i) {
        auto in_cls = [&](size_t k) { return p.in(k) && cls(wregex_char(p.c[k])); };
        size_t s = (wregex_space(wregex_char(p.c[i])) && in_cls(i + 1)) ? i + 1 : i;
        if (!in_cls(s)) return i;
        size_t e = s;
        while (in_cls(e)) ++e;
        return e;
    };
}

// deepseek-llm: "[A-Za-zµÀ-ÖØ-öø-ƺ...𞤀-𞥃]", the cased letters of its regex.
const CharClass& ds_letters() {
    static const CharClass c{{
        {0x41, 0x5A}, {0x61, 0x7A}, {0xB5, 0xB5}, {0xC0, 0xD6}, {0xD8, 0xF6}, {0xF8, 0x1BA}, {0x1BC, 0x1BF},
        {0x1C4, 0x293}, {0x295, 0x2AF}, {0x370, 0x373}, {0x376, 0x377}, {0x37B, 0x37D}, {0x37F, 0x37F},
        {0x386, 0x386}, {0x388, 0x38A}, {0x38C, 0x38C}, {0x38E, 0x3A1}, {0x3A3, 0x3F5}, {0x3F7, 0x481},
        {0x48A, 0x52F}, {0x531, 0x556}, {0x10A0, 0x10C5}, {0x13A0, 0x13F5}, {0x13F8, 0x13FD}, {0x1C90, 0x1CBA},
        {0x1CBD, 0x1CBF}, {0x1D00, 0x1D2B}, {0x1D6B, 0x1D77}, {0x1D79, 0x1D9A}, {0x1E00, 0x1F15}, {0x1F18, 0x1F1D},
        {0x1F20, 0x1F45}, {0x1F48, 0x1F4D}, {0x1F50, 0x1F57}, {0x1F59, 0x1F59}, {0x1F5B, 0x1F5B}, {0x1F5D, 0x1F5D},
        {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4}, {0x1FB6, 0x1FBC}, {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4}, {0x1FC6, 0x1FCC},
        {0x1FD0, 0x1FD3}, {0x1FD6, 0x1FDB}, {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC}, {0x2102, 0x2102},
        {0x2107, 0x2107}, {0x210A, 0x2113}, {0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124}, {0x2126, 0x2126},
        {0x2128, 0x2128}, {0x212A, 0x212D}, {0x212F, 0x2134}, {0x2139, 0x2139}, {0x213C, 0x213F}, {0x2145, 0x2149},
        {0x214E, 0x214E}, {0x2183, 0x2184}, {0x2C00, 0x2C7B}, {0x2C7E, 0x2CE4}, {0x2CEB, 0x2CEE}, {0x2CF2, 0x2CF3},
        {0xA640, 0xA66D}, {0xA680, 0xA69B}, {0xA722, 0xA76F}, {0xA771, 0xA787}, {0xA78B, 0xA78E}, {0xAB70, 0xABBF},
        {0xFB00, 0xFB06}, {0xFB13, 0xFB17}, {0xFF21, 0xFF3A}, {0xFF41, 0xFF5A}, {0x10400, 0x1044F},
        {0x104B0, 0x104D3}, {0x104D8, 0x104FB}, {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF},
        {0x1E900, 0x1E943},
    }};
    return c;
}
// deepseek-llm: "[!-/:-~！-／：-～‘-‟　-。]"
const CharClass& ds_punct() {
    static const CharClass c{{{0x21, 0x2F}, {0x3A, 0x7E}, {0xFF01, 0xFF0F}, {0xFF1A, 0xFF5E}, {0x2018, 0x201F},
                              {0x3000, 0x3002}}};
    return c;
}
// deepseek-llm: "[一-龥ࠀ-一가-퟿]"
const CharClass& ds_cjk() {
    static const CharClass c{{{0x4E00, 0x9FA5}, {0x0800, 0x4E00}, {0xAC00, 0xD7FF}}};
    return c;
}
// deepseek-v3: "[一-龥぀-ゟ゠-ヿ]"
const CharClass& ds3_cjk() {
    static const CharClass c{{{0x4E00, 0x9FA5}, {0x3040, 0x309F}, {0x30A0, 0x30FF}}};
    return c;
}

// \s+$ : the trailing run of spaces of a piece.
size_t match_trailing_space(const Piece& p, size_t i) {
    size_t e = i;
    while (p.in(e) && wregex_space(wregex_char(p.c[e]))) ++e;
    return e == p.n ? e : i;
}

}  // namespace

std::vector<std::pair<size_t, size_t>> pretokenize(PreKind kind, const std::vector<uint32_t>& cpts) {
    std::vector<size_t> lens;
    if (!cpts.empty()) lens.push_back(cpts.size());
    auto stage = [&](const Matcher& m) { lens = split(cpts, lens, m); };
    const Matcher gpt2 = match_gpt2;

    switch (kind) {
        case PreKind::Default:
            stage(runs([](uint32_t c) {
                return fl(c, kPunct) || c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' ||
                       c == '~' || c == '|';
            }, 0));
            stage(gpt2);
            stage(runs(number, 0));
            // [0-9][0-9][0-9]: exactly three ASCII digits, leftmost first.
            lens = split(cpts, lens, [](const Piece& p, size_t i) {
                auto d = [&](size_t k) { return p.at(k) >= '0' && p.at(k) <= '9'; };
                return d(i) && d(i + 1) && d(i + 2) ? i + 3 : i;
            });
            break;
        case PreKind::Gpt2:
            stage(gpt2);
            break;
        case PreKind::Llama3:
            stage([](const Piece& p, size_t i) { return match_llama3(p, i, 3); });
            break;
        case PreKind::Qwen2:
            stage([](const Piece& p, size_t i) { return match_llama3(p, i, 1); });
            break;
        case PreKind::Starcoder:
            stage(runs(number, 1));
            stage(gpt2);
            break;
        case PreKind::DeepseekLlm:
            stage(runs(crlf, 1));
            stage(opt_space_run(ds_letters()));
            stage(opt_space_run(ds_punct()));
            stage(match_trailing_space);
            stage(runs([](uint32_t c) { return ds_cjk()(wregex_char(c)); }, 0));
            stage(runs(number, 0));
            break;
        case PreKind::Deepseek3:
            stage(runs(number, 3));
            stage(runs([](uint32_t c) { return ds3_cjk()(c); }, 0));
            stage(match_deepseek3);
            break;
        case PreKind::Gpt4o:
            stage(match_gpt4o);
            break;
    }

    std::vector<std::pair<size_t, size_t>> words;
    words.reserve(lens.size());
    size_t b = 0;
    for (size_t len : lens) {
        words.emplace_back(b, b + len);
        b += len;
    }
    return words;
}

}  // namespace kinglet::tok
