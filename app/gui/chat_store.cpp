#include "chat_store.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include "chat_schema.h"

namespace kinglet::app {

QString messageStateName(MessageState s) {
    switch (s) {
        case MessageState::Complete: return QStringLiteral("complete");
        case MessageState::Generating: return QStringLiteral("generating");
        case MessageState::Interrupted: return QStringLiteral("interrupted");
        case MessageState::Error: return QStringLiteral("error");
    }
    return QStringLiteral("complete");
}

MessageState messageStateFromName(const QString& name) {
    if (name == QLatin1String("generating")) return MessageState::Generating;
    if (name == QLatin1String("interrupted")) return MessageState::Interrupted;
    if (name == QLatin1String("error")) return MessageState::Error;
    return MessageState::Complete;
}

namespace {

qint64 toMs(const QDateTime& t) { return t.isValid() ? t.toMSecsSinceEpoch() : 0; }
QDateTime fromMs(qint64 ms) { return QDateTime::fromMSecsSinceEpoch(ms); }

bool isLockError(const QSqlError& e) {
    // SQLITE_BUSY (5) / SQLITE_LOCKED (6)
    return e.nativeErrorCode() == QLatin1String("5") || e.nativeErrorCode() == QLatin1String("6") ||
           e.text().contains(QLatin1String("locked"), Qt::CaseInsensitive);
}

bool isCorruptError(const QSqlError& e) {
    // SQLITE_CORRUPT (11) / SQLITE_NOTADB (26)
    return e.nativeErrorCode() == QLatin1String("11") || e.nativeErrorCode() == QLatin1String("26") ||
           e.text().contains(QLatin1String("not a database"), Qt::CaseInsensitive) ||
           e.text().contains(QLatin1String("malformed"), Qt::CaseInsensitive);
}

// Escapes LIKE wildcards so a search for "50%" finds "50%".
QString likePattern(const QString& text) {
    QString s = text;
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    return '%' + s + '%';
}

}  // namespace

ChatStore::ChatStore() : connection_(QStringLiteral("kinglet-chats-") + newId()) {}

ChatStore::~ChatStore() { close(); }

void ChatStore::close() {
    if (db_.isValid()) {
        db_.close();
        db_ = QSqlDatabase();
        QSqlDatabase::removeDatabase(connection_);
    }
}

QString ChatStore::describe(OpenStatus status) {
    switch (status) {
        case OpenStatus::Ok: return {};
        case OpenStatus::ReadOnly:
            return QObject::tr("The chats database is read-only: new messages will not be saved.");
        case OpenStatus::Locked:
            return QObject::tr("The chats database is locked by another program (is Kinglet already running?). "
                               "Try again once it is closed, or open it read-only.");
        case OpenStatus::Corrupt:
            return QObject::tr("The chats database is damaged. Nothing was deleted: move it aside (it is kept "
                               "next to the new one) and start fresh.");
        case OpenStatus::TooNew:
            return QObject::tr("The chats database was written by a newer Kinglet; it is open read-only.");
        case OpenStatus::Failed:
            return QObject::tr("The chats database could not be opened; new chats are not saved until this is solved.");
    }
    return {};
}

bool ChatStore::fail(const QString& what, const QString& why) {
    error_ = what + QStringLiteral(": ") + why;
    return false;
}

bool ChatStore::exec(const QString& sql) {
    QSqlQuery q(db_);
    if (!q.exec(sql)) return fail(sql, q.lastError().text());
    return true;
}

ChatStore::OpenStatus ChatStore::open(const QString& path, bool readOnly) {
    close();
    path_ = path;
    error_.clear();
    const QFileInfo info(path);
    QDir().mkpath(info.absolutePath());
    // Read-only when asked, or when we could not write anyway: better than failing later.
    const bool writable = info.exists() ? info.isWritable() : QFileInfo(info.absolutePath()).isWritable();
    readOnly_ = readOnly || !writable;
    if (readOnly_ && !info.exists()) {
        error_ = QObject::tr("%1 does not exist and its folder is not writable").arg(path);
        return OpenStatus::Failed;
    }

    db_ = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection_);
    db_.setDatabaseName(path);
    db_.setConnectOptions(readOnly_ ? QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=500")
                                    : QStringLiteral("QSQLITE_BUSY_TIMEOUT=500"));
    if (!db_.open()) {
        error_ = db_.lastError().text();
        close();
        return OpenStatus::Failed;
    }

    // SQLite opens lazily: the first real read tells whether the file is a database.
    QSqlQuery q(db_);
    if (!q.exec(QStringLiteral("PRAGMA quick_check")) || !q.next()) {
        const QSqlError e = q.lastError();
        error_ = e.text();
        if (isLockError(e)) return OpenStatus::Locked;
        return isCorruptError(e) ? OpenStatus::Corrupt : OpenStatus::Failed;
    }
    if (q.value(0).toString() != QLatin1String("ok")) {
        error_ = q.value(0).toString();
        return OpenStatus::Corrupt;
    }
    q.finish();

