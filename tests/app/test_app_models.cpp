// The list models under QAbstractItemModelTester (every signal checked against the
// data), plus the small pure pieces they use: Markdown splitting, the stop-string
// filter, activity labels and message info lines.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include <QTextDocument>

#include "conversation_list_model.h"
#include "markdown_blocks.h"
#include "message_list_model.h"
#include "chat/stop_filter.h"

using namespace kinglet::app;
using namespace kinglet::chat;

namespace {

Conversation conv(const QString& title, int minutesAgo) {
    const QDateTime t = QDateTime::currentDateTime().addSecs(-60 * minutesAgo);
    return Conversation{newId(), title, QString(), t, t};
}

QStringList titles(const ConversationListModel& m) {
    QStringList out;
    for (int i = 0; i < m.rowCount(); ++i) out << m.data(m.index(i), ConversationListModel::TitleRole).toString();
    return out;
}

Message msg(const QString& role, const QString& text, int pos) {
    Message m;
    m.id = newId();
    m.role = role;
    m.content = text;
    m.position = pos;
    return m;
}

}  // namespace

class TestAppModels : public QObject {
    Q_OBJECT
private slots:
    void conversationsSortedByActivity() {
        ConversationListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        Conversation a = conv("a", 30), b = conv("b", 20), c = conv("c", 10);
        model.setConversations({a, c, b});
        QCOMPARE(titles(model), (QStringList{"c", "b", "a"}));
        // Activity in "a" moves it to the top (a row move, not a reset).
        QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
        a.updatedAt = QDateTime::currentDateTime();
        model.upsert(a);
        QCOMPARE(titles(model), (QStringList{"a", "c", "b"}));
        QCOMPARE(moved.size(), 1);
        // Older activity moves it down again.
        a.updatedAt = QDateTime::currentDateTime().addSecs(-60 * 25);
        model.upsert(a);
        QCOMPARE(titles(model), (QStringList{"c", "b", "a"}));
        // Insert, rename in place, remove.
        Conversation d = conv("d", 15);
        model.upsert(d);
        QCOMPARE(titles(model), (QStringList{"c", "d", "b", "a"}));
        d.title = "d2";
        model.upsert(d);
        QCOMPARE(titles(model), (QStringList{"c", "d2", "b", "a"}));
        model.remove(b.id);
        QCOMPARE(titles(model), (QStringList{"c", "d2", "a"}));
        QCOMPARE(model.idAt(0), c.id);
        QCOMPARE(model.idAt(99), QString());
        QVERIFY(model.roleNames().values().contains("conversationId"));
        QVERIFY(!model.data(model.index(0), ConversationListModel::WhenRole).toString().isEmpty());
    }

    void messagesEditAndStream() {
        MessageListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMessages({msg("user", "hi", 0), msg("assistant", "hello", 1), msg("user", "again", 2)});
        QCOMPARE(model.rowCount(), 3);
        Message answer = msg("assistant", "", 3);
        answer.state = MessageState::Generating;
        model.append(answer);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.appendText(3, "Once ");
        model.appendText(3, "upon");
        QCOMPARE(changed.size(), 2);
        QCOMPARE(model.at(3).content, QString("Once upon"));
        QCOMPARE(model.data(model.index(3), MessageListModel::StateRole).toString(), QString("generating"));
        // Regenerate: the last answer goes.
        model.truncate(3);
        QCOMPARE(model.rowCount(), 3);
        // Edit the first message: everything after it is replaced.
        Message edited = model.at(0);
        edited.content = "hi there";
        model.truncate(1);
        model.replace(0, edited);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.data(model.index(0), MessageListModel::ContentRole).toString(), QString("hi there"));
        QCOMPARE(model.rowOf(edited.id), 0);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void messageBlocksRole() {
        MessageListModel model;
        model.append(msg("assistant", "Text\n```py\nprint(1)\n```\nafter", 0));
        const QVariantList blocks = model.data(model.index(0), MessageListModel::BlocksRole).toList();
        QCOMPARE(blocks.size(), 3);
        QCOMPARE(blocks[1].toMap()["kind"].toString(), QString("code"));
        QCOMPARE(blocks[1].toMap()["language"].toString(), QString("py"));
        QCOMPARE(blocks[1].toMap()["text"].toString(), QString("print(1)"));
    }

    // Reasoning models: the <think> part becomes its own (collapsed) block, before the answer.
    void thinkingBlocks() {
        auto blocks = splitMarkdown("<think>\nThe user greets me.\n</think>\n\nHello **there**");
        QCOMPARE(blocks.size(), 2);
        QCOMPARE(blocks[0].kind, MarkdownBlock::Kind::Thinking);
        QCOMPARE(blocks[0].text, QString("The user greets me."));
        QCOMPARE(blocks[1].kind, MarkdownBlock::Kind::Text);
        QVERIFY(blocks[1].text.contains("Hello **there**"));
        // Still streaming the thoughts: no answer yet.
        blocks = splitMarkdown("<think>Let me see");
        QCOMPARE(blocks.size(), 1);
        QCOMPARE(blocks[0].kind, MarkdownBlock::Kind::Thinking);
        // The template opened the tag in the prompt: only the close appears in the answer.
        blocks = splitMarkdown("weighing options</think>Answer");
        QCOMPARE(blocks.size(), 2);
        QCOMPARE(blocks[0].text, QString("weighing options"));
        QCOMPARE(blocks[1].text, QString("Answer"));
        QCOMPARE(markdownBlocksForQml("<think>x</think>y")[0].toMap()["kind"].toString(), QString("thinking"));
        // A message that only mentions the tag in the middle is left alone.
        QCOMPARE(splitMarkdown("Use <think> tags like this").size(), 1);
    }

