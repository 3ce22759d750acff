// Crash safety: a child process streams an answer into the store the way the app does
// (user message committed first, the answer saved while it grows) and is killed with
// SIGKILL mid-answer. Reopening must show the user's message and the partial answer,
// marked interrupted, with at least the text the child had reported as saved.
#include <QCoreApplication>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "chat_store.h"
#include "write_queue.h"

using namespace kinglet::app;

namespace {

// The child: writes like ChatController does, and prints each saved length.
int childWriter(const QString& dir) {
    ChatStore store;
    if (store.open(dir + "/chats.sqlite") != ChatStore::OpenStatus::Ok) return 3;
    WriteQueue writes(store);
    const QDateTime now = QDateTime::currentDateTime();
    Conversation c{"conv-1", "Crash test", QString(), now, now};
    writes.saveConversation(c);
    Message user;
    user.id = "user-1";
    user.conversationId = c.id;
    user.role = "user";
    user.content = "Tell me a story";
    user.createdAt = now;
    writes.saveMessage(user, ChatStore::Durability::Full);
    Message answer = user;
    answer.id = "answer-1";
    answer.position = 1;
    answer.role = "assistant";
    answer.content.clear();
    answer.state = MessageState::Generating;
    writes.saveMessage(answer, ChatStore::Durability::Relaxed);
    for (int i = 0;; ++i) {
        answer.content += QStringLiteral("word%1 ").arg(i);
        writes.saveMessage(answer, ChatStore::Durability::Relaxed);
        if (writes.pending() == 0) {
            std::printf("SAVED %lld\n", static_cast<long long>(answer.content.size()));
            std::fflush(stdout);
        }
        QThread::msleep(5);
    }
}

}  // namespace

class TestAppCrash : public QObject {
    Q_OBJECT
private slots:
    void killedWhileStreaming() {
        QTemporaryDir dir;
        QProcess child;
        child.setProgram(QCoreApplication::applicationFilePath());
        child.setArguments({"--child-writer", dir.path()});
        child.start();
        QVERIFY(child.waitForStarted());
        long long saved = 0;
        int lines = 0;
        while (lines < 40) {
            QVERIFY2(child.waitForReadyRead(10000), "the child stopped writing");
            while (child.canReadLine()) {
                const QByteArray line = child.readLine().trimmed();
                if (line.startsWith("SAVED ")) {
                    saved = line.mid(6).toLongLong();
                    ++lines;
                }
            }
        }
        ::kill(static_cast<pid_t>(child.processId()), SIGKILL);
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);

        ChatStore store;
        QCOMPARE(store.open(dir.path() + "/chats.sqlite"), ChatStore::OpenStatus::Ok);
        QCOMPARE(store.markInterrupted(), 1);
        const auto messages = store.messages("conv-1");
        QCOMPARE(messages.size(), 2);
        QCOMPARE(messages[0].content, QString("Tell me a story"));
        QCOMPARE(messages[1].state, MessageState::Interrupted);
        QVERIFY2(messages[1].content.size() >= saved,
                 qPrintable(QString("saved %1 chars, found %2").arg(saved).arg(messages[1].content.size())));
        QVERIFY(messages[1].content.startsWith("word0 word1 "));
    }
};

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc >= 3 && std::strcmp(argv[1], "--child-writer") == 0) return childWriter(QString::fromLocal8Bit(argv[2]));
    TestAppCrash test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_app_crash.moc"
