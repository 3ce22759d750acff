#include "tokenizer/bpe_tokenizer.h"

#include <cstdio>
#include <queue>

#include "tokenizer/unicode_util.h"
#include "util/printable.h"

namespace kinglet::tok {

BpeTokenizer::BpeTokenizer(Vocab vocab) : VocabTokenizer(std::move(vocab)), pre_(pre_info(vocab_.pre)) {
    if (!pre_.known)
        std::fprintf(stderr, "kinglet: unknown BPE pre-tokenizer '%s', using GPT-2 rules; tokens may differ\n",
                     printable(vocab_.pre).c_str());
    else if (vocab_.pre.empty())
        std::fprintf(stderr, "kinglet: the vocabulary names no BPE pre-tokenizer, using 'default'; tokens may differ\n");

    const int32_t n = vocab_.size();
    std::unordered_map<std::string, int32_t> extra;  // symbol texts that are not tokens
    auto intern = [&](std::string s) -> int32_t {
        if (TokenId id = vocab_.find(s); id >= 0) return id;
        auto [it, added] = extra.emplace(std::move(s), static_cast<int32_t>(n + extra.size()));
        return it->second;
    };
    merges_.reserve(vocab_.merges.size());
    for (size_t rank = 0; rank < vocab_.merges.size(); ++rank) {
        const std::string& m = vocab_.merges[rank];
        const size_t sp = m.find(' ', 1);  // from 1, as llama.cpp: a merge may start with a space
        if (sp == std::string::npos || sp + 1 >= m.size()) continue;  // cannot apply to any symbol
        std::string a = m.substr(0, sp), b = m.substr(sp + 1);
        const int32_t l = intern(a), r = intern(b), res = intern(a + b);
        merges_.emplace(key(l, r), Merge{static_cast<int32_t>(rank), res});  // first rank wins
    }
    for (int b = 0; b < 256; ++b) {
        const std::string& ch = gpt2_byte_to_utf8(static_cast<uint8_t>(b));
        TokenId id = vocab_.find(ch);
        if (id < 0) {
            auto it = extra.find(ch);
            id = it == extra.end() ? -1 : it->second;
        }
        byte_symbol_[b] = id;
    }
    vocab_.merges.clear();
    vocab_.merges.shrink_to_fit();
    build_pieces();
}

std::string BpeTokenizer::normal_piece(const std::string& t) const {
    std::string r;
    for (uint32_t cp : decode_utf8_lossy(t)) {
        const int b = gpt2_cp_to_byte(cp);
        if (b >= 0)
            r.push_back(static_cast<char>(b));
        else
            append_utf8(r, cp);  // not from the byte mapping: keep the character
    }
    return r;
}

void BpeTokenizer::encode_text(std::string_view text, bool, std::vector<TokenId>& out) const {
    const std::vector<uint32_t> cpts = decode_utf8_lossy(text);
    std::string w, utf8;
    std::vector<int32_t> sym_len, sym_id;
    for (auto [b, e] : pretokenize(pre_.kind, cpts)) {
        w.clear();
        sym_len.clear();
        sym_id.clear();
        utf8.clear();
        for (size_t k = b; k < e; ++k) append_utf8(utf8, cpts[k]);
        for (unsigned char byte : utf8) {
            const std::string& ch = gpt2_byte_to_utf8(byte);
            w += ch;
            sym_len.push_back(static_cast<int32_t>(ch.size()));
            sym_id.push_back(byte_symbol_[byte]);
        }
        encode_word(w, sym_len, sym_id, out);
    }
}

void BpeTokenizer::encode_word(const std::string& w, const std::vector<int32_t>& sym_len,
                               const std::vector<int32_t>& sym_id, std::vector<TokenId>& out) const {
    if (pre_.ignore_merges) {  // Llama 3: a word that is a token stays whole
        if (TokenId id = vocab_.find(w); id >= 0) {
            out.push_back(id);
            return;
        }
    }
    struct Sym {
        int32_t prev, next, off, len, id;
    };
    const int32_t ns = static_cast<int32_t>(sym_len.size());
    std::vector<Sym> sym(ns);
    for (int32_t i = 0, off = 0; i < ns; off += sym_len[i], ++i)
        sym[i] = {i - 1, i + 1 < ns ? i + 1 : -1, off, sym_len[i], sym_id[i]};

    struct Pair {
        int32_t rank, left, right, lid, rid, result;
    };
    // Lowest rank first, then leftmost (llama.cpp's llm_bigram_bpe ordering).
    auto worse = [](const Pair& a, const Pair& b) { return a.rank > b.rank || (a.rank == b.rank && a.left > b.left); };
    std::priority_queue<Pair, std::vector<Pair>, decltype(worse)> queue(worse);
    auto try_pair = [&](int32_t l, int32_t r) {
        if (l < 0 || r < 0 || sym[l].id < 0 || sym[r].id < 0) return;
        auto it = merges_.find(key(sym[l].id, sym[r].id));
        if (it != merges_.end()) queue.push({it->second.rank, l, r, sym[l].id, sym[r].id, it->second.result});
    };
    for (int32_t i = 1; i < ns; ++i) try_pair(i - 1, i);

    while (!queue.empty()) {
        const Pair p = queue.top();
        queue.pop();
        Sym& l = sym[p.left];
        Sym& r = sym[p.right];
        // Stale: one side has merged with something else since this pair was queued.
        if (l.len == 0 || r.len == 0 || l.id != p.lid || r.id != p.rid) continue;
        l.len += r.len;
        l.id = p.result;
        l.next = r.next;
        if (r.next >= 0) sym[r.next].prev = p.left;
        r.len = 0;
        try_pair(l.prev, p.left);
        try_pair(p.left, l.next);
    }

    const int32_t n = vocab_.size();
    for (int32_t i = 0; i >= 0 && i < ns; i = sym[i].next) {
        const Sym& s = sym[i];
        if (s.id >= 0 && s.id < n) {
            out.push_back(s.id);
            continue;
        }
        // Not a token: llama.cpp looks each byte of the symbol's text up as a token of
        // its own, and drops the ones that are not.
        for (int32_t k = s.off; k < s.off + s.len; ++k) {
            TokenId id = vocab_.find(std::string_view(&w[k], 1));
            if (id >= 0) out.push_back(id);
        }
    }
}

}  // namespace kinglet::tok
