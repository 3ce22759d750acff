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
#include "model_manager.h"
#include "text_splitter.h"
#include "tokenizer/tokenizer.h"

namespace kinglet::app {

namespace {
constexpr int kMaxRounds = 5;  // summaries of summaries; each round shrinks the text >= 4x

QString mapPrompt() {
    return AssistantController::tr(
        "Summarize this part of a longer text in a few sentences. Keep names, numbers and decisions.\n\n{text}");
}
}  // namespace

struct AssistantController::Prepared {
    QStringList parts;  // one: the text fits as it is
    QString error;
};

AssistantController::AssistantController(InferenceEngine& engine, ModelManager& model, AppSettings& settings,
                                         AssistantActions& actions, ChatController& chat, ChatStore& store, QObject* parent)
    : QObject(parent), engine_(engine), model_(model), settings_(settings), actions_(actions), chat_(chat), store_(store) {
    pool_.setMaxThreadCount(1);
    connect(&engine_, &InferenceEngine::textReady, this, &AssistantController::onText);
    connect(&engine_, &InferenceEngine::generationFinished, this, &AssistantController::onFinished);
    connect(&engine_, &InferenceEngine::generationFailed, this, &AssistantController::onFailed);
}

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

void AssistantController::setProgress(int part, int count) {
    part_ = part;
    partCount_ = count;
    if (count > 1) {
        status_ = round_ == 0 ? tr("Part %1 of %2").arg(part).arg(count)
                              : tr("Combining summaries: part %1 of %2").arg(part).arg(count);
    }
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
    round_ = 0;
    part_ = partCount_ = 0;
    if (!model_.ready()) {
        if (model_.state() == QLatin1String("loading")) {
            setState(true, tr("Waiting for the model to load\u2026"));
            disconnect(waitForModel_);
            waitForModel_ = connect(&model_, &ModelManager::stateChanged, this, [this] {
                if (model_.state() == QLatin1String("loading")) return;
                disconnect(waitForModel_);
                if (model_.ready()) startRound(source_, 0);
                else fail(tr("The model could not be loaded: %1").arg(model_.error()));
            });
            return;
        }
        fail(tr("No model is loaded. Open Kinglet and choose a model first."));
        return;
    }
    startRound(source_, 0);
}

void AssistantController::startRound(const QString& text, int round) {
    round_ = round;
    if (cancel_) cancel_->store(true);
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    const quint64 job = ++job_;
    setState(true, round == 0 ? tr("Reading the text\u2026") : tr("Combining the summaries\u2026"));

    const QString path = model_.path();
    const int nCtx = std::max(model_.contextSize(), 256);
    const int reserve = std::min(userMaxTokens(), nCtx / 2);
    const QString instruction = AssistantActions::render(
        round == 0 && action_.longMode == QLatin1String("each") ? action_.prompt : action_.prompt, QString(),
        actions_.language());
    const QString mapInstruction = AssistantActions::render(mapPrompt(), QString(), QString());
    const int testBudget = testBudget_;
    auto cancel = cancel_;
    QPointer<AssistantController> self(this);
    pool_.start([this, self, job, path, nCtx, reserve, instruction, mapInstruction, testBudget, cancel, text] {
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
            auto count = [&tok](const QString& s) {
                return static_cast<int>(tok->encode(s.toStdString(), false, false).size());
            };
            // Room for the text: the context less the answer, the instruction and the
            // chat template's own tokens (a margin: the engine formats the turn).
            const int overhead = std::max(count(instruction), count(mapInstruction)) + 48 + nCtx / 32;
            const int budget = testBudget > 0 ? testBudget : std::max(32, nCtx - reserve - overhead);
            if (count(text) <= budget) p->parts = QStringList{text};
            else p->parts = splitText(text, budget, count, cancel.get());
        } catch (const std::exception& e) {
            p->error = QString::fromUtf8(e.what());
        }
        if (cancel->load()) return;
        QMetaObject::invokeMethod(self, [self, job, p] {
            if (self) self->onPrepared(job, p);
        }, Qt::QueuedConnection);
    });
}

void AssistantController::onPrepared(quint64 job, const std::shared_ptr<Prepared>& p) {
    if (job != job_ || !busy_) return;
    if (!p->error.isEmpty()) {
        fail(tr("Could not read the model's vocabulary: %1").arg(p->error));
        return;
    }
    if (p->parts.isEmpty()) {
        fail(tr("There is no text to work on."));
        return;
    }
    parts_ = p->parts;
    outputs_.clear();
    if (parts_.size() == 1) {  // fits: the action itself, streamed
        final_ = true;
        eachMode_ = false;
        setState(true, round_ == 0 ? tr("Writing\u2026") : tr("Writing from %1 summaries\u2026").arg(partCount_));
        generate(AssistantActions::render(action_.prompt, parts_.first(), actions_.language()), userMaxTokens());
        return;
    }
    if (round_ >= kMaxRounds) {  // never converged (a model that will not summarise): the start is better than nothing
        parts_ = QStringList{parts_.first()};
        onPrepared(job, std::make_shared<Prepared>(Prepared{parts_, {}}));
        return;
    }
    eachMode_ = round_ == 0 && action_.longMode == QLatin1String("each");
    final_ = eachMode_;
    runNextPart();
}

void AssistantController::runNextPart() {
    const int i = static_cast<int>(outputs_.size());
    if (i >= parts_.size()) {
        if (eachMode_) {
            setProgress(static_cast<int>(parts_.size()), static_cast<int>(parts_.size()));
            setState(false, tr("Done: %1 parts").arg(parts_.size()));
            genId_ = 0;
            emit finished();
            return;
        }
        startRound(outputs_.join(QStringLiteral("\n\n")), round_ + 1);
        return;
    }
    outputs_ << QString();
    setProgress(i + 1, static_cast<int>(parts_.size()));
    if (eachMode_) {
        if (i > 0) {
            result_ += QStringLiteral("\n\n");
            emit resultChanged();
        }
        generate(AssistantActions::render(action_.prompt, parts_[i], actions_.language()), userMaxTokens());
    } else {
        const int nCtx = std::max(model_.contextSize(), 256);
        generate(AssistantActions::render(mapPrompt(), parts_[i], QString()),
                 std::min(userMaxTokens(), std::max(32, nCtx / 8)));
    }
}

void AssistantController::generate(const QString& prompt, int maxTokens) {
    lastPrompt_ = prompt;
    GenerationSettings gs = settings_.generationSettings();
    gs.maxTokens = maxTokens;
    genId_ = engine_.generate({TurnData{QStringLiteral("user"), prompt}}, gs);
}

void AssistantController::onText(quint64 id, const QString& text) {
    if (id != genId_ || !genId_) return;
    if (!outputs_.isEmpty()) outputs_.last() += text;
    if (final_) {
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
    if (final_ && !eachMode_) {
        genId_ = 0;
        setState(false, partCount_ > 1 ? tr("Done: %1 parts").arg(partCount_) : tr("Done"));
        emit finished();
        return;
    }
    runNextPart();
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
