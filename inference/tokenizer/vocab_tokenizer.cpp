#include "tokenizer/vocab_tokenizer.h"

#include "tokenizer/special_tokens.h"

namespace kinglet::tok {

std::vector<TokenId> VocabTokenizer::encode(std::string_view text, bool add_bos, bool parse_special) const {
    std::vector<TokenId> out;
    out.reserve(text.size() / 3 + 2);
    // add_bos stands for llama.cpp's add_special: BOS and EOS, each where the vocabulary
    // asks for it.
    if (add_bos && vocab_.add_bos) out.push_back(vocab_.bos);
    bool after_special = true;
    for (const Fragment& f : partition_special(vocab_, text, parse_special)) {
        if (f.token >= 0) {
            out.push_back(f.token);
            after_special = true;
        } else {
            encode_text(text.substr(f.offset, f.length), after_special, out);
            after_special = false;
        }
    }
    if (add_bos && vocab_.add_eos) out.push_back(vocab_.eos);
    return out;
}

std::string VocabTokenizer::token_to_piece(TokenId id, bool render_special) const {
    if (!vocab_.valid(id)) return {};
    if (!render_special && (vocab_.attr[id] & (kAttrUnknown | kAttrControl))) return {};
    return pieces_[id];
}

void VocabTokenizer::build_pieces() {
    pieces_.resize(vocab_.text.size());
    for (size_t i = 0; i < vocab_.text.size(); ++i) {
        const uint32_t a = vocab_.attr[i];
        const std::string& t = vocab_.text[i];
        if (a & (kAttrUnknown | kAttrControl | kAttrUserDefined)) {
            pieces_[i] = t;
        } else if (a & kAttrNormal) {
            pieces_[i] = normal_piece(t);
        } else if (a & kAttrByte) {
            const int b = parse_byte_token(t);
            pieces_[i] = b >= 0 ? std::string(1, static_cast<char>(b)) : t;
        }  // unused / undefined tokens print nothing, as in llama.cpp
    }
}

}  // namespace kinglet::tok
