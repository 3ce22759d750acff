// Splits a message into Markdown text and fenced code blocks, so the chat view can give
// each code block a monospace font and its own Copy button (Qt's Markdown renderer
// draws one rich-text document with no place for buttons). A reasoning model's
// <think>...</think> part becomes a Thinking block the view shows collapsed.
#pragma once
#include <QString>
#include <QVariantList>
#include <QVector>

namespace kinglet::app {

struct MarkdownBlock {
    enum class Kind { Text, Code, Thinking };
    Kind kind = Kind::Text;
    QString text;      // Markdown for Text (raw HTML escaped), the raw code for Code
    QString language;  // info string after the fence, e.g. "cpp"
};

// A fence still open at the end (text still streaming) makes a code block to the end.
QVector<MarkdownBlock> splitMarkdown(const QString& markdown);
// The same as a list of maps {kind: "text"|"code"|"thinking", text, language} for QML.
QVariantList markdownBlocksForQml(const QString& markdown);

}  // namespace kinglet::app
