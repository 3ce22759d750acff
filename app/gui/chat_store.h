// Chats on disk: one SQLite database (chats.sqlite, WAL mode) through Qt SQL. Every
// write is its own transaction, so a crash or kill -9 loses at most the text streamed
// since the last save. Nothing here throws; failures come back as false + lastError()
// so the caller can keep the data in memory and tell the user.
#pragma once
#include <QSqlDatabase>
#include <QString>
#include <QVector>
#include <optional>

#include "chat_types.h"

namespace kinglet::app {

class ChatStore {
public:
    enum class OpenStatus {
        Ok,        // read-write
        ReadOnly,  // opened, but the file or folder is not writable (or asked for)
        Locked,    // another program holds the write lock
        Corrupt,   // not a database, or the integrity check failed
        TooNew,    // written by a newer Kinglet (opened read-only)
        Failed,    // could not be opened at all (see lastError)
    };
    // How hard a commit insists on reaching the disk. Partial text saved while
    // streaming only has to survive a crash of the app (WAL + NORMAL); finished
    // messages must survive a power cut too (FULL: fsync on commit).
    enum class Durability { Relaxed, Full };

    ChatStore();
    ~ChatStore();
    ChatStore(const ChatStore&) = delete;
    ChatStore& operator=(const ChatStore&) = delete;

    OpenStatus open(const QString& path, bool readOnly = false);
    void close();
    bool isOpen() const { return db_.isValid() && db_.isOpen(); }
    bool isReadOnly() const { return readOnly_; }
    QString path() const { return path_; }
    QString lastError() const { return error_; }
    static QString describe(OpenStatus status);

    // Renames a broken database (and its -wal/-shm files) to "<name>.corrupt-<time>" so a
    // fresh one can be created; nothing is deleted. Returns the new name, empty on failure.
    QString moveAside();

    // Conversations not deleted, most recent activity first. A non-empty filter keeps
    // those whose title or any message contains it (case-insensitive for ASCII).
    QVector<Conversation> conversations(const QString& filter = {});
    std::optional<Conversation> conversation(const QString& id);
    QVector<Message> messages(const QString& conversationId);

    bool saveConversation(const Conversation& c);  // insert or update
    bool saveMessage(const Message& m, Durability d = Durability::Full);
    bool deleteMessagesFrom(const QString& conversationId, int fromPosition);  // position >= from
    bool setDeleted(const QString& conversationId, bool deleted);  // soft delete / undo
    bool purgeDeleted();  // really removes soft-deleted conversations
    // After a crash, answers left "generating" become "interrupted". Returns how many.
    int markInterrupted();

private:
    bool exec(const QString& sql);
    bool fail(const QString& what, const QString& why);
    bool setSynchronous(Durability d);

    QString connection_;
    QSqlDatabase db_;
    QString path_;
    QString error_;
    bool readOnly_ = false;
    Durability durability_ = Durability::Full;
};

}  // namespace kinglet::app
