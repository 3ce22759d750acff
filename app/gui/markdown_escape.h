// Keeps the HTML-looking parts of a chat answer as text. Qt's Markdown reader hands raw
// HTML to its HTML importer, so an answer such as "Wrap it in a <div> element." shows
// as "Wrap it in a " (an unknown or unclosed tag swallows the rest) and tags a model
// writes about vanish. Answers are text, never HTML.
#pragma once
#include <QString>

namespace kinglet::app {

// Backslash-escapes each '<' that Markdown would read as the start of raw HTML: not
// inside code spans or indented code (where Markdown shows characters as they are), not
// where it opens an autolink (<https://...>, <name@example.com>), not after a backslash.
QString escapeRawHtml(const QString& markdown);

}  // namespace kinglet::app
