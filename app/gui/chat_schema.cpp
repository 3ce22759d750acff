#include "chat_schema.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QVariant>

namespace kinglet::app::schema {
namespace {

// Step i takes the schema from version i to i + 1. Never edit a released step: add one.
const QStringList& step(int from) {
    static const QList<QStringList> steps = {
        // 0 -> 1: conversations and their messages. Times are milliseconds since the epoch.
        {
            "CREATE TABLE conversations ("
            " id TEXT PRIMARY KEY,"
            " title TEXT NOT NULL,"
            " created_at INTEGER NOT NULL,"
            " updated_at INTEGER NOT NULL,"
            " deleted INTEGER NOT NULL DEFAULT 0)",  // soft delete, so Undo can bring it back
            "CREATE TABLE messages ("
            " id TEXT PRIMARY KEY,"
            " conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
            " position INTEGER NOT NULL,"
            " role TEXT NOT NULL,"
            " content TEXT NOT NULL,"
            " created_at INTEGER NOT NULL,"
            " state TEXT NOT NULL DEFAULT 'complete')",
            "CREATE INDEX messages_by_conversation ON messages(conversation_id, position)",
            "CREATE INDEX conversations_by_activity ON conversations(updated_at)",
        },
        // 1 -> 2: per-conversation system prompt; per-message metadata (model, speed, error).
        {
            "ALTER TABLE conversations ADD COLUMN system_prompt TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE messages ADD COLUMN meta TEXT NOT NULL DEFAULT '{}'",
        },
    };
    return steps.at(from);
}

}  // namespace

int userVersion(QSqlDatabase& db) {
    QSqlQuery q(db);
    if (!q.exec("PRAGMA user_version") || !q.next()) return -1;
    return q.value(0).toInt();
}

bool migrate(QSqlDatabase& db, int target, QString* error) {
    int version = userVersion(db);
    if (version < 0) {
        *error = db.lastError().text();
        return false;
    }
    while (version < target) {
        if (!db.transaction()) {
            *error = db.lastError().text();
            return false;
        }
        QSqlQuery q(db);
        for (const QString& sql : step(version)) {
            if (!q.exec(sql)) {
                *error = QStringLiteral("upgrading the chats database to version %1: %2")
                             .arg(version + 1)
                             .arg(q.lastError().text());
                db.rollback();
                return false;
            }
        }
        // PRAGMA takes no bound parameters; the value is our own integer.
        if (!q.exec(QStringLiteral("PRAGMA user_version = %1").arg(version + 1)) || !db.commit()) {
            *error = db.lastError().text();
            db.rollback();
            return false;
        }
        ++version;
    }
    return true;
}

}  // namespace kinglet::app::schema
