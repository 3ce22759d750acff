// Python-compatible string helpers for the Jinja interpreter: UTF-8 <-> code points
// (lossless: invalid bytes round-trip as lone surrogates, like Python's surrogateescape),
// Python's notion of whitespace and line breaks, case mapping, and number formatting
// exactly as Python's str()/repr() print ints and floats.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kinglet::chat::jinja {

using U32 = std::u32string;

bool is_ascii(std::string_view s);
U32 decode_utf8(std::string_view s);
std::string encode_utf8(std::u32string_view s);
void append_utf8(std::string& out, char32_t cp);
// Number of code points (what Python's len() says for a str).
size_t utf8_length(std::string_view s);

bool py_isspace(char32_t c);       // str.isspace() for one character
bool py_islinebreak(char32_t c);   // the separators str.splitlines() uses

// str.strip()/lstrip()/rstrip(); chars == nullptr strips whitespace.
std::string py_strip(std::string_view s, const std::string* chars, bool left, bool right);
// str.split(sep, maxsplit) / str.rsplit; sep == nullptr splits on whitespace runs.
std::vector<std::string> py_split(std::string_view s, const std::string* sep, int64_t maxsplit,
                                  bool from_right = false);
std::vector<std::string> py_splitlines(std::string_view s, bool keepends = false);
std::string py_replace(std::string_view s, std::string_view old, std::string_view repl,
                       int64_t count = -1);
int64_t py_count(std::string_view s, std::string_view sub);
// Index in code points, or -1.
int64_t py_find(std::string_view s, std::string_view sub, bool from_right = false);

std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_capitalize(std::string_view s);  // str.capitalize()
std::string py_title(std::string_view s);       // str.title()
std::string py_swapcase(std::string_view s);
bool py_islower(std::string_view s);
bool py_isupper(std::string_view s);
bool py_isalpha_cp(char32_t c);
bool py_isdigit_cp(char32_t c);
bool py_isalnum_cp(char32_t c);
bool py_isprintable(char32_t c);

std::string py_repr_string(std::string_view s);  // repr() of a str, with quotes
std::string py_float_repr(double d);              // repr()/str() of a float
std::string py_int_str(int64_t v);

}  // namespace kinglet::chat::jinja