    const int version = schema::userVersion(db_);
    if (version > schema::kCurrentVersion) {
        error_ = QObject::tr("schema version %1, this Kinglet knows %2").arg(version).arg(schema::kCurrentVersion);
        if (!readOnly_) return open(path, true) == OpenStatus::TooNew ? OpenStatus::TooNew : OpenStatus::Failed;
        return OpenStatus::TooNew;
    }
    if (readOnly_) {
        if (version != schema::kCurrentVersion && version != 0) {
            error_ = QObject::tr("it needs an upgrade, which a read-only file does not allow");
            return OpenStatus::Failed;
        }
        return OpenStatus::ReadOnly;
    }

    // WAL: readers never block the writer and a crash mid-write leaves the last commit intact.
    exec(QStringLiteral("PRAGMA foreign_keys = ON"));
    QSqlQuery wal(db_);
    if (!wal.exec(QStringLiteral("PRAGMA journal_mode = WAL"))) {
        error_ = wal.lastError().text();
        return isLockError(wal.lastError()) ? OpenStatus::Locked : OpenStatus::Failed;
    }
    wal.finish();
    durability_ = Durability::Relaxed;
    setSynchronous(Durability::Full);
    // Take the write lock once now, so "locked by another program" shows at start and
    // not as a failed save in the middle of a chat.
    if (!db_.transaction()) {
        error_ = db_.lastError().text();
        return isLockError(db_.lastError()) ? OpenStatus::Locked : OpenStatus::Failed;
    }
    QSqlQuery probe(db_);
    if (!probe.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS kinglet_lock_probe(x)")) ||
        !probe.exec(QStringLiteral("DROP TABLE kinglet_lock_probe"))) {
        error_ = probe.lastError().text();
        db_.rollback();
        return isLockError(probe.lastError()) ? OpenStatus::Locked : OpenStatus::Failed;
    }
    probe.finish();
    if (!db_.commit()) {
        error_ = db_.lastError().text();
        db_.rollback();
        return isLockError(db_.lastError()) ? OpenStatus::Locked : OpenStatus::Failed;
    }
    QString why;
    if (!schema::migrate(db_, schema::kCurrentVersion, &why)) {
        error_ = why;
        return OpenStatus::Failed;
    }
    return OpenStatus::Ok;
}

QString ChatStore::moveAside() {
    const QString path = path_;
    close();
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss"));
    const QString target = path + QStringLiteral(".corrupt-") + stamp;
    if (QFile::exists(path) && !QFile::rename(path, target)) {
        error_ = QObject::tr("could not rename %1").arg(path);
        return {};
    }
    for (const char* suffix : {"-wal", "-shm"}) {
        if (QFile::exists(path + suffix)) QFile::rename(path + suffix, target + suffix);
    }
    return target;
}

bool ChatStore::setSynchronous(Durability d) {
    if (d == durability_) return true;
    durability_ = d;
    return exec(d == Durability::Full ? QStringLiteral("PRAGMA synchronous = FULL")
                                      : QStringLiteral("PRAGMA synchronous = NORMAL"));
}

QVector<Conversation> ChatStore::conversations(const QString& filter) {
    QVector<Conversation> out;
    if (!isOpen()) return out;
    QSqlQuery q(db_);
    QString sql = QStringLiteral(
        "SELECT id, title, system_prompt, created_at, updated_at FROM conversations c WHERE deleted = 0");
    if (!filter.isEmpty()) {
        sql += QStringLiteral(
            " AND (title LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m"
            " WHERE m.conversation_id = c.id AND m.content LIKE ? ESCAPE '\\'))");
    }
    sql += QStringLiteral(" ORDER BY updated_at DESC, created_at DESC");
    q.prepare(sql);
    if (!filter.isEmpty()) {
        q.addBindValue(likePattern(filter));
        q.addBindValue(likePattern(filter));
    }
    if (!q.exec()) {
        fail(QStringLiteral("listing conversations"), q.lastError().text());
        return out;
    }
    while (q.next()) {
        out.push_back({q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
                       fromMs(q.value(3).toLongLong()), fromMs(q.value(4).toLongLong())});
    }
    return out;
}

