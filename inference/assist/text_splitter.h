// Splitting a long text into parts that each fit a token budget, for map-reduce
// summarising. Parts break at paragraph boundaries (blank lines) where possible, then at
// sentence ends, then between words; only a single "word" longer than the budget is cut
// inside, and never inside a UTF-8 character. The token counter is the model's tokenizer
// (any function will do in tests). Plain C++, no Qt: the app and kinglet-cli share it.
#pragma once
#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace kinglet::assist {

using TokenCounter = std::function<int(std::string_view)>;

// The parts in order; each counts at most `budget` tokens (a budget below 8 counts as 8).
// Blank input gives no parts. When *cancel becomes true, returns what it has so far
// (the caller discards it).
std::vector<std::string> split_text(std::string_view text, int budget, const TokenCounter& count,
                                    const std::atomic<bool>* cancel = nullptr);

// The pieces a text breaks into at one level, trimmed, blank ones left out.
// Paragraphs: separated by a line that is empty or only spaces.
std::vector<std::string> split_paragraphs(std::string_view text);
// Sentences: after . ! ? ... (U+2026) or a CJK full stop, exclamation or question mark,
// with an optional closing quote or bracket, where whitespace follows.
std::vector<std::string> split_sentences(std::string_view paragraph);

}  // namespace kinglet::assist
