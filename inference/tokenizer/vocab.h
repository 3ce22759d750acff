// The vocabulary of a GGUF file, read and validated once, plus the per-token attributes
// llama.cpp derives from it (which tokens are special, which end generation). Both
// tokenizer kinds build on this; nothing here depends on the tokenization algorithm.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace kinglet::tok {

// Attribute bits, as llama.cpp's llama_token_attr: a token can gain CONTROL on top of
// its file type (end-of-turn tokens mislabelled as normal), so this is a bit set.
enum TokenAttr : uint32_t {
    kAttrUnknown = 1u << 0,
    kAttrUnused = 1u << 1,
    kAttrNormal = 1u << 2,
    kAttrControl = 1u << 3,
    kAttrUserDefined = 1u << 4,
    kAttrByte = 1u << 5,
    kAttrLstrip = 1u << 7,
    kAttrRstrip = 1u << 8,
};

struct Vocab {
    enum class Model { Spm, Bpe };

    Model model = Model::Spm;
    std::string pre;         // tokenizer.ggml.pre, "" when absent
    std::string model_name;  // general.name

    std::vector<std::string> text;     // index = token id
    std::vector<float> score;
    std::vector<TokenType> file_type;  // as stored (unknown values -> Undefined)
    std::vector<uint32_t> attr;        // TokenAttr bits
    std::vector<std::string> merges;   // BPE only, in rank order

    TokenId bos = -1, eos = -1, unk = -1, pad = -1, eot = -1, eom = -1;
    bool add_bos = false;
    bool add_eos = false;
    bool add_space_prefix = false;

    std::set<TokenId> eog;
    // Control / user-defined / unknown tokens, longest text first: the order in which
    // llama.cpp cuts them out of the input.
    std::vector<TokenId> special;

    Vocab() = default;
    Vocab(const Vocab&) = delete;  // large; move it instead
    Vocab& operator=(const Vocab&) = delete;
    Vocab(Vocab&&) = default;
    Vocab& operator=(Vocab&&) = default;

    int size() const { return static_cast<int>(text.size()); }
    bool valid(TokenId id) const { return id >= 0 && id < size(); }
    TokenId find(std::string_view s) const;
    // <0xNN> token for a byte, else the one-character token, else -1 (llama.cpp's order).
    TokenId byte_token(uint8_t b) const;
    // The token type the rest of the engine sees: Control when the vocabulary or
    // llama.cpp's rules make it one.
    TokenType effective_type(TokenId id) const;

    // Called by load_vocab once `text` is final. A text that appears twice keeps its
    // first id (find() returns it); `duplicates` counts the later ones.
    void build_index();
    size_t duplicates = 0;

private:
    // Open-addressing text -> id table. Lookups are the hot path of loading a 150k-token
    // BPE vocabulary (three per merge), and a node-based map costs a cache miss per node.
    std::vector<TokenId> slot_id_;      // -1: empty
    std::vector<uint32_t> slot_hash_;   // low bits of the hash, to skip most string compares
    size_t mask_ = 0;
};

// Reads tokenizer.ggml.* from the file. Throws kinglet::Error on anything malformed:
// missing or mistyped arrays, lengths that disagree, special ids
// outside the vocabulary, unknown tokenizer models.
Vocab load_vocab(const GgufFile& file);

// Parses "<0xNN>" (upper-case hex, exactly six characters); -1 when not of that form.
int parse_byte_token(std::string_view text);

}  // namespace kinglet::tok
