#include "text_splitter.h"

#include <QRegularExpression>
#include <algorithm>

namespace kinglet::app {
namespace {

struct Unit {
    QString text;
    int tokens = 0;
    bool paragraphStart = false;  // joined to the previous unit with a blank line
};

bool cancelled(const std::atomic<bool>* c) { return c && c->load(std::memory_order_relaxed); }

// A piece with no boundary left in it, cut in halves until each half fits.
void cutHard(const QString& piece, int budget, const TokenCounter& count, QVector<Unit>& out, bool paragraphStart,
             const std::atomic<bool>* cancel) {
    const int n = count(piece);
    if (n <= budget || piece.size() <= 1) {
        out.push_back({piece, n, paragraphStart});
        return;
    }
    int mid = piece.size() / 2;
    if (piece.at(mid).isLowSurrogate()) --mid;  // never split a character
    if (cancelled(cancel)) return;
    cutHard(piece.left(mid), budget, count, out, paragraphStart, cancel);
    cutHard(piece.mid(mid), budget, count, out, false, cancel);
}

// Sentence (or word) units of a paragraph too long for one part.
void splitLong(const QString& paragraph, int budget, const TokenCounter& count, QVector<Unit>& out,
               const std::atomic<bool>* cancel) {
    bool first = true;
    for (const QString& sentence : splitSentences(paragraph)) {
        if (cancelled(cancel)) return;
        const int n = count(sentence);
        if (n <= budget) {
            out.push_back({sentence, n, first});
        } else {
            // Between words: pack words into pieces that fit.
            const QStringList words = sentence.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
            QString piece;
            bool pieceFirst = first;
            for (const QString& w : words) {
                const QString candidate = piece.isEmpty() ? w : piece + QLatin1Char(' ') + w;
                if (!piece.isEmpty() && count(candidate) > budget) {
                    cutHard(piece, budget, count, out, pieceFirst, cancel);
                    pieceFirst = false;
                    piece = w;
                } else {
                    piece = candidate;
                }
            }
            if (!piece.isEmpty()) cutHard(piece, budget, count, out, pieceFirst, cancel);
        }
        first = false;
    }
}

}  // namespace

QStringList splitParagraphs(const QString& text) {
    static const QRegularExpression blank(QStringLiteral("\\n[ \\t\\r\\f\\v]*\\n\\s*"));
    QStringList out;
    for (const QString& p : text.split(blank, Qt::SkipEmptyParts)) {
        const QString t = p.trimmed();
        if (!t.isEmpty()) out << t;
    }
    return out;
}

QStringList splitSentences(const QString& paragraph) {
    // After . ! ? … (and CJK full stops), optionally followed by a closing quote or
    // bracket, when whitespace follows. "e.g. this" splits too: harmless for budgets.
    static const QRegularExpression end(
        QStringLiteral("(?<=[.!?\\x{2026}\\x{3002}\\x{FF01}\\x{FF1F}])([\"'\\)\\]\\x{201D}\\x{2019}]?)\\s+"));
    QStringList out;
    qsizetype start = 0;
    auto it = end.globalMatch(paragraph);
    while (it.hasNext()) {
        const auto m = it.next();
        const qsizetype cut = m.capturedEnd(1);
        const QString s = paragraph.mid(start, cut - start).trimmed();
        if (!s.isEmpty()) out << s;
        start = m.capturedEnd(0);
    }
    const QString rest = paragraph.mid(start).trimmed();
    if (!rest.isEmpty()) out << rest;
    return out;
}

QStringList splitText(const QString& text, int budget, const TokenCounter& count, const std::atomic<bool>* cancel) {
    budget = std::max(budget, 8);
    QVector<Unit> units;
    for (const QString& p : splitParagraphs(text)) {
        if (cancelled(cancel)) return {};
        const int n = count(p);
        if (n <= budget) units.push_back({p, n, true});
        else splitLong(p, budget, count, units, cancel);
    }
    // Greedy packing on the units' own counts, then each part is counted whole: token
    // counts are nearly but not exactly additive, so a part over budget gives its last
    // unit to the next part.
    QStringList parts;
    qsizetype i = 0;
    while (i < units.size()) {
        if (cancelled(cancel)) return parts;
        qsizetype j = i;
        int sum = 0;
        while (j < units.size() && (j == i || sum + units[j].tokens + 1 <= budget)) sum += units[j++].tokens + 1;
        auto join = [&](qsizetype from, qsizetype to) {
            QString s = units[from].text;
            for (qsizetype k = from + 1; k < to; ++k)
                s += (units[k].paragraphStart ? QStringLiteral("\n\n") : QStringLiteral(" ")) + units[k].text;
            return s;
        };
        QString part = join(i, j);
        while (j - i > 1 && count(part) > budget) part = join(i, --j);
        parts << part;
        i = j;
    }
    return parts;
}

}  // namespace kinglet::app
