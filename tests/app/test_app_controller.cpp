// The controller with the real store and engine (no window): sending streams into the
// last message and persists it, Regenerate, edit-and-resend, Stop, the context notice,
// delete/undo/search, read-only storage keeping messages in memory, crash leftovers
// shown as interrupted, export, and the GUI thread's latency while a model generates.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <memory>

#include "app_context.h"
#include "app_settings.h"
#include "chat_controller.h"
#include "chat_store.h"
#include "model_manager.h"
#include "shared_data.h"

using namespace kinglet::app;

namespace {

struct Fixture {
    QTemporaryDir dir;
    std::unique_ptr<AppContext> ctx;

    // Settings are written before the app starts, as a user's earlier session would have.
    bool start(const QString& model, int contextSize = 1024, int maxTokens = 48, bool load = true) {
        {
            AppSettings s(dir.filePath("settings.ini"));
            s.setContextSize(contextSize);
            s.setMaxTokens(maxTokens);
            s.setThreads(1);
            s.setTemperature(0.8);
        }
        AppOptions o;
        o.dataDir = dir.path();
        o.model = model;
        o.loadModel = load;
        ctx = std::make_unique<AppContext>(o);
        if (!load) return true;
        if (ctx->modelManager().ready()) return true;
        QSignalSpy loaded(&ctx->modelManager(), &ModelManager::loaded);
        return loaded.count() > 0 || loaded.wait(30000);
    }
    ChatController& chat() { return ctx->chat(); }
    const QVector<Message>& messages() { return ctx->chat().messageModel().messages(); }
    bool sendAndWait(const QString& text) {
        QSignalSpy done(&chat(), &ChatController::answerFinished);
        if (!chat().send(text)) return false;
        return done.count() > 0 || done.wait(60000);
    }
    QVector<Message> stored() {
        ChatStore s;
        const auto status = s.open(dir.filePath("chats.sqlite"), true);
        if (status != ChatStore::OpenStatus::ReadOnly) qWarning() << "reopen:" << int(status) << s.lastError();
        return s.messages(chat().currentId());
    }
};

}  // namespace

