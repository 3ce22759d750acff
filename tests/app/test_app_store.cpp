// Chat storage: round trip, ordering and search, soft delete with undo, schema
// migrations from every earlier version, and what happens with locked, corrupt,
// read-only and too-new files; the write queue keeps failed writes and retries them.
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <unistd.h>

#include "chat_schema.h"
#include "chat_store.h"
#include "write_queue.h"

using namespace kinglet::app;

namespace {

Conversation conv(const QString& title, int minutesAgo) {
    const QDateTime t = QDateTime::currentDateTime().addSecs(-60 * minutesAgo);
    return Conversation{newId(), title, QString(), t, t};
}

Message msg(const Conversation& c, int pos, const QString& role, const QString& text,
            MessageState state = MessageState::Complete) {
    Message m;
    m.id = newId();
    m.conversationId = c.id;
    m.position = pos;
    m.role = role;
    m.content = text;
    m.state = state;
    m.createdAt = QDateTime::currentDateTime();
    return m;
}

// A raw connection, as another program (or an older Kinglet) would have.
struct RawDb {
    QString name = QStringLiteral("raw-") + newId();
    QSqlDatabase db;
    explicit RawDb(const QString& path) {
        db = QSqlDatabase::addDatabase("QSQLITE", name);
        db.setDatabaseName(path);
        db.open();
    }
    ~RawDb() {
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
    }
};

}  // namespace

