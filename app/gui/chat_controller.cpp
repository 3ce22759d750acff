#include "chat_controller.h"

#include <QClipboard>
#include <QDir>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalBlocker>
#include <QStandardPaths>

#include "app_settings.h"
#include "chat_export.h"
#include "model_manager.h"
#include "write_queue.h"

namespace kinglet::app {

ChatController::ChatController(ChatStore& store, InferenceEngine& engine, ModelManager& model, AppSettings& settings,
                               QObject* parent)
    : QObject(parent),
      store_(store),
      engine_(engine),
      model_(model),
      settings_(settings),
      writes_(new WriteQueue(store, this)),
      exportFolder_(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation) + QStringLiteral("/Kinglet")) {
    connect(writes_, &WriteQueue::errorChanged, this, &ChatController::errorChanged);
    connect(&engine_, &InferenceEngine::textReady, this, &ChatController::onText);
    connect(&engine_, &InferenceEngine::generationFinished, this, &ChatController::onFinished);
    connect(&engine_, &InferenceEngine::generationFailed, this, &ChatController::onFailed);
    // Partial answers reach the disk at least once a second while they stream.
    streamSave_.setInterval(1000);
    connect(&streamSave_, &QTimer::timeout, this, &ChatController::saveStreaming);
}

ChatController::~ChatController() {
    // No signals from a half-destroyed controller: whoever listens may be going too.
    const QSignalBlocker quiet(this);
    if (genId_) {
        engine_.stop();
        // Written as interrupted: the answer will not be finished after we quit.
        finishAnswer(MessageState::Interrupted, QStringLiteral("{\"stopped\":true}"));
    }
    writes_->flush();
}

int ChatController::pendingWrites() const { return writes_->pending(); }

QString ChatController::errorText() const {
    if (!writes_->error().isEmpty()) {
        return tr("Could not save your chats (%1). Nothing is lost yet: they stay in memory and saving is retried.")
            .arg(writes_->error());
    }
    return error_;
}

void ChatController::setError(const QString& e) {
    error_ = e;
    emit errorChanged();
}

void ChatController::dismissError() { setError({}); }

void ChatController::setNotice(const QString& n) {
    if (n == notice_) return;
    notice_ = n;
    emit noticeChanged();
}

// ---- storage -------------------------------------------------------------------

void ChatController::openStore(const QString& path) {
    storePath_ = path;
    writes_->clear();
    applyStoreStatus(store_.open(path));
}

void ChatController::applyStoreStatus(ChatStore::OpenStatus status) {
    using S = ChatStore::OpenStatus;
    static const char* names[] = {"", "readOnly", "locked", "corrupt", "tooNew", "failed"};
    storageProblem_ = QString::fromLatin1(names[static_cast<int>(status)]);
    storageMessage_ = status == S::Ok ? QString()
                                      : ChatStore::describe(status) + QStringLiteral(" (") + store_.lastError() + ')';
    if (status == S::Ok) {
        // A "generating" answer at start means the last run ended mid-answer (crash, kill).
        store_.markInterrupted();
        store_.purgeDeleted();  // deletions the user did not undo last time
    }
    emit storageChanged();
    current_.reset();
    reloadList();
    if (conversations_.rowCount() > 0) {
        selectConversation(conversations_.idAt(0));
    } else {
        newConversation();
    }
}

void ChatController::openStoreReadOnly() {
    writes_->clear();
    const auto status = store_.open(storePath_, true);
    applyStoreStatus(status == ChatStore::OpenStatus::ReadOnly ? ChatStore::OpenStatus::ReadOnly : status);
}

void ChatController::moveStoreAsideAndStartFresh() {
    if (!store_.isOpen()) store_.open(storePath_, true);  // moveAside() needs the path
    const QString aside = store_.moveAside();
    if (aside.isEmpty()) {
        setError(tr("Could not move the chats database aside: %1").arg(store_.lastError()));
        return;
    }
    openStore(storePath_);
    emit info(tr("The old chats database was kept as %1").arg(aside));
}

void ChatController::retryStore() { openStore(storePath_); }

// ---- conversations -------------------------------------------------------------

void ChatController::reloadList() {
    auto list = store_.conversations(search_);
    // A conversation only in memory (its save failed) must not vanish from the list.
    if (current_ && search_.isEmpty() && !store_.conversation(current_->id)) list.push_back(*current_);
    conversations_.setConversations(std::move(list));
}

QString ChatController::currentTitle() const { return current_ ? current_->title : tr("New chat"); }

QString ChatController::systemPrompt() const { return current_ ? current_->systemPrompt : draftSystemPrompt_; }

