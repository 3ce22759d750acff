#include "write_queue.h"

namespace kinglet::app {

WriteQueue::WriteQueue(ChatStore& store, QObject* parent) : QObject(parent), store_(store) {
    retry_.setInterval(5000);
    retry_.setSingleShot(true);
    connect(&retry_, &QTimer::timeout, this, &WriteQueue::flush);
}

void WriteQueue::enqueue(QString key, std::function<bool(ChatStore&)> run) {
    if (!key.isEmpty()) {
        for (Op& op : ops_) {
            if (op.key == key) {
                op.run = std::move(run);
                flush();
                return;
            }
        }
    }
    ops_.push_back({std::move(key), std::move(run)});
    flush();
}

void WriteQueue::saveConversation(const Conversation& c) {
    enqueue(QStringLiteral("c:") + c.id, [c](ChatStore& s) { return s.saveConversation(c); });
}

void WriteQueue::saveMessage(const Message& m, ChatStore::Durability d) {
    enqueue(QStringLiteral("m:") + m.id, [m, d](ChatStore& s) { return s.saveMessage(m, d); });
}

void WriteQueue::deleteMessagesFrom(const QString& conversationId, int position) {
    enqueue({}, [conversationId, position](ChatStore& s) { return s.deleteMessagesFrom(conversationId, position); });
}

void WriteQueue::setDeleted(const QString& conversationId, bool deleted) {
    enqueue({}, [conversationId, deleted](ChatStore& s) { return s.setDeleted(conversationId, deleted); });
}

void WriteQueue::clear() {
    ops_.clear();
    retry_.stop();
    setError({});
}

bool WriteQueue::flush() {
    while (!ops_.empty()) {
        if (!ops_.front().run(store_)) {
            setError(store_.lastError());
            retry_.start();
            return false;
        }
        ops_.pop_front();
    }
    setError({});
    return true;
}

void WriteQueue::setError(const QString& e) {
    if (e == error_) return;
    error_ = e;
    emit errorChanged();
}

}  // namespace kinglet::app
