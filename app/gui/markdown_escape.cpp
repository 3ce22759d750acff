#include "markdown_escape.h"

#include <QHash>
#include <QRegularExpression>
#include <QStringList>
#include <cctype>

namespace kinglet::app {
namespace {

int indentWidth(const QString& line) {
    int width = 0;
    for (QChar c : line) {
        if (c == ' ') width += 1;
        else if (c == '\t') width += 4 - width % 4;
        else break;
    }
    return width;
}

// What a backslash escapes in Markdown.
bool isAsciiPunctuation(QChar c) {
    return c.unicode() < 128 && std::ispunct(c.unicode());
}

bool isBlank(const QString& line) { return line.trimmed().isEmpty(); }

// "- x", "* x", "+ x", "1. x", "2) x", indented by at most 3 spaces.
bool isListItem(const QString& line) {
    static const QRegularExpression item(QStringLiteral("^ {0,3}([-*+]|[0-9]{1,9}[.)])([ \\t]|$)"));
    return item.match(line).hasMatch();
}

// The length of the autolink that starts at line[at] ('<'), or 0 when there is none.
int autolinkLength(const QString& line, int at) {
    static const QRegularExpression link(QStringLiteral(
        "\\G<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\\s<>]*|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+)>"));
    const QRegularExpressionMatch m = link.match(line, at, QRegularExpression::NormalMatch,
                                                 QRegularExpression::AnchorAtOffsetMatchOption);
    return m.hasMatch() ? int(m.capturedLength()) : 0;
}

int backtickRun(const QString& line, int at) {
    int n = 0;
    while (at + n < line.size() && line[at + n] == '`') ++n;
    return n;
}

// Escapes one line of paragraph text; a code span (backtick run closed by a run of the
// same length on the line) is copied as it is.
QString escapeLine(const QString& line) {
    // Where the last backtick run of each length starts, so that an opening run with no
    // closing run is known at once (a scan per run would be quadratic on a long line).
    QHash<int, int> lastRunOfLength;
    for (int k = line.indexOf('`'); k >= 0; k = line.indexOf('`', k + backtickRun(line, k)))
        lastRunOfLength[backtickRun(line, k)] = k;
    QString out;
    out.reserve(line.size() + 8);
    int i = 0;
    while (i < line.size()) {
        const QChar c = line[i];
        if (c == '\\' && i + 1 < line.size() && isAsciiPunctuation(line[i + 1])) {
            out += line.mid(i, 2);  // already escaped
            i += 2;
        } else if (c == '`') {
            const int run = backtickRun(line, i);
            int end = i + run;  // no closing run: the backticks are plain text
            const bool closes = lastRunOfLength.value(run, -1) > i;
            for (int k = closes ? line.indexOf('`', i + run) : -1; k >= 0; k = line.indexOf('`', k + backtickRun(line, k))) {
                if (backtickRun(line, k) == run) {
                    end = k + run;
                    break;
                }
            }
            out += line.mid(i, end - i);
            i = end;
        } else if (c == '<') {
            const int link = autolinkLength(line, i);
            if (link > 0) {
                out += line.mid(i, link);
                i += link;
            } else {
                out += QStringLiteral("\\<");
                ++i;
            }
        } else {
            out += c;
            ++i;
        }
    }
    return out;
}

}  // namespace

QString escapeRawHtml(const QString& markdown) {
    if (!markdown.contains('<')) return markdown;
    const QStringList lines = markdown.split('\n');
    QStringList out;
    bool previousBlank = true;  // the text starts like a new block
    bool inIndentedCode = false;
    bool inList = false;  // indented lines continue a list item rather than start code
    for (const QString& line : lines) {
        if (isBlank(line)) {
            out << line;
            previousBlank = true;
            continue;
        }
        const bool indented = indentWidth(line) >= 4;
        if (indented && !inList && (previousBlank || inIndentedCode)) {
            out << line;  // indented code: shown as it is
            inIndentedCode = true;
            previousBlank = false;
            continue;
        }
        inIndentedCode = false;
        if (isListItem(line)) inList = true;
        else if (!indented && indentWidth(line) == 0 && previousBlank) inList = false;
        out << escapeLine(line);
        previousBlank = false;
    }
    return out.join('\n');
}

}  // namespace kinglet::app