class TestAppStore : public QObject {
    Q_OBJECT
private slots:
    void roundTrip() {
        QTemporaryDir dir;
        const QString path = dir.filePath("chats.sqlite");
        Conversation c = conv(QString::fromUtf8("Grüße \xF0\x9F\x90\xA6"), 0);
        c.systemPrompt = "Be brief.";
        Message u = msg(c, 0, "user", "Hello **there**");
        Message a = msg(c, 1, "assistant", "```cpp\nint x;\n```", MessageState::Interrupted);
        a.meta = R"({"tokens":3})";
        {
            ChatStore s;
            QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
            QVERIFY(s.saveConversation(c));
            QVERIFY(s.saveMessage(u));
            QVERIFY(s.saveMessage(a, ChatStore::Durability::Relaxed));
            a.content += "\nmore";  // saved again: an update, not a second row
            QVERIFY(s.saveMessage(a));
        }
        ChatStore s;
        QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
        const auto list = s.conversations();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list[0].title, c.title);
        QCOMPARE(list[0].systemPrompt, QString("Be brief."));
        QCOMPARE(list[0].createdAt.toMSecsSinceEpoch(), c.createdAt.toMSecsSinceEpoch());
        const auto m = s.messages(c.id);
        QCOMPARE(m.size(), 2);
        QCOMPARE(m[0].content, u.content);
        QCOMPARE(m[1].content, a.content);
        QCOMPARE(m[1].state, MessageState::Interrupted);
        QCOMPARE(m[1].meta, a.meta);
        // WAL mode: a crash mid-write keeps the last commit.
        RawDb raw(path);
        QSqlQuery q(raw.db);
        QVERIFY(q.exec("PRAGMA journal_mode") && q.next());
        QCOMPARE(q.value(0).toString(), QString("wal"));
    }

    void orderAndSearch() {
        QTemporaryDir dir;
        ChatStore s;
        QCOMPARE(s.open(dir.filePath("chats.sqlite")), ChatStore::OpenStatus::Ok);
        Conversation old = conv("Old chat about cats", 60), mid = conv("Recipes", 30), fresh = conv("Newest", 1);
        for (auto* c : {&old, &mid, &fresh}) QVERIFY(s.saveConversation(*c));
        QVERIFY(s.saveMessage(msg(mid, 0, "user", "How long to boil an EGG?")));
        QVERIFY(s.saveMessage(msg(fresh, 0, "user", "100% sure? a_b")));
        auto titles = [&](const QString& f) {
            QStringList out;
            for (const auto& c : s.conversations(f)) out << c.title;
            return out;
        };
        QCOMPARE(titles({}), (QStringList{"Newest", "Recipes", "Old chat about cats"}));
        QCOMPARE(titles("CATS"), QStringList{"Old chat about cats"});  // title, any case
        QCOMPARE(titles("boil an egg"), QStringList{"Recipes"});       // message content
        QCOMPARE(titles("100%"), QStringList{"Newest"});               // % is literal
        QCOMPARE(titles("a_b"), QStringList{"Newest"});
        QCOMPARE(titles("0% s"), QStringList{"Newest"});
        QVERIFY(titles("nothing like this").isEmpty());
        // Activity moves a chat to the top.
        old.updatedAt = QDateTime::currentDateTime();
        QVERIFY(s.saveConversation(old));
        QCOMPARE(titles({}).first(), QString("Old chat about cats"));
    }

    void deleteUndoAndPurge() {
        QTemporaryDir dir;
        const QString path = dir.filePath("chats.sqlite");
        Conversation a = conv("A", 2), b = conv("B", 1);
        {
            ChatStore s;
            QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
            QVERIFY2(s.saveConversation(a), qPrintable(s.lastError()));
            QVERIFY2(s.saveConversation(b), qPrintable(s.lastError()));
            QVERIFY(s.saveMessage(msg(a, 0, "user", "keep me")));
            QVERIFY(s.setDeleted(a.id, true));
            QCOMPARE(s.conversations().size(), 1);
            QVERIFY(s.setDeleted(a.id, false));  // undo
            QCOMPARE(s.conversations().size(), 2);
            QCOMPARE(s.messages(a.id).size(), 1);
            QVERIFY(s.setDeleted(b.id, true));
        }
        ChatStore s;
        QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
        QCOMPARE(s.conversations().size(), 1);
        QVERIFY(s.purgeDeleted());
        QVERIFY(!s.conversation(b.id).has_value());
        QVERIFY(s.conversation(a.id).has_value());
    }

    void deleteMessagesFrom() {
        QTemporaryDir dir;
        ChatStore s;
        QCOMPARE(s.open(dir.filePath("chats.sqlite")), ChatStore::OpenStatus::Ok);
        Conversation c = conv("x", 0);
        QVERIFY(s.saveConversation(c));
        for (int i = 0; i < 5; ++i) QVERIFY(s.saveMessage(msg(c, i, i % 2 ? "assistant" : "user", QString::number(i))));
        QVERIFY(s.deleteMessagesFrom(c.id, 2));
        const auto m = s.messages(c.id);
        QCOMPARE(m.size(), 2);
        QCOMPARE(m.last().content, QString("1"));
    }

    void interruptedAfterCrash() {
        QTemporaryDir dir;
        const QString path = dir.filePath("chats.sqlite");
        Conversation c = conv("x", 0);
        {
            ChatStore s;
            QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
            QVERIFY(s.saveConversation(c));
            QVERIFY(s.saveMessage(msg(c, 0, "assistant", "Once upon", MessageState::Generating)));
        }
        ChatStore s;
        QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
        QCOMPARE(s.markInterrupted(), 1);
        QCOMPARE(s.messages(c.id).first().state, MessageState::Interrupted);
    }

    // Files as every earlier schema version left them open with today's code, data intact.
    void migrationsFromEveryVersion_data() {
        QTest::addColumn<int>("from");
        for (int v = 0; v < schema::kCurrentVersion; ++v) QTest::newRow(qPrintable(QString("v%1").arg(v))) << v;
    }
    void migrationsFromEveryVersion() {
        QFETCH(int, from);
        QTemporaryDir dir;
        const QString path = dir.filePath("chats.sqlite");
        {
            RawDb raw(path);
            QString error;
            QVERIFY2(schema::migrate(raw.db, from, &error), qPrintable(error));
            QCOMPARE(schema::userVersion(raw.db), from);
            if (from >= 1) {  // a version-1 file with a chat in it
                QSqlQuery q(raw.db);
                QVERIFY(q.exec("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', 'Old', 1, 2)"));
                QVERIFY(q.exec("INSERT INTO messages (id, conversation_id, position, role, content, created_at, state)"
                               " VALUES ('m1', 'c1', 0, 'user', 'hi from v1', 1, 'complete')"));
            }
        }
        ChatStore s;
        QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
        RawDb raw(path);
        QCOMPARE(schema::userVersion(raw.db), schema::kCurrentVersion);
        if (from >= 1) {
            const auto list = s.conversations();
            QCOMPARE(list.size(), 1);
            QCOMPARE(list[0].systemPrompt, QString());
            QCOMPARE(s.messages("c1").first().content, QString("hi from v1"));
        }
        // And the migrated file takes new data.
        Conversation c = conv("new", 0);
        c.systemPrompt = "sp";
        QVERIFY(s.saveConversation(c));
        QCOMPARE(s.conversation(c.id)->systemPrompt, QString("sp"));
    }

    void corruptFile() {
        QTemporaryDir dir;
        const QString path = dir.filePath("chats.sqlite");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(8192, 'x'));
        f.close();
        ChatStore s;
        QCOMPARE(s.open(path), ChatStore::OpenStatus::Corrupt);
        QVERIFY(!s.lastError().isEmpty());
        QVERIFY(!ChatStore::describe(ChatStore::OpenStatus::Corrupt).isEmpty());
        const QString aside = s.moveAside();
        QVERIFY(aside.startsWith(path + ".corrupt-"));
        QVERIFY(QFile::exists(aside));                    // nothing deleted
        QCOMPARE(QFile(aside).size(), qint64(8192));
        QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);  // a fresh start
    }

    void damagedDatabase() {
        // A real database whose pages were overwritten in the middle.
        QTemporaryDir dir;
        const QString path = dir.filePath("chats.sqlite");
        {
            ChatStore s;
            QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
            Conversation c = conv("x", 0);
            QVERIFY(s.saveConversation(c));
            for (int i = 0; i < 200; ++i) QVERIFY(s.saveMessage(msg(c, i, "user", QString(500, QChar('a' + i % 26)))));
        }
        {
            RawDb raw(path);  // fold the WAL into the main file first
            QSqlQuery q(raw.db);
            QVERIFY(q.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
            QVERIFY(q.exec("PRAGMA journal_mode=DELETE"));
        }
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.size() > 8 * 4096);
        f.seek(2 * 4096);
        f.write(QByteArray(4 * 4096, '\xAB'));
        f.close();
        ChatStore s;
        QCOMPARE(s.open(path), ChatStore::OpenStatus::Corrupt);
    }

    void lockedByAnotherProgram() {
        QTemporaryDir dir;
        const QString path = dir.filePath("chats.sqlite");
        {
            ChatStore s;
            QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
        }
        RawDb other(path);
        QSqlQuery q(other.db);
        QVERIFY(q.exec("BEGIN EXCLUSIVE"));
        ChatStore s;
        QCOMPARE(s.open(path), ChatStore::OpenStatus::Locked);
        QVERIFY(q.exec("COMMIT"));
        QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);  // "Try again" works once it is free
    }

    void readOnlyFile() {
        if (geteuid() == 0) QSKIP("root ignores file permissions");
        QTemporaryDir dir;
        const QString path = dir.filePath("chats.sqlite");
        Conversation c = conv("kept", 0);
        {
            ChatStore s;
            QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
            QVERIFY(s.saveConversation(c));
        }
        QFile::setPermissions(path, QFile::ReadOwner);
        ChatStore s;
        QCOMPARE(s.open(path), ChatStore::OpenStatus::ReadOnly);
        QCOMPARE(s.conversations().size(), 1);
        QVERIFY(!s.saveConversation(conv("new", 0)));
        QVERIFY(!s.lastError().isEmpty());
    }

    void openReadOnlyOnRequest() {
        QTemporaryDir dir;
        const QString path = dir.filePath("chats.sqlite");
        Conversation c = conv("kept", 0);
        {
            ChatStore s;
            QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
            QVERIFY(s.saveConversation(c));
        }
        ChatStore s;
        QCOMPARE(s.open(path, true), ChatStore::OpenStatus::ReadOnly);
        QVERIFY(s.isReadOnly());
        QCOMPARE(s.conversations().size(), 1);
        QVERIFY(!s.saveConversation(conv("new", 0)));
    }

    void newerSchemaOpensReadOnly() {
        QTemporaryDir dir;
        const QString path = dir.filePath("chats.sqlite");
        {
            ChatStore s;
            QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
            QVERIFY(s.saveConversation(conv("from the future", 0)));
        }
        {
            RawDb raw(path);
            QSqlQuery q(raw.db);
            QVERIFY(q.exec(QString("PRAGMA user_version = %1").arg(schema::kCurrentVersion + 1)));
        }
        ChatStore s;
        QCOMPARE(s.open(path), ChatStore::OpenStatus::TooNew);
        QVERIFY(s.isReadOnly());
        QCOMPARE(s.conversations().size(), 1);
    }

    void writeQueueKeepsFailedWrites() {
        QTemporaryDir dir;
        const QString path = dir.filePath("chats.sqlite");
        ChatStore s;  // not open yet: every write fails, like a full disk
        WriteQueue q(s);
        q.setRetryInterval(50);
        Conversation c = conv("x", 0);
        Message m = msg(c, 0, "user", "first");
        q.saveConversation(c);
        q.saveMessage(m);
        m.content = "first, edited";
        q.saveMessage(m);  // replaces the queued write of the same message
        QCOMPARE(q.pending(), 2);
        QVERIFY(!q.error().isEmpty());
        QCOMPARE(s.open(path), ChatStore::OpenStatus::Ok);
        QTRY_COMPARE(q.pending(), 0);  // the retry timer writes them
        QVERIFY(q.error().isEmpty());
        QCOMPARE(s.messages(c.id).first().content, QString("first, edited"));
    }
};

QTEST_GUILESS_MAIN(TestAppStore)
#include "test_app_store.moc"
