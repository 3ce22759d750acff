// What the SentencePiece and BPE tokenizers share: the vocabulary, special-token
// splitting, BOS/EOS handling, token pieces and end-of-generation.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace kinglet::tok {

class VocabTokenizer : public Tokenizer {
public:
    explicit VocabTokenizer(Vocab vocab) : vocab_(std::move(vocab)) {}

    std::vector<TokenId> encode(std::string_view text, bool add_bos, bool parse_special) const override;
    std::string token_to_piece(TokenId id, bool render_special = false) const override;

    int n_tokens() const override { return vocab_.size(); }
    std::string token_text(TokenId id) const override { return vocab_.valid(id) ? vocab_.text[id] : std::string(); }
    TokenType token_type(TokenId id) const override {
        return vocab_.valid(id) ? vocab_.effective_type(id) : TokenType::Undefined;
    }
    TokenId bos_id() const override { return vocab_.bos; }
    TokenId eos_id() const override { return vocab_.eos; }
    bool adds_bos() const override { return vocab_.add_bos; }
    bool is_end_of_generation(TokenId id) const override { return vocab_.eog.count(id) > 0; }
    bool adds_space_prefix() const override { return vocab_.model == Vocab::Model::Spm && vocab_.add_space_prefix; }

    const Vocab& vocab() const { return vocab_; }

protected:
    // Tokenizes one stretch of plain text. `after_special`: it starts the input or
    // follows a special token (SentencePiece then adds its leading space).
    virtual void encode_text(std::string_view text, bool after_special, std::vector<TokenId>& out) const = 0;
    // The text a Normal token stands for.
    virtual std::string normal_piece(const std::string& token_text) const = 0;
    // Fills the piece cache; derived constructors call it once they are ready.
    void build_pieces();

    Vocab vocab_;

private:
    std::vector<std::string> pieces_;  // as printed with render_special
};

}  // namespace kinglet::tok
