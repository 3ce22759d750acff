// Fuzzes text -> tokens -> text on the vocabularies in ../shared (SentencePiece, and
// byte-level BPE with the Llama 3, Qwen2 and GPT-2 pre-tokenizers). Input: one byte picks the model and
// the options, the rest is the text. Besides crashes, it checks the promise of
// Tokenizer::decode: valid UTF-8 without special tokens comes back unchanged.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "fuzz_input.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/printable.h"

namespace {

struct Vocab {
    std::string name;
    std::unique_ptr<kinglet::Tokenizer> tok;
};

const std::vector<Vocab>& vocabularies() {
    static const std::vector<Vocab> vocabs = [] {
        // The tiny models' vocabularies, then llama.cpp's vocabulary files of real models.
        const char* names[] = {"models/stories260K", "models/tiny-llama-q4_0", "models/tiny-llama3-q4_k_m",
                               "models/tiny-qwen2-q4_k_m", "models/tiny-gemma3-q4_k_m",
                               "tokenizer/ggml-vocab-llama-spm", "tokenizer/ggml-vocab-phi-3",
                               "tokenizer/ggml-vocab-llama-bpe", "tokenizer/ggml-vocab-qwen2",
                               "tokenizer/ggml-vocab-gpt-2"};
        std::vector<Vocab> out;
        for (const char* name : names) {
            const std::string path = std::string(KINGLET_SHARED_DIR) + "/" + name + ".gguf";
            try {
                auto file = kinglet::GgufFile::open(path);
                out.push_back({name, kinglet::Tokenizer::from_gguf(*file)});
            } catch (const kinglet::Error& e) {
                fprintf(stderr, "fuzz_tokenizer: skipping %s: %s\n", name, e.what());
            }
        }
        if (out.empty()) abort();
        return out;
    }();
    return vocabs;
}

// Written here rather than taken from the engine, so the check does not share its bugs.
bool valid_utf8(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = s[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        uint32_t cp = n == 1 ? c : c & (0x7F >> n);
        for (size_t k = 1; k < n; ++k) {
            const unsigned char cc = s[i + k];
            if ((cc >> 6) != 2) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    kinglet_fuzz::FuzzInput in(data, size);
    const uint8_t options = in.byte();
    const auto& vocabs = vocabularies();
    const Vocab& v = vocabs[(options & 0x0F) % vocabs.size()];
    const bool parse_special = options & 0x10;
    const std::string text = in.rest();

    const std::vector<kinglet::TokenId> ids = v.tok->encode(text, options & 0x20, parse_special);
    bool has_unknown = false;  // a character the vocabulary cannot spell: no round trip
    for (kinglet::TokenId id : ids) {
        if (id < 0 || id >= v.tok->n_tokens()) {
            fprintf(stderr, "%s: token id %d out of range\n", v.name.c_str(), id);
            abort();
        }
        (void)v.tok->token_to_piece(id, true);
        has_unknown |= v.tok->token_type(id) == kinglet::TokenType::Unknown;
    }
    const std::string back = v.tok->decode(ids);
    kinglet::StreamingDetokenizer stream(*v.tok);
    std::string streamed;
    for (kinglet::TokenId id : ids) streamed += stream.push(id);
    streamed += stream.flush();
    // SentencePiece spells a space as U+2581, so that character in the text comes back as a
    // space (as with libsentencepiece itself).
    const bool spm_space_mark = v.tok->kind() == "sentencepiece" && text.find("\xE2\x96\x81") != std::string::npos;
    if (!parse_special && !has_unknown && !spm_space_mark && valid_utf8(text) && back != text) {
        fprintf(stderr, "%s: decode(encode(x)) != x\n  x:    %s\n  back: %s\n", v.name.c_str(),
                kinglet::printable(text, 4096).c_str(), kinglet::printable(back, 4096).c_str());
        abort();
    }
    if (kinglet_fuzz::verbose()) fprintf(stderr, "  %s: %zu tokens\n", v.name.c_str(), ids.size());
    if (!valid_utf8(streamed)) {
        fprintf(stderr, "%s: streamed text is not valid UTF-8\n", v.name.c_str());
        abort();
    }
    return 0;
}
