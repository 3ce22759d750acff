#include "tokenizer/spm_tokenizer.h"

#include <sentencepiece_processor.h>

#include "tokenizer/sp_model_proto.h"
#include "tokenizer/unicode_util.h"
#include "util/error.h"

namespace kinglet::tok {

namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

}  // namespace

SpmTokenizer::SpmTokenizer(Vocab vocab) : VocabTokenizer(std::move(vocab)) {
    int unk = vocab_.valid(vocab_.unk) ? vocab_.unk : vocab_.size();
    sp_ = std::make_unique<sentencepiece::SentencePieceProcessor>();
    const auto status = sp_->LoadFromSerializedProto(build_sp_model_proto(vocab_, unk));
    if (!status.ok()) throw Error("tokenizer: sentencepiece rejected the vocabulary: " + status.ToString());
    build_pieces();
}

SpmTokenizer::~SpmTokenizer() = default;

std::string SpmTokenizer::normal_piece(const std::string& t) const {
    std::string r;
    r.reserve(t.size());
    for (size_t i = 0; i < t.size();) {
        if (t.compare(i, kSpace.size(), kSpace) == 0) {
            r.push_back(' ');
            i += kSpace.size();
        } else {
            r.push_back(t[i++]);
        }
    }
    return r;
}

void SpmTokenizer::push_bytes(std::string_view bytes, std::vector<TokenId>& out) const {
    for (char c : bytes) {
        TokenId id = vocab_.byte_token(static_cast<uint8_t>(c));
        if (id < 0) id = vocab_.unk;  // llama.cpp would abort; a vocabulary without byte tokens
        if (id >= 0) out.push_back(id);
    }
}

void SpmTokenizer::encode_valid(std::string_view text, std::vector<TokenId>& out) const {
    if (text.empty()) return;
    std::vector<std::string> pieces;
    const auto status = sp_->Encode(text, &pieces);
    if (!status.ok()) throw Error("tokenizer: sentencepiece failed: " + status.ToString());
    for (const std::string& p : pieces) {
        TokenId id = vocab_.find(p);
        if (id >= 0)
            out.push_back(id);
        else
            push_bytes(p, out);  // characters outside the vocabulary: one token per byte
    }
}

void SpmTokenizer::encode_text(std::string_view text, bool after_special, std::vector<TokenId>& out) const {
    // llama.cpp: a space before the text when it starts the input or follows a special
    // token, then every space becomes U+2581. Whitespace runs are kept as they are.
    std::string s;
    s.reserve(text.size() + text.size() / 2 + 3);
    if (vocab_.add_space_prefix && after_special) s.append(kSpace);
    for (char c : text) {
        if (c == ' ')
            s.append(kSpace);
        else
            s.push_back(c);
    }

    // sentencepiece would turn malformed UTF-8 into U+FFFD; llama.cpp gives such a
    // sequence (delimited by its lead byte's length) byte tokens. So those parts are
    // handled here and only well-formed runs go to sentencepiece.
    size_t run = 0, i = 0;
    while (i < s.size()) {
        const size_t len = std::min(utf8_seq_len(static_cast<unsigned char>(s[i])), s.size() - i);
        if (utf8_is_valid_char(s.data() + i, len)) {
            i += len;
            continue;
        }
        encode_valid(std::string_view(s).substr(run, i - run), out);
        push_bytes(std::string_view(s).substr(i, len), out);
        i += len;
        run = i;
    }
    encode_valid(std::string_view(s).substr(run), out);
}

}  // namespace kinglet::tok
