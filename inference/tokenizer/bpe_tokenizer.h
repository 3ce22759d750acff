// Byte-level BPE ("gpt2") vocabularies: pre-tokenizer words, GPT-2 byte mapping, merges
// by rank. Follows llama.cpp's llm_tokenizer_bpe step by step so the ids agree.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/pretokenizer.h"
#include "tokenizer/vocab_tokenizer.h"

namespace kinglet::tok {

class BpeTokenizer final : public VocabTokenizer {
public:
    explicit BpeTokenizer(Vocab vocab);
    std::string kind() const override { return "bpe:" + (vocab_.pre.empty() ? std::string("default") : vocab_.pre); }
    const PreInfo& pre() const { return pre_; }

protected:
    void encode_text(std::string_view text, bool after_special, std::vector<TokenId>& out) const override;
    std::string normal_piece(const std::string& token_text) const override;

private:
    struct Merge {
        int32_t rank;
        int32_t result;  // symbol id of the merged text
    };
    static uint64_t key(int32_t l, int32_t r) { return (uint64_t(uint32_t(l)) << 32) | uint32_t(r); }

    void encode_word(const std::string& w, const std::vector<int32_t>& sym_len, const std::vector<int32_t>& sym_id,
                     std::vector<TokenId>& out) const;

    PreInfo pre_;
    // Every text that can be a BPE symbol gets a symbol id: a vocabulary text its token
    // id, any other merge part or result an id from n_tokens up. Merging then works on
    // integers, and a symbol is a token exactly when its id is below n_tokens.
    std::unordered_map<uint64_t, Merge> merges_;
    std::array<int32_t, 256> byte_symbol_{};  // symbol id of each byte's GPT-2 character
};

}  // namespace kinglet::tok