void ChatController::setSystemPrompt(const QString& text) {
    if (text == systemPrompt()) return;
    if (current_) {
        current_->systemPrompt = text;
        writes_->saveConversation(*current_);
        conversations_.upsert(*current_);
    } else {
        draftSystemPrompt_ = text;
    }
    emit currentChanged();
}

void ChatController::setSearchText(const QString& text) {
    if (text == search_) return;
    search_ = text;
    reloadList();
    emit searchTextChanged();
}

void ChatController::newConversation() {
    stop();
    current_.reset();
    draftSystemPrompt_.clear();
    messages_.clear();
    setNotice({});
    emit currentChanged();
    emit generatingChanged();
}

void ChatController::selectConversation(const QString& id) {
    if (current_ && current_->id == id) return;
    const Conversation* c = conversations_.find(id);
    if (!c) return;
    stop();
    current_ = *c;
    loadMessages();
    setNotice({});
    emit currentChanged();
    emit generatingChanged();
}

void ChatController::loadMessages() {
    QVector<Message> list = current_ ? store_.messages(current_->id) : QVector<Message>{};
    for (Message& m : list) {
        // Read-only stores cannot be fixed up on disk: show it right in memory.
        if (m.state == MessageState::Generating) m.state = MessageState::Interrupted;
    }
    messages_.setMessages(std::move(list));
}

void ChatController::renameConversation(const QString& id, const QString& title) {
    const QString t = title.simplified();
    const Conversation* c = conversations_.find(id);
    if (!c || t.isEmpty()) return;
    Conversation changed = *c;
    changed.title = t;
    conversations_.upsert(changed);
    writes_->saveConversation(changed);
    if (current_ && current_->id == id) {
        current_->title = t;
        emit currentChanged();
    }
}

void ChatController::deleteConversation(const QString& id) {
    const Conversation* c = conversations_.find(id);
    if (!c) return;
    deleted_ = *c;
    writes_->setDeleted(id, true);  // soft delete: Undo restores it, the next start purges it
    conversations_.remove(id);
    if (current_ && current_->id == id) newConversation();
    emit undoChanged();
}

void ChatController::undoDelete() {
    if (!deleted_) return;
    writes_->setDeleted(deleted_->id, false);
    conversations_.upsert(*deleted_);
    const QString id = deleted_->id;
    deleted_.reset();
    emit undoChanged();
    selectConversation(id);
}

void ChatController::touchCurrent() {
    if (!current_) return;
    current_->updatedAt = QDateTime::currentDateTime();
    writes_->saveConversation(*current_);
    conversations_.upsert(*current_);
}

// ---- clipboard and export ------------------------------------------------------

void ChatController::copyText(const QString& text) {
    if (auto* cb = QGuiApplication::clipboard()) cb->setText(text);
}

QString ChatController::exportConversation(const QString& id, const QString& format) {
    const Conversation* c = conversations_.find(id);
    if (!c) return {};
    const QVector<Message> list = (current_ && current_->id == id) ? messages_.messages() : store_.messages(id);
    const bool json = format == QLatin1String("json");
    const QByteArray bytes = json ? QJsonDocument(conversationToJson(*c, list)).toJson()
                                  : conversationToMarkdown(*c, list).toUtf8();
    QDir().mkpath(exportFolder_);
    const QString path = exportFolder_ + '/' + exportFileName(*c, json ? QStringLiteral("json") : QStringLiteral("md"));
    QString why;
    if (!writeFileAtomically(path, bytes, &why)) {
        setError(tr("Could not export to %1: %2").arg(path, why));
        return {};
    }
    emit info(tr("Exported to %1").arg(path));
    return path;
}

QString ChatController::exportAll(const QString& format) {
    const bool json = format == QLatin1String("json");
    QJsonArray all;
    QString markdown;
    for (const Conversation& c : store_.conversations()) {
        const QVector<Message> list = store_.messages(c.id);
        if (json) {
            all.append(conversationToJson(c, list));
        } else {
            markdown += conversationToMarkdown(c, list) + QStringLiteral("\n---\n\n");
        }
    }
    QDir().mkpath(exportFolder_);
    const QString path = exportFolder_ + QStringLiteral("/kinglet-chats-") +
                         QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd-hhmmss")) +
                         (json ? QStringLiteral(".json") : QStringLiteral(".md"));
    QString why;
    const QByteArray bytes = json ? QJsonDocument(all).toJson() : markdown.toUtf8();
    if (!writeFileAtomically(path, bytes, &why)) {
        setError(tr("Could not export to %1: %2").arg(path, why));
        return {};
    }
    emit info(tr("Exported to %1").arg(path));
    return path;
}

}  // namespace kinglet::app
