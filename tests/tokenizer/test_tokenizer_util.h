// Helpers for test_tokenizer: small GGUF vocabularies, good and deliberately broken.
#pragma once
#include <string>
#include <vector>

namespace tok_test {

struct VocabFile {
    std::string what;  // what is wrong with it
    std::string path;
};

// Files from_gguf must reject with kinglet::Error.
std::vector<VocabFile> write_broken_vocabs(const std::string& dir);
// Odd but loadable files: from_gguf must accept them and encode must not crash.
std::vector<VocabFile> write_odd_vocabs(const std::string& dir);

// How a pre-tokenizer must split a text, per llama.cpp's regexes for that
// tokenizer.ggml.pre (expectations computed with Python's `regex` module).
struct PreCase {
    std::string pre;
    std::string text;
    std::vector<std::string> words;
};
std::vector<PreCase> pretokenizer_cases();

// Vocabularies with a token that repeats an earlier one, as some published files have:
// SentencePiece "\u2581ab" (ids 264 and 266), byte-level BPE "ab" (ids 257 and 259).
std::vector<VocabFile> write_repeat_vocabs(const std::string& dir);

// Byte strings meant to upset a tokenizer (invalid UTF-8, NULs, huge runs...).
std::vector<std::string> nasty_inputs();

}  // namespace tok_test
