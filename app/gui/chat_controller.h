// What the QML window talks to: the open conversation, sending and streaming answers,
// the conversation list, and the problems to show (storage, errors, context notices).
// It holds no engine state itself: generation goes through InferenceEngine (its own
// thread) and every change is written through WriteQueue (never lost, retried).
// Conversation management is in chat_controller.cpp, generation in chat_generation.cpp.
#pragma once
#include <QObject>
#include <QTimer>
#include <optional>

#include "chat_store.h"
#include "chat_types.h"
#include "conversation_list_model.h"
#include "inference_worker.h"
#include "message_list_model.h"

namespace kinglet::app {

class AppSettings;
class ModelManager;
class WriteQueue;

class ChatController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QObject* conversations READ conversations CONSTANT)
    Q_PROPERTY(QObject* messages READ messages CONSTANT)
    Q_PROPERTY(QString currentId READ currentId NOTIFY currentChanged)
    Q_PROPERTY(QString currentTitle READ currentTitle NOTIFY currentChanged)
    Q_PROPERTY(QString systemPrompt READ systemPrompt WRITE setSystemPrompt NOTIFY currentChanged)
    Q_PROPERTY(QString searchText READ searchText WRITE setSearchText NOTIFY searchTextChanged)
    Q_PROPERTY(bool generating READ generating NOTIFY generatingChanged)
    Q_PROPERTY(bool canRegenerate READ canRegenerate NOTIFY generatingChanged)
    Q_PROPERTY(double tokensPerSecond READ tokensPerSecond NOTIFY statsChanged)
    Q_PROPERTY(int contextUsed READ contextUsed NOTIFY statsChanged)
    Q_PROPERTY(QString notice READ notice NOTIFY noticeChanged)  // e.g. older turns left out
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorChanged)  // the red banner
    Q_PROPERTY(QString storageProblem READ storageProblem NOTIFY storageChanged)  // "" | locked | corrupt | ...
    Q_PROPERTY(QString storageMessage READ storageMessage NOTIFY storageChanged)
    Q_PROPERTY(bool storageReadOnly READ storageReadOnly NOTIFY storageChanged)
    Q_PROPERTY(QString undoTitle READ undoTitle NOTIFY undoChanged)  // non-empty: "Undo" is offered

public:
    ChatController(ChatStore& store, InferenceEngine& engine, ModelManager& model, AppSettings& settings,
                   QObject* parent = nullptr);
    ~ChatController() override;

    QObject* conversations() { return &conversations_; }
    QObject* messages() { return &messages_; }
    ConversationListModel& conversationModel() { return conversations_; }
    MessageListModel& messageModel() { return messages_; }
    QString currentId() const { return current_ ? current_->id : QString(); }
    QString currentTitle() const;
    QString systemPrompt() const;
    QString searchText() const { return search_; }
    bool generating() const { return genId_ != 0; }
    bool canRegenerate() const;
    double tokensPerSecond() const { return tokensPerSecond_; }
    int contextUsed() const { return contextUsed_; }
    QString notice() const { return notice_; }
    QString errorText() const;
    QString storageProblem() const { return storageProblem_; }
    QString storageMessage() const { return storageMessage_; }
    bool storageReadOnly() const { return store_.isReadOnly(); }
    QString undoTitle() const { return deleted_ ? deleted_->title : QString(); }
    int pendingWrites() const;

    // Opens the store at `path` and loads the conversation list. The result shows in
    // storageProblem/storageMessage; the window offers the ways out below.
    void openStore(const QString& path);
    Q_INVOKABLE void openStoreReadOnly();
    Q_INVOKABLE void moveStoreAsideAndStartFresh();
    Q_INVOKABLE void retryStore();

    Q_INVOKABLE void newConversation();
    Q_INVOKABLE void selectConversation(const QString& id);
    Q_INVOKABLE void renameConversation(const QString& id, const QString& title);
    Q_INVOKABLE void deleteConversation(const QString& id);
    Q_INVOKABLE void undoDelete();
    void setSystemPrompt(const QString& text);
    void setSearchText(const QString& text);

    Q_INVOKABLE bool send(const QString& text);
    Q_INVOKABLE void stop();
    Q_INVOKABLE void regenerate();
    Q_INVOKABLE void editAndResend(int row, const QString& text);

    Q_INVOKABLE void copyText(const QString& text);
    Q_INVOKABLE void dismissError();
    // Writes to the Documents folder; returns the file written (empty on failure).
    Q_INVOKABLE QString exportConversation(const QString& id, const QString& format);
    Q_INVOKABLE QString exportAll(const QString& format);
    void setExportFolder(const QString& folder) { exportFolder_ = folder; }

signals:
    void currentChanged();
    void searchTextChanged();
    void generatingChanged();
    void statsChanged();
    void noticeChanged();
    void errorChanged();
    void storageChanged();
    void undoChanged();
    void answerFinished();  // after an answer completes, stops or fails (tests, --smoke-test)
    void info(const QString& text);  // a passing message for the window ("Exported to ...")

private:
    void reloadList();
    void loadMessages();
    void touchCurrent();  // last activity = now; re-sorts the list and saves
    void startAnswer();
    void saveStreaming();
    void finishAnswer(MessageState state, const QString& metaJson);
    void setError(const QString& e);
    void setNotice(const QString& n);
    void onText(quint64 id, const QString& text);
    void onFinished(quint64 id, const GenerationStats& stats);
    void onFailed(quint64 id, const QString& error);
    void applyStoreStatus(ChatStore::OpenStatus status);

    ChatStore& store_;
    InferenceEngine& engine_;
    ModelManager& model_;
    AppSettings& settings_;
    WriteQueue* writes_;
    ConversationListModel conversations_;
    MessageListModel messages_;
    std::optional<Conversation> current_;  // empty: a new chat not written yet
    QString draftSystemPrompt_;
    std::optional<Conversation> deleted_;
    QString search_;
    QString storePath_;
    QString storageProblem_, storageMessage_;
    QString error_, notice_;
    QString exportFolder_;

    quint64 genId_ = 0;  // the generation streaming into the last message; 0 = none
    int genRow_ = -1;
    bool genDirty_ = false;
    QTimer streamSave_;  // saves the partial answer while it streams
    double tokensPerSecond_ = 0;
    int contextUsed_ = 0;
};

}  // namespace kinglet::app