    void markdownSplitting() {
        auto kinds = [](const QString& md) {
            QStringList out;
            for (const auto& b : splitMarkdown(md)) out << (b.kind == MarkdownBlock::Kind::Code ? "code" : "text");
            return out;
        };
        QCOMPARE(kinds("plain **bold**"), QStringList{"text"});
        QCOMPARE(kinds("a\n```\nx\n```\nb"), (QStringList{"text", "code", "text"}));
        QCOMPARE(kinds("~~~~\n```\ninner\n~~~~"), QStringList{"code"});  // a fence closes only its own kind
        QCOMPARE(kinds("```cpp\nint x;"), QStringList{"code"});  // still streaming: open to the end
        QCOMPARE(kinds("use ```inline``` here"), QStringList{"text"});
        QCOMPARE(kinds(""), QStringList{});
        const auto b = splitMarkdown("```cpp title\nint x;\n\nint y;\n```");
        QCOMPARE(b.size(), 1);
        QCOMPARE(b[0].language, QString("cpp"));
        QCOMPARE(b[0].text, QString("int x;\n\nint y;"));
    }

    // Answers are text: HTML a model writes about shows as written (Qt's Markdown reader
    // would pass it to its HTML importer, which drops tags and swallows what follows).
    void rawHtmlStaysText() {
        auto shown = [](const QString& answer) {
            QTextDocument doc;
            doc.setMarkdown(splitMarkdown(answer).value(0).text);
            return doc.toPlainText();
        };
        QCOMPARE(shown("Wrap it in a <div> element and use <b>bold</b> tags."),
                 QString("Wrap it in a <div> element and use <b>bold</b> tags."));
        QCOMPARE(shown("Use <think> tags like this"), QString("Use <think> tags like this"));
        QCOMPARE(shown("if a < b and b<c then"), QString("if a < b and b<c then"));
        QCOMPARE(shown("Markdown still works: **bold**, `<span>` stays code"),
                 QString("Markdown still works: bold, <span> stays code"));
        QCOMPARE(shown(R"(A ``code `<x>` span`` and \<y> already escaped)"), QString("A code `<x>` span and <y> already escaped"));
        QCOMPARE(shown("See <https://example.com/a?b=1> or <me@example.com>"),
                 QString("See https://example.com/a?b=1 or me@example.com"));
        QCOMPARE(shown("- item <li>\n\n    more <p> in the item"), QString("item <li>\nmore <p> in the item"));
        // Indented code shows characters as they are, so nothing is escaped there.
        QCOMPARE(shown("Code:\n\n    <html></html>"), QString("Code:\n<html></html>"));
        QCOMPARE(splitMarkdown("plain text, no tags").value(0).text, QString("plain text, no tags"));
        // Backtick runs of many lengths, most never closed: tags between them are escaped
        // except inside the spans that do close.
        QString ticks;
        for (int i = 1; i < 3000; ++i) ticks += QString(i % 40 + 1, '`') + "<a>";
        QVERIFY(splitMarkdown(ticks).value(0).text.contains("\\<a>"));
    }

    void stopFilter() {
        StopFilter f({"\nUser:"});
        std::string shown;
        for (const char* piece : {"Hello", " there", "\n", "Us", "er", ": next"}) shown += f.push(piece);
        QVERIFY(f.stopped());
        QCOMPARE(QString::fromStdString(shown), QString("Hello there"));
        // A near miss is released once it is clearly not a stop string.
        StopFilter g({"\nUser:"});
        std::string out = g.push("a\nUs");
        QCOMPARE(QString::fromStdString(out), QString("a"));
        out += g.push("ually");
        QCOMPARE(QString::fromStdString(out), QString("a\nUsually"));
        out += g.push("\n");
        out += g.flush();
        QCOMPARE(QString::fromStdString(out), QString("a\nUsually\n"));
        QVERIFY(!g.stopped());
    }

    void activityLabels() {
        const QDateTime now(QDate(2026, 11, 26), QTime(15, 0));
        QCOMPARE(activityLabel(now.addDays(-1), now), QObject::tr("Yesterday"));
        QVERIFY(activityLabel(now.addSecs(-600), now).contains(':'));  // a time today
        QVERIFY(!activityLabel(now.addDays(-40), now).isEmpty());
    }

    void infoLine() {
        Message m = msg("assistant", "x", 0);
        m.meta = R"({"tokens":12,"tokensPerSecond":34.56,"model":"tiny"})";
        QCOMPARE(messageInfo(m), QString("12 tokens · 34.6 tokens/s · tiny"));
        m.state = MessageState::Error;
        m.meta = R"({"error":"No answer: boom"})";
        QCOMPARE(messageInfo(m), QString("No answer: boom"));
        m.state = MessageState::Interrupted;
        m.meta = "{}";
        QCOMPARE(messageInfo(m), QObject::tr("Interrupted"));
    }
};

QTEST_GUILESS_MAIN(TestAppModels)
#include "test_app_models.moc"
