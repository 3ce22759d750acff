#include "assistant_controller.h"

#include <QClipboard>
#include <QCursor>
#include <QDateTime>
#include <QGuiApplication>
#include <QMimeData>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickWindow>
#include <QRegularExpression>
#include <QScreen>
#include <algorithm>

#include "app_settings.h"
#include "chat_controller.h"
#include "chat_store.h"
#include "conversation_list_model.h"
#include "gguf/gguf_file.h"
#include "global_shortcut_portal.h"
#include "model_manager.h"
#include "tokenizer/tokenizer.h"

namespace kinglet::app {

struct AssistantController::Prepared {
    std::vector<std::string> parts;  // one: the text fits as it is
    QString error;
};

AssistantController::AssistantController(InferenceEngine& engine, ModelManager& model, AppSettings& settings,
                                         AssistantActions& actions, ChatController& chat, ChatStore& store, QObject* parent)
    : QObject(parent), engine_(engine), model_(model), settings_(settings), actions_(actions), chat_(chat), store_(store) {
    pool_.setMaxThreadCount(1);
    connect(&engine_, &InferenceEngine::textReady, this, &AssistantController::onText);
    connect(&engine_, &InferenceEngine::generationFinished, this, &AssistantController::onFinished);
    connect(&engine_, &InferenceEngine::generationFailed, this, &AssistantController::onFailed);
    shortcut_ = new GlobalShortcutPortal(this);
    connect(shortcut_, &GlobalShortcutPortal::activated, this,
            [this](const QString& id) { handleRequest(id, QStringLiteral("auto"), QString()); });
    connect(shortcut_, &GlobalShortcutPortal::changed, this, [this] {
        if (shortcut_->registered()) actions_.setPortalShortcut(true);
    });
    // Registered in an earlier session: bind again once the portal answers (no dialog
    // where the desktop remembers the key).
    if (actions_.portalShortcut()) {
        connect(shortcut_, &GlobalShortcutPortal::changed, this, [this] {
            if (shortcut_->available() && !shortcut_->registered() && !shortcut_->busy() && !rebindTried_) {
                rebindTried_ = true;
                shortcut_->registerShortcut();
            }
        });
    }
    shortcut_->probe();
}

QObject* AssistantController::globalShortcutObject() const { return shortcut_; }

AssistantController::~AssistantController() {
    if (cancel_) cancel_->store(true);
    pool_.waitForDone();
    if (genId_) engine_.stop();
    if (window_) delete window_.data();
}

void AssistantController::setSourceText(const QString& t) {
    if (t == source_) return;
    source_ = t;
    emit sourceTextChanged();
}

void AssistantController::setActionId(const QString& id) {
    if (id == actionId_) return;
    actionId_ = id;
    emit actionChanged();
}

void AssistantController::setState(bool busy, const QString& status, const QString& message) {
    busy_ = busy;
    status_ = status;
    message_ = message;
    emit stateChanged();
}

void AssistantController::setProgress(int part, int count, int round) {
    part_ = part;
    partCount_ = count;
    status_ = round == 0 ? tr("Part %1 of %2").arg(part).arg(count)
                         : tr("Combining summaries: part %1 of %2").arg(part).arg(count);
    emit stateChanged();
    emit progress(part, count);
}

bool AssistantController::selectionAvailable() const { return QGuiApplication::clipboard()->supportsSelection(); }

bool AssistantController::loadFrom(const QString& source) {
    QClipboard* cb = QGuiApplication::clipboard();
    const bool wantSelection =
        source == QLatin1String("selection") || (source == QLatin1String("auto") && actions_.preferSelection());
    const QClipboard::Mode mode = wantSelection && cb->supportsSelection() ? QClipboard::Selection : QClipboard::Clipboard;
    const QString text = cb->text(mode);
    if (text.trimmed().isEmpty()) {
        const QMimeData* md = cb->mimeData(mode);
        const bool other = md && (md->hasImage() || !md->formats().isEmpty());
        setSourceText(QString());
        setState(false, QString(),
                 other ? tr("The clipboard holds an image or other data, not text. Copy some text, or paste or drop it here.")
                       : mode == QClipboard::Selection
                             ? tr("Nothing is selected. Select some text, or paste or drop it here.")
                             : tr("The clipboard is empty. Copy some text, or paste or drop it here."));
        return false;
    }
    setSourceText(text);
    if (!message_.isEmpty()) setState(busy_, status_);
    return true;
}

int AssistantController::userMaxTokens() const {
    const int n = settings_.maxTokens();
    const int ctx = std::max(model_.contextSize(), 256);
    return n > 0 ? n : ctx / 4;
}

void AssistantController::run(const QString& actionId) {
    if (busy_) stop();
    if (!actionId.isEmpty()) setActionId(actionId);
    const AssistantAction* a = actions_.find(actionId_);
    if (!a) {
        fail(tr("There is no action \u201c%1\u201d.").arg(actionId_));
        return;
    }
    if (source_.trimmed().isEmpty()) {
        fail(tr("There is no text yet. Copy some text, or paste or drop it here."));
        return;
    }
    result_.clear();
    emit resultChanged();
    action_ = *a;
    part_ = partCount_ = 0;
    if (!model_.ready()) {
        if (model_.state() == QLatin1String("loading")) {
            setState(true, tr("Waiting for the model to load\u2026"));
            disconnect(waitForModel_);
            waitForModel_ = connect(&model_, &ModelManager::stateChanged, this, [this] {
                if (model_.state() == QLatin1String("loading")) return;
                disconnect(waitForModel_);
                if (model_.ready()) begin();
                else fail(tr("The model could not be loaded: %1").arg(model_.error()));
            });
            return;
        }
        fail(tr("No model is loaded. Open Kinglet and choose a model first."));
        return;
    }
    begin();
}

void AssistantController::begin() {
    assist::MapReduceLimits limits;
    limits.context = std::max(model_.contextSize(), 256);
    limits.max_tokens = userMaxTokens();
    limits.part_budget = testBudget_;
    plan_ = std::make_shared<assist::MapReduce>(action_.toEngine(), actions_.language().toStdString(), limits);
    advance(plan_->start(source_.toStdString()));
}

void AssistantController::advance(const assist::MapReduceStep& step) {
    using Kind = assist::MapReduceStep::Kind;
    step_ = step;
    switch (step.kind) {
        case Kind::Split:
            split(step.text, step.round);
            return;
        case Kind::Generate:
            if (step.count > 1) setProgress(step.part, step.count, step.round);
            else setState(true, step.round == 0 ? tr("Writing\u2026") : tr("Writing from %1 summaries\u2026").arg(partCount_));
            if (step.separator) {
                result_ += QStringLiteral("\n\n");
                emit resultChanged();
            }
            answer_.clear();
            generate(QString::fromStdString(step.text), step.max_tokens);
            return;
        case Kind::Done:
            genId_ = 0;
            setState(false, plan_->chunks() > 1 ? tr("Done: %1 parts").arg(plan_->chunks()) : tr("Done"));
            emit finished();
            return;
        case Kind::Failed:
            genId_ = 0;
            fail(tr("Could not finish: %1.").arg(QString::fromStdString(step.text)));
            return;
    }
}

void AssistantController::split(const std::string& text, int round) {
    if (cancel_) cancel_->store(true);
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    const quint64 job = ++job_;
    setState(true, round == 0 ? tr("Reading the text\u2026") : tr("Combining the summaries\u2026"));

    const QString path = model_.path();
    auto plan = plan_;  // the pool keeps it alive; it only reads the plan's settings
    auto cancel = cancel_;
    QPointer<AssistantController> self(this);
    pool_.start([this, self, job, path, plan, cancel, text] {
        auto p = std::make_shared<Prepared>();
        try {
            std::shared_ptr<Tokenizer> tok;
            {
                std::lock_guard<std::mutex> lock(tokMutex_);
                if (tokPath_ != path || !tokenizer_) {
                    tokenizer_.reset();
                    tokFile_ = std::shared_ptr<GgufFile>(GgufFile::open(path.toStdString()));
                    tokenizer_ = std::shared_ptr<Tokenizer>(Tokenizer::from_gguf(*tokFile_));
                    tokPath_ = path;
                }
                tok = tokenizer_;
            }
            auto count = [&tok](std::string_view s) { return static_cast<int>(tok->encode(s, false, false).size()); };
            p->parts = plan->split(text, count, cancel.get());
        } catch (const std::exception& e) {
            p->error = QString::fromUtf8(e.what());
        }
        if (cancel->load()) return;
        QMetaObject::invokeMethod(self, [self, job, p] {
            if (self) self->onSplit(job, p);
        }, Qt::QueuedConnection);
    });
}

void AssistantController::onSplit(quint64 job, const std::shared_ptr<Prepared>& p) {
    if (job != job_ || !busy_) return;
    if (!p->error.isEmpty()) {
        fail(tr("Could not read the model's vocabulary: %1").arg(p->error));
        return;
    }
    advance(plan_->split_done(std::move(p->parts)));
}

void AssistantController::generate(const QString& prompt, int maxTokens) {
    lastPrompt_ = prompt;
    GenerationSettings gs = settings_.generationSettings();
    gs.maxTokens = maxTokens;
    genId_ = engine_.generate({TurnData{QStringLiteral("user"), prompt}}, gs);
}

void AssistantController::onText(quint64 id, const QString& text) {
    if (id != genId_ || !genId_) return;
    answer_ += text;
    if (step_.streams) {
        // The answer's first words often come with the space that followed the prompt.
        const bool lineStart = result_.isEmpty() || result_.endsWith(QLatin1Char('\n'));
        result_ += lineStart ? QString(text).remove(QRegularExpression(QStringLiteral("^[ \t]+"))) : text;
        emit resultChanged();
    }
}

void AssistantController::onFinished(quint64 id, const GenerationStats& stats) {
    if (id != genId_ || !genId_) return;
    if (stats.stopReason == QLatin1String("stopped")) {  // someone stopped the engine
        genId_ = 0;
        setState(false, tr("Stopped"));
        return;
    }
    advance(plan_->generated(answer_.toStdString()));
}

void AssistantController::onFailed(quint64 id, const QString& error) {
    if (id != genId_ || !genId_) return;
    genId_ = 0;
    fail(error);
}

void AssistantController::fail(const QString& message) {
    if (cancel_) cancel_->store(true);
    ++job_;
    setState(false, QString(), message);
    emit failed(message);
}

void AssistantController::stop() {
    disconnect(waitForModel_);
    if (cancel_) cancel_->store(true);
    ++job_;
    if (genId_) {
        genId_ = 0;
        engine_.stop();
    }
    if (busy_) setState(false, tr("Stopped"));
}

void AssistantController::copyResult() {
    if (!result_.isEmpty()) QGuiApplication::clipboard()->setText(result_);
}

void AssistantController::replaceClipboard() {
    if (result_.isEmpty()) return;
    QClipboard* cb = QGuiApplication::clipboard();
    cb->setText(result_);
    if (cb->supportsSelection() && actions_.preferSelection()) cb->setText(result_, QClipboard::Selection);
    setState(busy_, tr("The clipboard now holds the result"));
}

bool AssistantController::openInChat() {
    if (result_.isEmpty() && source_.isEmpty()) return false;
    if (store_.isReadOnly()) {
        fail(tr("Your chats are read-only right now."));
        return false;
    }
    const QDateTime now = QDateTime::currentDateTime();
    QString title = action_.name.isEmpty() ? tr("Assistant") : action_.name;
    title += QStringLiteral(": ") + source_.simplified().left(40);
    const Conversation c{newId(), title, QString(), now, now};
    const QString prompt = partCount_ > 1 ? AssistantActions::render(action_.prompt, source_, actions_.language())
                                          : (lastPrompt_.isEmpty() ? source_ : lastPrompt_);
    bool ok = store_.saveConversation(c);
    ok = ok && store_.saveMessage({newId(), c.id, 0, QStringLiteral("user"), prompt, MessageState::Complete, now, {}});
    if (!result_.isEmpty())
        ok = ok && store_.saveMessage({newId(), c.id, 1, QStringLiteral("assistant"), result_, MessageState::Complete, now,
                                       QStringLiteral("{\"assistant\":true}")});
    if (!ok) {
        fail(tr("Could not save the chat: %1").arg(store_.lastError()));
        return false;
    }
    if (auto* list = qobject_cast<ConversationListModel*>(chat_.conversations())) list->upsert(c);
    chat_.selectConversation(c.id);
    if (mainWindow_) {
        mainWindow_->show();
        mainWindow_->raise();
        mainWindow_->requestActivate();
    }
    emit openedInChat(c.id);
    return true;
}

void AssistantController::handleRequest(const QString& action, const QString& from, const QString& text) {
    show();
    if (busy_) stop();
    if (!action.isEmpty()) {
        if (const AssistantAction* a = actions_.find(action)) setActionId(a->id);
        else {
            fail(tr("There is no action \u201c%1\u201d.").arg(action));
            return;
        }
    }
    bool ok = true;
    if (from == QLatin1String("stdin") || !text.isEmpty()) {
        setSourceText(text);
        ok = !text.trimmed().isEmpty();
        if (!ok) fail(tr("No text came on standard input."));
    } else {
        ok = loadFrom(from.isEmpty() ? QStringLiteral("auto") : from);
    }
    if (ok && !action.isEmpty()) run(actionId_);
}

void AssistantController::show() {
    if (!window_ && qml_) {
        QQmlComponent component(qml_, QUrl(QStringLiteral("qrc:/Kinglet/Ui/AssistantWindow.qml")));
        QObject* obj = component.create();
        window_ = qobject_cast<QQuickWindow*>(obj);
        if (!window_) {
            qWarning() << "assistant window:" << component.errorString();
            delete obj;
            return;
        }
    }
    if (!window_) return;
    // Near the pointer where the platform tells it (X11), else centred.
    QScreen* screen = QGuiApplication::screenAt(QCursor::pos());
    if (!screen) screen = QGuiApplication::primaryScreen();
    if (screen && !window_->isVisible()) {
        const QRect area = screen->availableGeometry();
        QPoint at = QCursor::pos() - QPoint(window_->width() / 2, 40);
        if (!area.contains(QCursor::pos()) || QGuiApplication::platformName().startsWith(QLatin1String("wayland")))
            at = area.center() - QPoint(window_->width() / 2, window_->height() / 2);
        at.setX(std::clamp(at.x(), area.left(), std::max(area.left(), area.right() - window_->width())));
        at.setY(std::clamp(at.y(), area.top(), std::max(area.top(), area.bottom() - window_->height())));
        window_->setPosition(at);
    }
    window_->show();
    window_->raise();
    window_->requestActivate();
}

}  // namespace kinglet::app