class TestAppController : public QObject {
    Q_OBJECT
private slots:
    void sendStreamsAndPersists() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Fixture f;
        QVERIFY(f.start(model));
        QSignalSpy generating(&f.chat(), &ChatController::generatingChanged);
        QVERIFY(f.sendAndWait("Tell me about a little bird.\nPlease."));
        QVERIFY(generating.size() >= 2);
        QVERIFY(!f.chat().generating());
        QCOMPARE(f.messages().size(), 2);
        QCOMPARE(f.messages()[0].role, QString("user"));
        QCOMPARE(f.messages()[1].role, QString("assistant"));
        QCOMPARE(f.messages()[1].state, MessageState::Complete);
        QVERIFY(!f.messages()[1].content.isEmpty());
        QVERIFY(f.messages()[1].meta.contains("tokensPerSecond"));
        QCOMPARE(f.chat().currentTitle(), QString("Tell me about a little bird."));
        QCOMPARE(f.chat().conversationModel().rowCount(), 1);
        QVERIFY(f.chat().tokensPerSecond() > 0);
        QVERIFY(f.chat().contextUsed() > 0);
        QVERIFY(f.chat().canRegenerate());
        const auto stored = f.stored();
        QCOMPARE(stored.size(), 2);
        QCOMPARE(stored[1].content, f.messages()[1].content);
        QCOMPARE(stored[1].state, MessageState::Complete);
        QCOMPARE(f.chat().pendingWrites(), 0);
    }

    void regenerateAndEdit() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Fixture f;
        QVERIFY(f.start(model));
        QVERIFY(f.sendAndWait("First question"));
        QVERIFY(f.sendAndWait("Second question"));
        QCOMPARE(f.messages().size(), 4);
        const QString oldAnswerId = f.messages()[3].id;
        QSignalSpy done(&f.chat(), &ChatController::answerFinished);
        f.chat().regenerate();
        QVERIFY(done.count() > 0 || done.wait(60000));
        QCOMPARE(f.messages().size(), 4);
        QVERIFY(f.messages()[3].id != oldAnswerId);
        QCOMPARE(f.stored().size(), 4);

        // Editing the first message replaces everything after it.
        QSignalSpy edited(&f.chat(), &ChatController::answerFinished);
        f.chat().editAndResend(0, "A different first question");
        QVERIFY(edited.count() > 0 || edited.wait(60000));
        QCOMPARE(f.messages().size(), 2);
        QCOMPARE(f.messages()[0].content, QString("A different first question"));
        const auto stored = f.stored();
        QCOMPARE(stored.size(), 2);
        QCOMPARE(stored[0].content, QString("A different first question"));
        QCOMPARE(stored[1].id, f.messages()[1].id);
    }

    void stopKeepsThePartialAnswer() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Fixture f;
        QVERIFY(f.start(model, 2048, 1500));
        QSignalSpy done(&f.chat(), &ChatController::answerFinished);
        bool stopped = false;
        connect(&f.chat().messageModel(), &QAbstractItemModel::dataChanged, this, [&] {
            if (!stopped && f.chat().generating()) {
                stopped = true;
                f.chat().stop();
                QVERIFY(!f.chat().generating());  // at once, not when the worker confirms
            }
        });
        QVERIFY(f.chat().send("Once upon a time"));
        QVERIFY(done.count() > 0 || done.wait(60000));
        QVERIFY(stopped);
        QCOMPARE(f.messages().size(), 2);
        QCOMPARE(f.messages()[1].state, MessageState::Interrupted);
        QVERIFY(f.messages()[1].meta.contains("stopped"));
        QTest::qWait(100);  // words the worker had already queued must not be appended
        const QString after = f.messages()[1].content;
        QTest::qWait(100);
        QCOMPARE(f.messages()[1].content, after);
        QCOMPARE(f.stored()[1].state, MessageState::Interrupted);
        QCOMPARE(f.stored()[1].content, after);
        QVERIFY(f.chat().canRegenerate());
    }

    // The GUI thread never waits on the engine: no event-loop gap over 100 ms while a
    // model generates (the text arrives in batches, saves are small transactions).
    void guiStaysResponsive() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Fixture f;
        QVERIFY(f.start(model, 2048, 1000));
        QElapsedTimer clock;
        qint64 last = 0, worst = 0;
        int ticks = 0;
        QTimer probe;
        probe.setInterval(5);
        connect(&probe, &QTimer::timeout, this, [&] {
            const qint64 now = clock.elapsed();
            worst = std::max(worst, now - last);
            last = now;
            ++ticks;
        });
        QSignalSpy done(&f.chat(), &ChatController::answerFinished);
        clock.start();
        probe.start();
        QVERIFY(f.chat().send("Once upon a time there was a big dragon"));
        QVERIFY(done.count() > 0 || done.wait(120000));
        probe.stop();
        qInfo("generated %lld chars in %lld ms; worst event-loop gap %lld ms over %d ticks",
              static_cast<long long>(f.messages()[1].content.size()), static_cast<long long>(clock.elapsed()),
              static_cast<long long>(worst), ticks);
        // Generous on purpose: work on the GUI thread would block it for seconds, while a
        // loaded CI machine can pause any process for a few hundred milliseconds.
        QVERIFY2(worst <= 2000, qPrintable(QString("event loop blocked for %1 ms").arg(worst)));
    }

    void contextNoticeWhenTurnsAreLeftOut() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Fixture f;
        QVERIFY(f.start(model, 160, 24));
        for (int i = 0; i < 8 && f.chat().notice().isEmpty(); ++i) {
            QVERIFY(f.sendAndWait(QString("Tell me story number %1 about a happy little dog").arg(i)));
        }
        QVERIFY2(!f.chat().notice().isEmpty(), "no notice although the chat outgrew 160 tokens");
        // Nothing is deleted: every message is still in the chat and on disk.
        QCOMPARE(f.stored().size(), f.messages().size());
        QVERIFY(f.messages().size() >= 4);
    }

    void conversationsDeleteUndoSearch() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Fixture f;
        QVERIFY(f.start(model));
        QVERIFY(f.sendAndWait("Apples are red"));
        const QString first = f.chat().currentId();
        f.chat().newConversation();
        QCOMPARE(f.chat().currentId(), QString());
        f.chat().setSystemPrompt("You like bananas.");  // on a draft: kept for its first send
        QVERIFY(f.sendAndWait("Bananas are yellow"));
        const QString second = f.chat().currentId();
        QCOMPARE(f.chat().systemPrompt(), QString("You like bananas."));
        QCOMPARE(f.chat().conversationModel().idAt(0), second);  // most recent first

        f.chat().setSearchText("apples");
        QCOMPARE(f.chat().conversationModel().rowCount(), 1);
        QCOMPARE(f.chat().conversationModel().idAt(0), first);
        f.chat().setSearchText("");
        QCOMPARE(f.chat().conversationModel().rowCount(), 2);

        f.chat().renameConversation(first, "Fruit talk");
        f.chat().deleteConversation(first);
        QCOMPARE(f.chat().conversationModel().rowCount(), 1);
        QCOMPARE(f.chat().undoTitle(), QString("Fruit talk"));
        f.chat().undoDelete();
        QCOMPARE(f.chat().conversationModel().rowCount(), 2);
        QCOMPARE(f.chat().currentId(), first);
        QCOMPARE(f.messages().size(), 2);

        // Deleted for good on the next start; renamed title and system prompt persist.
        f.chat().deleteConversation(second);
        f.ctx.reset();
        ChatStore s;
        QCOMPARE(s.open(f.dir.filePath("chats.sqlite")), ChatStore::OpenStatus::Ok);
        s.purgeDeleted();
        const auto list = s.conversations();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list[0].title, QString("Fruit talk"));
    }

    void readOnlyStorageKeepsMessagesInMemory() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Fixture f;
        QVERIFY(f.start(model));
        f.chat().openStoreReadOnly();
        QCOMPARE(f.chat().storageProblem(), QString("readOnly"));
        QVERIFY(!f.chat().storageMessage().isEmpty());
        QVERIFY(f.sendAndWait("Will this be saved?"));
        QCOMPARE(f.messages().size(), 2);  // still shown
        QVERIFY(f.chat().errorText().contains("retried"));
        QVERIFY(f.chat().pendingWrites() > 0);
        QCOMPARE(f.chat().conversationModel().rowCount(), 1);  // listed although not on disk
    }

    void crashLeftoversShowInterrupted() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Fixture f;
        {
            ChatStore s;
            QCOMPARE(s.open(f.dir.filePath("chats.sqlite")), ChatStore::OpenStatus::Ok);
            const QDateTime now = QDateTime::currentDateTime();
            QVERIFY(s.saveConversation({"c", "Before the crash", QString(), now, now}));
            Message u{"u", "c", 0, "user", "hi", MessageState::Complete, now, {}};
            Message a{"a", "c", 1, "assistant", "Once upon a ti", MessageState::Generating, now, {}};
            QVERIFY(s.saveMessage(u) && s.saveMessage(a));
        }
        QVERIFY(f.start(model));
        QCOMPARE(f.chat().currentId(), QString("c"));  // opens on the most recent chat
        QCOMPARE(f.messages()[1].state, MessageState::Interrupted);
        QCOMPARE(f.messages()[1].content, QString("Once upon a ti"));
        QVERIFY(f.chat().canRegenerate());
        QSignalSpy done(&f.chat(), &ChatController::answerFinished);
        f.chat().regenerate();
        QVERIFY(done.count() > 0 || done.wait(60000));
        QCOMPARE(f.messages()[1].state, MessageState::Complete);
    }

    void corruptStorageOffersAWayOut() {
        Fixture f;
        QFile db(f.dir.filePath("chats.sqlite"));
        QVERIFY(db.open(QIODevice::WriteOnly));
        db.write(QByteArray(4096, 'z'));
        db.close();
        QVERIFY(f.start(QString(), 1024, 48, false));
        QCOMPARE(f.chat().storageProblem(), QString("corrupt"));
        QVERIFY(!f.chat().storageMessage().isEmpty());
        f.chat().moveStoreAsideAndStartFresh();
        QCOMPARE(f.chat().storageProblem(), QString());
        const QStringList aside = QDir(f.dir.path()).entryList({"chats.sqlite.corrupt-*"});
        QCOMPARE(aside.size(), 1);
    }

    void exportsMarkdownAndJson() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Fixture f;
        QVERIFY(f.start(model));
        QVERIFY(f.sendAndWait("Export me"));
        QTemporaryDir out;
        f.chat().setExportFolder(out.path());
        const QString md = f.chat().exportConversation(f.chat().currentId(), "markdown");
        const QString json = f.chat().exportConversation(f.chat().currentId(), "json");
        const QString all = f.chat().exportAll("json");
        for (const QString& p : {md, json, all}) QVERIFY2(QFile::exists(p), qPrintable(p));
        QFile m(md);
        QVERIFY(m.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(m.readAll());
        QVERIFY(text.startsWith("# Export me"));
        QVERIFY(text.contains(f.messages()[1].content));
    }

    void quittingMidAnswerSavesIt() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Fixture f;
        QVERIFY(f.start(model, 2048, 1500));
        QVERIFY(f.chat().send("Once upon a time"));
        QTRY_VERIFY(!f.messages().last().content.isEmpty());
        const QString id = f.chat().currentId();
        f.ctx.reset();  // the app quits while the answer streams
        ChatStore s;
        QCOMPARE(s.open(f.dir.filePath("chats.sqlite")), ChatStore::OpenStatus::Ok);
        const auto stored = s.messages(id);
        QCOMPARE(stored.size(), 2);
        QCOMPARE(stored[1].state, MessageState::Interrupted);
        QVERIFY(!stored[1].content.isEmpty());
    }

    void promptFromTheCommandLine() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        QTemporaryDir dir;
        AppOptions o;
        o.dataDir = dir.path();
        o.model = model;
        o.prompt = "Hello from the command line";
        AppContext ctx(o);
        QSignalSpy done(&ctx.chat(), &ChatController::answerFinished);
        QVERIFY(done.count() > 0 || done.wait(60000));
        QCOMPARE(ctx.chat().messageModel().rowCount(), 2);
        QCOMPARE(ctx.chat().messageModel().at(0).content, QString("Hello from the command line"));
        QCOMPARE(ctx.chat().currentTitle(), QString("Hello from the command line"));
    }

    void commandLine() {
        AppOptions o;
        QString error;
        QVERIFY(parseCommandLine({"kinglet", "--data-dir", "/tmp/x", "--model", "m.gguf", "--prompt", "hi", "--smoke-test"},
                                 &o, &error));
        QCOMPARE(o.dataDir, QString("/tmp/x"));
        QCOMPARE(o.model, QString("m.gguf"));
        QCOMPARE(o.prompt, QString("hi"));
        QVERIFY(o.smokeTest);
        QVERIFY(!parseCommandLine({"kinglet", "--bogus"}, &o, &error));
        QVERIFY(!error.isEmpty());
    }

    void noModelMeansClearMessage() {
        Fixture f;
        QVERIFY(f.start(QString(), 1024, 48, false));
        QVERIFY(!f.chat().send("hello"));
        QVERIFY(f.chat().errorText().contains("model"));
        QCOMPARE(f.messages().size(), 0);
    }
};

QTEST_MAIN(TestAppController)
#include "test_app_controller.moc"
