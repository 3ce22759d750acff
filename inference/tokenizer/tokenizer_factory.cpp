#include <memory>

#include "gguf/gguf_file.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/spm_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace kinglet {

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const GgufFile& file) {
    tok::Vocab vocab = tok::load_vocab(file);
    if (vocab.model == tok::Vocab::Model::Spm) return std::make_unique<tok::SpmTokenizer>(std::move(vocab));
    return std::make_unique<tok::BpeTokenizer>(std::move(vocab));
}

}  // namespace kinglet
