#include "markdown_blocks.h"

#include "markdown_escape.h"

#include <QStringList>
#include <QVariantMap>

namespace kinglet::app {
namespace {

// A fence opens with at least three backticks or tildes, indented by at most 3 spaces.
bool fenceOpen(const QString& line, QString* fence, QString* language) {
    int indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    if (indent > 3 || indent >= line.size()) return false;
    const QChar c = line[indent];
    if (c != '`' && c != '~') return false;
    int n = indent;
    while (n < line.size() && line[n] == c) ++n;
    if (n - indent < 3) return false;
    const QString info = line.mid(n).trimmed();
    if (c == '`' && info.contains('`')) return false;  // inline code, not a fence
    *fence = line.mid(indent, n - indent);
    *language = info.section(' ', 0, 0);
    return true;
}

bool fenceClose(const QString& line, const QString& fence) {
    const QString t = line.trimmed();
    if (t.size() < fence.size() || !t.startsWith(fence)) return false;
    for (QChar ch : t) {
        if (ch != fence[0]) return false;
    }
    return true;
}

}  // namespace

// Reasoning models (Qwen3, DeepSeek-R1 distills) write their thoughts first, between
// <think> and </think>; templates that open the tag in the prompt leave only the close.
// Returns the thinking text (empty if none) and the answer after it.
static QString takeThinking(const QString& message, QString* answer) {
    static const QString kOpen = QStringLiteral("<think>"), kClose = QStringLiteral("</think>");
    const QString trimmed = message.trimmed();
    const int close = message.indexOf(kClose);
    if (trimmed.startsWith(kOpen)) {
        const int start = message.indexOf(kOpen) + kOpen.size();
        if (close < 0) {  // still thinking (streaming)
            *answer = QString();
            return message.mid(start).trimmed();
        }
        *answer = message.mid(close + kClose.size());
        return message.mid(start, close - start).trimmed();
    }
    if (close >= 0 && !message.left(close).contains(kOpen)) {
        *answer = message.mid(close + kClose.size());
        return message.left(close).trimmed();
    }
    *answer = message;
    return QString();
}

QVector<MarkdownBlock> splitMarkdown(const QString& message) {
    QVector<MarkdownBlock> out;
    QString markdown;
    const QString thinking = takeThinking(message, &markdown);
    if (!thinking.isEmpty()) out.push_back({MarkdownBlock::Kind::Thinking, thinking, {}});
    QStringList text, code;
    QString fence, language;
    bool inCode = false;
    auto flushText = [&] {
        const QString joined = text.join('\n');
        if (!joined.trimmed().isEmpty()) out.push_back({MarkdownBlock::Kind::Text, escapeRawHtml(joined), {}});
        text.clear();
    };
    const QStringList lines = markdown.split('\n');
    for (const QString& line : lines) {
        if (!inCode) {
            if (fenceOpen(line, &fence, &language)) {
                flushText();
                inCode = true;
                code.clear();
            } else {
                text << line;
            }
        } else if (fenceClose(line, fence)) {
            out.push_back({MarkdownBlock::Kind::Code, code.join('\n'), language});
            inCode = false;
        } else {
            code << line;
        }
    }
    if (inCode) out.push_back({MarkdownBlock::Kind::Code, code.join('\n'), language});
    flushText();
    return out;
}

QVariantList markdownBlocksForQml(const QString& markdown) {
    QVariantList list;
    for (const MarkdownBlock& b : splitMarkdown(markdown)) {
        QVariantMap m;
        m[QStringLiteral("kind")] = b.kind == MarkdownBlock::Kind::Code       ? QStringLiteral("code")
                                    : b.kind == MarkdownBlock::Kind::Thinking ? QStringLiteral("thinking")
                                                                              : QStringLiteral("text");
        m[QStringLiteral("text")] = b.text;
        m[QStringLiteral("language")] = b.language;
        list << m;
    }
    return list;
}

}  // namespace kinglet::app
