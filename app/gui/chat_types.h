// Plain value types shared by the store, the list models and the controller. Ids are
// UUID strings made by the app (not database row ids) so a message that could not be
// written yet (disk full) has the same identity in memory and, later, on disk.
#pragma once
#include <QDateTime>
#include <QString>
#include <QUuid>

namespace kinglet::app {

enum class MessageState { Complete, Generating, Interrupted, Error };

QString messageStateName(MessageState s);
MessageState messageStateFromName(const QString& name);  // unknown -> Complete

inline QString newId() { return QUuid::createUuid().toString(QUuid::WithoutBraces); }

struct Conversation {
    QString id;
    QString title;
    QString systemPrompt;
    QDateTime createdAt;
    QDateTime updatedAt;  // last activity: sorts the list
};

struct Message {
    QString id;
    QString conversationId;
    int position = 0;  // order inside the conversation
    QString role;      // "system" | "user" | "assistant"
    QString content;
    MessageState state = MessageState::Complete;
    QDateTime createdAt;
    QString meta;  // JSON: model, tokens/s, error text ... (free-form, shown in the UI)
};

}  // namespace kinglet::app
