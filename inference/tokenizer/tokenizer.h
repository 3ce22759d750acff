// Text <-> token ids for a model, built from the vocabulary stored in its GGUF file.
// SentencePiece vocabularies ("llama") go through libsentencepiece; byte-level BPE
// ("gpt2") through our own BPE with the pre-tokenizer named by tokenizer.ggml.pre.
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kinglet {

class GgufFile;

using TokenId = int32_t;

// tokenizer.ggml.token_type values
enum class TokenType : int32_t { Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // Throws kinglet::Error when the vocabulary is missing, malformed or of an unknown kind.
    static std::unique_ptr<Tokenizer> from_gguf(const GgufFile& file);

    // add_bos: prepend BOS when the vocabulary asks for it (tokenizer.ggml.add_bos_token).
    // parse_special: text of control / user-defined tokens (e.g. "<|im_end|>") becomes
    // that token; otherwise it is tokenized as plain text.
    virtual std::vector<TokenId> encode(std::string_view text, bool add_bos, bool parse_special) const = 0;

    // The bytes this token stands for in generated text (may be part of a UTF-8 character).
    // Control tokens give "" unless render_special is set.
    virtual std::string token_to_piece(TokenId id, bool render_special = false) const = 0;

    virtual int n_tokens() const = 0;
    virtual std::string token_text(TokenId id) const = 0;  // as stored in the vocabulary
    virtual TokenType token_type(TokenId id) const = 0;

    virtual TokenId bos_id() const = 0;   // -1 when none
    virtual TokenId eos_id() const = 0;   // -1 when none
    virtual bool adds_bos() const = 0;
    // End of generation: EOS, EOT, EOM and the known end-of-turn tokens.
    virtual bool is_end_of_generation(TokenId id) const = 0;
    virtual std::string kind() const = 0;  // "sentencepiece" or "bpe:<pre>"
    // SentencePiece vocabularies put a space before the text (the "dummy prefix").
    virtual bool adds_space_prefix() const { return false; }

    // The text of a whole token sequence (control tokens omitted), without the leading
    // space a SentencePiece dummy prefix added: decode(encode(x)) == x.
    std::string decode(const std::vector<TokenId>& ids) const;
};

// Turns a stream of token pieces into valid UTF-8 text: bytes of a character that is not
// complete yet are held back until the next piece completes it.
class StreamingDetokenizer {
public:
    explicit StreamingDetokenizer(const Tokenizer& tok) : tok_(tok) {}
    std::string push(TokenId id);  // returns the text that is complete now
    std::string flush();           // whatever is left (invalid bytes replaced by U+FFFD)
private:
    const Tokenizer& tok_;
    std::string pending_;
};

}  // namespace kinglet
