// Writes to the chat store in order and never drops one: a write that fails (disk
// full, read-only file, locked database) stays queued with every later write behind
// it, the data stays in memory, error() says why, and the queue retries every few
// seconds. Writes of the same thing (a message saved again while it streams) replace
// the queued one instead of piling up.
#pragma once
#include <QObject>
#include <QTimer>
#include <deque>
#include <functional>

#include "chat_store.h"

namespace kinglet::app {

class WriteQueue : public QObject {
    Q_OBJECT
public:
    explicit WriteQueue(ChatStore& store, QObject* parent = nullptr);

    void saveConversation(const Conversation& c);
    void saveMessage(const Message& m, ChatStore::Durability d = ChatStore::Durability::Full);
    void deleteMessagesFrom(const QString& conversationId, int position);
    void setDeleted(const QString& conversationId, bool deleted);

    int pending() const { return static_cast<int>(ops_.size()); }
    QString error() const { return error_; }
    void setRetryInterval(int ms) { retry_.setInterval(ms); }
    void clear();  // forget queued writes (the store was replaced)

public slots:
    bool flush();  // true when everything is written

signals:
    void errorChanged();

private:
    struct Op {
        QString key;  // same key: the newer write replaces the queued one
        std::function<bool(ChatStore&)> run;
    };
    void enqueue(QString key, std::function<bool(ChatStore&)> run);
    void setError(const QString& e);

    ChatStore& store_;
    std::deque<Op> ops_;
    QString error_;
    QTimer retry_;
};

}  // namespace kinglet::app
