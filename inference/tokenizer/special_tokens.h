// Cutting special tokens (control, user-defined, unknown) out of input text before it
// reaches the tokenizer proper, exactly in llama.cpp's order.
#pragma once
#include <cstddef>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace kinglet::tok {

struct Fragment {
    TokenId token = -1;  // >= 0: this special token; -1: raw text
    size_t offset = 0;   // raw text: [offset, offset + length) of the input
    size_t length = 0;
};

// parse_special false still cuts out user-defined tokens (llama.cpp and Hugging Face
// tokenizers pre-split those always); control and unknown tokens stay plain text.
std::vector<Fragment> partition_special(const Vocab& vocab, std::string_view text, bool parse_special);

}  // namespace kinglet::tok
