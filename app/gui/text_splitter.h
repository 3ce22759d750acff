// Splitting a long text into parts that each fit a token budget, for map-reduce
// summarising. Parts break at paragraph boundaries where possible, then at sentence
// boundaries, then between words; only a single "word" longer than the budget is cut
// inside. The token counter is the model's tokenizer (any function will do in tests).
#pragma once
#include <QString>
#include <QStringList>
#include <atomic>
#include <functional>

namespace kinglet::app {

using TokenCounter = std::function<int(const QString&)>;

// Returns the parts in order; each counts at most `budget` tokens (budget >= 8). Blank
// input gives an empty list. When *cancel becomes true, returns what it has so far
// (the caller discards it).
QStringList splitText(const QString& text, int budget, const TokenCounter& count,
                      const std::atomic<bool>* cancel = nullptr);

// The pieces a text breaks into at one level: paragraphs (blank lines), sentences, words.
QStringList splitParagraphs(const QString& text);
QStringList splitSentences(const QString& paragraph);

}  // namespace kinglet::app