std::optional<Conversation> ChatStore::conversation(const QString& id) {
    if (!isOpen()) return std::nullopt;
    QSqlQuery q(db_);
    q.prepare(QStringLiteral(
        "SELECT id, title, system_prompt, created_at, updated_at FROM conversations WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next()) return std::nullopt;
    return Conversation{q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
                        fromMs(q.value(3).toLongLong()), fromMs(q.value(4).toLongLong())};
}

QVector<Message> ChatStore::messages(const QString& conversationId) {
    QVector<Message> out;
    if (!isOpen()) return out;
    QSqlQuery q(db_);
    q.prepare(QStringLiteral("SELECT id, position, role, content, state, created_at, meta FROM messages"
                             " WHERE conversation_id = ? ORDER BY position"));
    q.addBindValue(conversationId);
    if (!q.exec()) {
        fail(QStringLiteral("reading messages"), q.lastError().text());
        return out;
    }
    while (q.next()) {
        Message m;
        m.id = q.value(0).toString();
        m.conversationId = conversationId;
        m.position = q.value(1).toInt();
        m.role = q.value(2).toString();
        m.content = q.value(3).toString();
        m.state = messageStateFromName(q.value(4).toString());
        m.createdAt = fromMs(q.value(5).toLongLong());
        m.meta = q.value(6).toString();
        out.push_back(m);
    }
    return out;
}

// A null QString binds as SQL NULL; COALESCE turns the empty texts back into ''.
bool ChatStore::saveConversation(const Conversation& c) {
    if (!isOpen()) return fail(QStringLiteral("saving"), QObject::tr("no database open"));
    if (readOnly_) return fail(QStringLiteral("saving"), QObject::tr("the database is read-only"));
    setSynchronous(Durability::Full);
    QSqlQuery q(db_);
    q.prepare(QStringLiteral(
        "INSERT INTO conversations (id, title, system_prompt, created_at, updated_at)"
        " VALUES (?, COALESCE(?, ''), COALESCE(?, ''), ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET title = excluded.title, system_prompt = excluded.system_prompt,"
        " updated_at = excluded.updated_at"));
    q.addBindValue(c.id);
    q.addBindValue(c.title);
    q.addBindValue(c.systemPrompt);
    q.addBindValue(toMs(c.createdAt));
    q.addBindValue(toMs(c.updatedAt));
    if (!q.exec()) return fail(QStringLiteral("saving conversation"), q.lastError().text());
    return true;
}

bool ChatStore::saveMessage(const Message& m, Durability d) {
    if (!isOpen()) return fail(QStringLiteral("saving"), QObject::tr("no database open"));
    if (readOnly_) return fail(QStringLiteral("saving"), QObject::tr("the database is read-only"));
    setSynchronous(d);
    QSqlQuery q(db_);
    q.prepare(QStringLiteral(
        "INSERT INTO messages (id, conversation_id, position, role, content, state, created_at, meta)"
        " VALUES (?, ?, ?, ?, COALESCE(?, ''), ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET position = excluded.position, content = excluded.content,"
        " state = excluded.state, meta = excluded.meta"));
    q.addBindValue(m.id);
    q.addBindValue(m.conversationId);
    q.addBindValue(m.position);
    q.addBindValue(m.role);
    q.addBindValue(m.content);
    q.addBindValue(messageStateName(m.state));
    q.addBindValue(toMs(m.createdAt));
    q.addBindValue(m.meta.isEmpty() ? QStringLiteral("{}") : m.meta);
    if (!q.exec()) return fail(QStringLiteral("saving message"), q.lastError().text());
    return true;
}

bool ChatStore::deleteMessagesFrom(const QString& conversationId, int fromPosition) {
    if (!isOpen() || readOnly_) return fail(QStringLiteral("deleting messages"), QObject::tr("not writable"));
    setSynchronous(Durability::Full);
    QSqlQuery q(db_);
    q.prepare(QStringLiteral("DELETE FROM messages WHERE conversation_id = ? AND position >= ?"));
    q.addBindValue(conversationId);
    q.addBindValue(fromPosition);
    if (!q.exec()) return fail(QStringLiteral("deleting messages"), q.lastError().text());
    return true;
}

bool ChatStore::setDeleted(const QString& conversationId, bool deleted) {
    if (!isOpen() || readOnly_) return fail(QStringLiteral("deleting"), QObject::tr("not writable"));
    setSynchronous(Durability::Full);
    QSqlQuery q(db_);
    q.prepare(QStringLiteral("UPDATE conversations SET deleted = ? WHERE id = ?"));
    q.addBindValue(deleted ? 1 : 0);
    q.addBindValue(conversationId);
    if (!q.exec()) return fail(QStringLiteral("deleting conversation"), q.lastError().text());
    return true;
}

bool ChatStore::purgeDeleted() {
    if (!isOpen() || readOnly_) return false;
    setSynchronous(Durability::Full);
    // Messages go through ON DELETE CASCADE; done explicitly as well in case an old file
    // was written with foreign keys off.
    return exec(QStringLiteral(
               "DELETE FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE deleted = 1)")) &&
           exec(QStringLiteral("DELETE FROM conversations WHERE deleted = 1"));
}

int ChatStore::markInterrupted() {
    if (!isOpen() || readOnly_) return 0;
    QSqlQuery q(db_);
    if (!q.exec(QStringLiteral("UPDATE messages SET state = 'interrupted' WHERE state = 'generating'"))) {
        fail(QStringLiteral("marking interrupted answers"), q.lastError().text());
        return 0;
    }
    return q.numRowsAffected();
}

}  // namespace kinglet::app
