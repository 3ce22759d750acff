#include "assist/text_splitter.h"

#include <algorithm>

namespace kinglet::assist {
namespace {

struct Unit {
    std::string text;
    int tokens = 0;
    bool paragraph_start = false;  // joined to the previous unit with a blank line
};

bool cancelled(const std::atomic<bool>* c) { return c && c->load(std::memory_order_relaxed); }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_line_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool starts_with_any(std::string_view s, size_t at, std::initializer_list<std::string_view> options, size_t* len) {
    for (std::string_view o : options) {
        if (s.substr(at, o.size()) == o) {
            *len = o.size();
            return true;
        }
    }
    return false;
}

// Sentence-ending marks and the closers that may follow them, as UTF-8.
const std::initializer_list<std::string_view> kEnds = {".", "!", "?", "\u2026", "\u3002", "\uFF01", "\uFF1F"};
const std::initializer_list<std::string_view> kClosers = {"\"", "'", ")", "]", "\u201D", "\u2019"};

// A piece with no boundary left in it, cut in halves until each half fits.
void cut_hard(std::string_view piece, int budget, const TokenCounter& count, std::vector<Unit>& out,
              bool paragraph_start, const std::atomic<bool>* cancel) {
    const int n = count(piece);
    if (n <= budget || piece.size() <= 1) {
        out.push_back({std::string(piece), n, paragraph_start});
        return;
    }
    size_t mid = piece.size() / 2;
    // Back to the first byte of a UTF-8 character; garbage of continuation bytes only is
    // cut where it is.
    size_t at = mid;
    while (at > 0 && (static_cast<unsigned char>(piece[at]) & 0xC0) == 0x80) --at;
    if (at > 0) mid = at;
    if (cancelled(cancel)) return;
    cut_hard(piece.substr(0, mid), budget, count, out, paragraph_start, cancel);
    cut_hard(piece.substr(mid), budget, count, out, false, cancel);
}

std::vector<std::string_view> split_words(std::string_view s) {
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) ++i;
        const size_t start = i;
        while (i < s.size() && !is_space(s[i])) ++i;
        if (i > start) words.push_back(s.substr(start, i - start));
    }
    return words;
}

// Sentence (or word) units of a paragraph too long for one part.
void split_long(std::string_view paragraph, int budget, const TokenCounter& count, std::vector<Unit>& out,
                const std::atomic<bool>* cancel) {
    bool first = true;
    for (const std::string& sentence : split_sentences(paragraph)) {
        if (cancelled(cancel)) return;
        const int n = count(sentence);
        if (n <= budget) {
            out.push_back({sentence, n, first});
        } else {
            // Between words: pack words into pieces that fit.
            std::string piece;
            bool piece_first = first;
            for (std::string_view w : split_words(sentence)) {
                std::string candidate = piece.empty() ? std::string(w) : piece + ' ' + std::string(w);
                if (!piece.empty() && count(candidate) > budget) {
                    cut_hard(piece, budget, count, out, piece_first, cancel);
                    piece_first = false;
                    piece = std::string(w);
                } else {
                    piece = std::move(candidate);
                }
            }
            if (!piece.empty()) cut_hard(piece, budget, count, out, piece_first, cancel);
        }
        first = false;
    }
}

}  // namespace

std::vector<std::string> split_paragraphs(std::string_view text) {
    std::vector<std::string> out;
    auto emit = [&](std::string_view p) {
        p = trimmed(p);
        if (!p.empty()) out.emplace_back(p);
    };
    size_t start = 0, i = 0;
    while (i < text.size()) {
        if (text[i] != '\n') {
            ++i;
            continue;
        }
        size_t j = i + 1;
        while (j < text.size() && is_line_space(text[j])) ++j;
        if (j < text.size() && text[j] == '\n') {  // a blank line: the paragraph ends
            emit(text.substr(start, i - start));
            while (j < text.size() && is_space(text[j])) ++j;
            start = i = j;
        } else {
            i = j;
        }
    }
    emit(text.substr(start));
    return out;
}

std::vector<std::string> split_sentences(std::string_view paragraph) {
    std::vector<std::string> out;
    auto emit = [&](std::string_view s) {
        s = trimmed(s);
        if (!s.empty()) out.emplace_back(s);
    };
    size_t start = 0, i = 0;
    while (i < paragraph.size()) {
        size_t len = 0;
        if (!starts_with_any(paragraph, i, kEnds, &len)) {
            ++i;
            continue;
        }
        size_t cut = i + len;
        if (starts_with_any(paragraph, cut, kClosers, &len)) cut += len;
        size_t next = cut;
        while (next < paragraph.size() && is_space(paragraph[next])) ++next;
        if (next > cut) {  // whitespace follows: a sentence ends here
            emit(paragraph.substr(start, cut - start));
            start = next;
        }
        i = next > cut ? next : cut;
    }
    emit(paragraph.substr(start));
    return out;
}

std::vector<std::string> split_text(std::string_view text, int budget, const TokenCounter& count,
                                    const std::atomic<bool>* cancel) {
    budget = std::max(budget, 8);
    std::vector<Unit> units;
    for (const std::string& p : split_paragraphs(text)) {
        if (cancelled(cancel)) return {};
        const int n = count(p);
        if (n <= budget) units.push_back({p, n, true});
        else split_long(p, budget, count, units, cancel);
    }
    // Greedy packing on the units' own counts, then each part is counted whole: token
    // counts are nearly but not exactly additive, so a part over budget gives its last
    // unit to the next part.
    auto join = [&](size_t from, size_t to) {
        std::string s = units[from].text;
        for (size_t k = from + 1; k < to; ++k) {
            s += units[k].paragraph_start ? "\n\n" : " ";
            s += units[k].text;
        }
        return s;
    };
    std::vector<std::string> parts;
    size_t i = 0;
    while (i < units.size()) {
        if (cancelled(cancel)) return parts;
        size_t j = i;
        long sum = 0;
        while (j < units.size() && (j == i || sum + units[j].tokens + 1 <= budget)) sum += units[j++].tokens + 1;
        std::string part = join(i, j);
        while (j - i > 1 && count(part) > budget) part = join(i, --j);
        parts.push_back(std::move(part));
        i = j;
    }
    return parts;
}

}  // namespace kinglet::assist
