// Byte-level BPE pre-tokenizers: split text into the words that BPE merges within.
// Each one reproduces the regex (or chain of regexes) llama.cpp uses for that
// tokenizer.ggml.pre value, written out as matchers over code points. llama.cpp runs
// several of these through std::regex over a "collapsed" text with one byte per Unicode
// category; the matchers here follow what that produces, quirks included.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kinglet::tok {

enum class PreKind {
    Default,      // "default" and a missing pre: llama.cpp's four-regex chain
    Gpt2,         // 's|'t|... ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
    Llama3,       // Llama 3 regex, numbers in groups of up to three
    Qwen2,        // same shape as Llama 3, one digit at a time
    Starcoder,    // single digits split first, then GPT-2
    DeepseekLlm,
    Deepseek3,
    Gpt4o,        // GPT-4o / Llama 4 (case-aware words)
};

struct PreInfo {
    PreKind kind = PreKind::Gpt2;
    bool known = true;           // false: unrecognised name, GPT-2 rules used
    bool ignore_merges = false;  // a word that is already a token is not merged
    bool add_bos = false;        // default of tokenizer.ggml.add_bos_token
};

PreInfo pre_info(const std::string& pre);

// Word boundaries [begin, end) in code-point indices, in order, covering all of cpts.
std::vector<std::pair<size_t, size_t>> pretokenize(PreKind kind, const std::vector<uint32_t>& cpts);

}  // namespace kinglet::tok
