// Code-point helpers for the tokenizers. Unicode properties come from ICU; the
// decoding rules copy llama.cpp's on purpose (not the strictest possible), because the
// tokens we produce must be the ones llama.cpp produces for the same bytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kinglet::tok {

// Length of the UTF-8 sequence a byte starts, judged by its high nibble only (as
// SentencePiece and llama.cpp split text into symbols): 0x80-0xBF count as 1.
inline size_t utf8_seq_len(unsigned char lead) {
    static constexpr uint8_t k[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return k[lead >> 4];
}

// True when [p, p+n) is exactly one well-formed UTF-8 character (shortest form, no
// surrogates, at most U+10FFFF).
bool utf8_is_valid_char(const char* p, size_t n);

// Decodes text into code points the way llama.cpp does before its BPE pre-tokenizer:
// a malformed sequence gives U+FFFD and consumes one byte. Code points above U+10FFFF
// (from 0xF5-0xF7 lead bytes) also become U+FFFD, since they cannot be re-encoded.
std::vector<uint32_t> decode_utf8_lossy(std::string_view text);

void append_utf8(std::string& out, uint32_t cp);

// Unicode general-category groups and White_Space, as llama.cpp's regexes use them.
enum CpFlag : uint8_t {
    kLetter = 1, kNumber = 2, kWhitespace = 4, kPunct = 8, kSymbol = 16, kMark = 32,
};
uint8_t cp_flags(uint32_t cp);
inline bool is_letter(uint32_t cp) { return cp_flags(cp) & kLetter; }
inline bool is_number(uint32_t cp) { return cp_flags(cp) & kNumber; }
inline bool is_space(uint32_t cp) { return cp_flags(cp) & kWhitespace; }

// GPT-2's reversible byte <-> printable-character mapping.
const std::string& gpt2_byte_to_utf8(uint8_t b);
int gpt2_cp_to_byte(uint32_t cp);  // -1 when the code point is not in the mapping

}  // namespace kinglet::tok
