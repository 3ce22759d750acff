// Conversations as Markdown or JSON, for the Export menu and backups.
#pragma once
#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QVector>

#include "chat_types.h"

namespace kinglet::app {

QString conversationToMarkdown(const Conversation& c, const QVector<Message>& messages);
QJsonObject conversationToJson(const Conversation& c, const QVector<Message>& messages);
// A file name made from the title, safe on every file system.
QString exportFileName(const Conversation& c, const QString& extension);
// Atomic write (QSaveFile): the file is either the old one or the complete new one.
bool writeFileAtomically(const QString& path, const QByteArray& bytes, QString* error);

}  // namespace kinglet::app
