// The writing assistant: takes text from the clipboard (or the X11 primary selection,
// or what the user pastes/drops), applies an action's prompt with the loaded model and
// streams the result into a small always-on-top window.
//
// Text longer than the context goes map-reduce, planned by the engine's
// assist::MapReduce (the same plan kinglet-cli summarize follows): a pool thread counts
// tokens with the model's tokenizer and splits the text; each part is summarised on the
// engine thread (progress "Part 3 of 7"), and the summaries again until they fit, then
// the action runs on them. The GUI thread only reacts to signals: it never tokenizes or
// waits on the engine.
#pragma once
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QThreadPool>
#include <atomic>
#include <memory>
#include <mutex>

#include "assist/map_reduce.h"
#include "assistant_actions.h"
#include "inference_worker.h"

class QQmlEngine;
#include <QQuickWindow>

namespace kinglet {
class GgufFile;
class Tokenizer;
}

namespace kinglet::app {

class AppSettings;
class ChatController;
class GlobalShortcutPortal;
class ChatStore;
class ModelManager;

class AssistantController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString sourceText READ sourceText WRITE setSourceText NOTIFY sourceTextChanged)
    Q_PROPERTY(QString result READ result NOTIFY resultChanged)
    Q_PROPERTY(QString actionId READ actionId WRITE setActionId NOTIFY actionChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY stateChanged)
    Q_PROPERTY(QString status READ status NOTIFY stateChanged)    // "Part 3 of 7", "Done", ...
    Q_PROPERTY(QString message READ message NOTIFY stateChanged)  // a problem to show: empty clipboard, no model
    Q_PROPERTY(int part READ part NOTIFY stateChanged)
    Q_PROPERTY(int partCount READ partCount NOTIFY stateChanged)
    Q_PROPERTY(bool selectionAvailable READ selectionAvailable CONSTANT)  // X11 primary selection
    // The desktop's global shortcuts (XDG portal where there is one): register a key for
    // Summarize, or how to bind `kinglet --action summarize` by hand.
    Q_PROPERTY(QObject* globalShortcut READ globalShortcutObject CONSTANT)

public:
    AssistantController(InferenceEngine& engine, ModelManager& model, AppSettings& settings, AssistantActions& actions,
                        ChatController& chat, ChatStore& store, QObject* parent = nullptr);
    ~AssistantController() override;

    QString sourceText() const { return source_; }
    void setSourceText(const QString& t);
    QString result() const { return result_; }
    QString actionId() const { return actionId_; }
    void setActionId(const QString& id);
    bool busy() const { return busy_; }
    QString status() const { return status_; }
    QString message() const { return message_; }
    int part() const { return part_; }
    int partCount() const { return partCount_; }
    bool selectionAvailable() const;
    GlobalShortcutPortal& globalShortcut() { return *shortcut_; }
    QObject* globalShortcutObject() const;

    // "clipboard", "selection" or "auto" (the selection when the user prefers it).
    // False (and a message) for an empty or non-text clipboard.
    Q_INVOKABLE bool loadFrom(const QString& source = QStringLiteral("auto"));
    Q_INVOKABLE void run(const QString& actionId = QString());  // on sourceText
    Q_INVOKABLE void retry() { run(actionId_); }
    Q_INVOKABLE void stop();
    Q_INVOKABLE void copyResult();
    Q_INVOKABLE void replaceClipboard();
    Q_INVOKABLE bool openInChat();

    // A request from the tray, the command line or another instance: action by id or
    // name, from "clipboard" | "selection" | "stdin" | "auto"; text is used for stdin.
    // Shows the window, loads the source and runs.
    void handleRequest(const QString& action, const QString& from, const QString& text);

    // The window (qrc:/Kinglet/Ui/AssistantWindow.qml) is made on first show.
    void setQmlEngine(QQmlEngine* qml) { qml_ = qml; }
    void setMainWindow(QQuickWindow* w) { mainWindow_ = w; }
    Q_INVOKABLE void show();
    QQuickWindow* window() const { return window_; }

    // Test hooks: the part budget the splitter uses when non-zero (tokens).
    void setPartBudgetForTests(int tokens) { testBudget_ = tokens; }

signals:
    void sourceTextChanged();
    void resultChanged();
    void actionChanged();
    void stateChanged();
    void progress(int part, int count);
    void finished();  // a run completed (not when it failed or was stopped)
    void failed(const QString& message);
    void openedInChat(const QString& conversationId);

private:
    struct Prepared;
    void setState(bool busy, const QString& status, const QString& message = QString());
    void setProgress(int part, int count, int round);
    void begin();
    void advance(const assist::MapReduceStep& step);
    void split(const std::string& text, int round);
    void onSplit(quint64 job, const std::shared_ptr<Prepared>& p);
    void generate(const QString& prompt, int maxTokens);
    void onText(quint64 id, const QString& text);
    void onFinished(quint64 id, const GenerationStats& stats);
    void onFailed(quint64 id, const QString& error);
    void fail(const QString& message);
    int userMaxTokens() const;

    InferenceEngine& engine_;
    ModelManager& model_;
    AppSettings& settings_;
    AssistantActions& actions_;
    ChatController& chat_;
    ChatStore& store_;
    QQmlEngine* qml_ = nullptr;
    QPointer<QQuickWindow> window_;
    QPointer<QQuickWindow> mainWindow_;

    QString source_, result_, actionId_ = QStringLiteral("summarize"), status_, message_;
    bool busy_ = false;
    int part_ = 0, partCount_ = 0;

    // The run in progress: the plan, the step under way and its answer so far.
    AssistantAction action_;
    std::shared_ptr<assist::MapReduce> plan_;
    assist::MapReduceStep step_;
    QString answer_;
    quint64 job_ = 0;    // the split whose answer counts
    quint64 genId_ = 0;  // the generation whose text counts
    QString lastPrompt_;
    int testBudget_ = 0;
    GlobalShortcutPortal* shortcut_ = nullptr;
    bool rebindTried_ = false;
    QMetaObject::Connection waitForModel_;

    // Tokenizer for counting, loaded on the pool thread and kept for the model's path.
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::mutex tokMutex_;
    QString tokPath_;
    std::shared_ptr<GgufFile> tokFile_;
    std::shared_ptr<Tokenizer> tokenizer_;
    QThreadPool pool_;
};

}  // namespace kinglet::app
