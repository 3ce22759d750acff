// SentencePiece ("llama") vocabularies: llama.cpp's SPM tokenization, with the merges
// done by libsentencepiece on a model rebuilt from the GGUF vocabulary.
#pragma once
#include <memory>

#include "tokenizer/vocab_tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace kinglet::tok {

class SpmTokenizer final : public VocabTokenizer {
public:
    explicit SpmTokenizer(Vocab vocab);
    ~SpmTokenizer() override;
    std::string kind() const override { return "sentencepiece"; }

protected:
    void encode_text(std::string_view text, bool after_special, std::vector<TokenId>& out) const override;
    std::string normal_piece(const std::string& token_text) const override;

private:
    void encode_valid(std::string_view text, std::vector<TokenId>& out) const;
    void push_bytes(std::string_view bytes, std::vector<TokenId>& out) const;

    std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
};

}  // namespace kinglet::tok
