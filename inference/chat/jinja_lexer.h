// Splits Jinja source into text and tag tokens the way Jinja2's lexer does, including its
// whitespace control: `-` on a tag, and the trim_blocks / lstrip_blocks options that
// Hugging Face turns on. Newlines are normalised to \n and one trailing newline dropped.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kinglet::chat::jinja {

enum class Tok : uint8_t { Text, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Op, End };

struct Token {
    Tok type = Tok::End;
    std::string text;  // text, name, decoded string literal or operator
    int64_t ival = 0;
    double fval = 0.0;
    int line = 1;
    int column = 1;
};

struct LexOptions {
    bool trim_blocks = true;
    bool lstrip_blocks = true;
    bool keep_trailing_newline = false;
};

constexpr size_t kMaxTemplateBytes = 4u << 20;

// Throws Failure (with line/column) on malformed input: unterminated tags, comments or
// strings, characters Jinja does not accept, a source larger than kMaxTemplateBytes.
std::vector<Token> tokenize(std::string_view source, const LexOptions& options = {});

const char* token_kind_name(Tok t);

}  // namespace kinglet::chat::jinja
