// ChatController, part two: sending, streaming, stopping, regenerating, editing.
// The order of writes is the promise to the user: their message is committed before
// generation starts, the answer row exists (state "generating") from the first
// moment, its text is saved at least once a second, and finally as complete /
// interrupted / error.
#include <QJsonDocument>
#include <QJsonObject>

#include "app_settings.h"
#include "chat_controller.h"
#include "model_manager.h"
#include "write_queue.h"

namespace kinglet::app {
namespace {

QString titleFrom(const QString& text) {
    QString t = text.section('\n', 0, 0).simplified();
    if (t.isEmpty()) t = text.simplified();
    constexpr int kMax = 48;
    if (t.size() > kMax) t = t.left(kMax - 1).trimmed() + QChar(0x2026);
    return t.isEmpty() ? QObject::tr("New chat") : t;
}

}  // namespace

bool ChatController::canRegenerate() const {
    if (genId_ || messages_.rowCount() == 0) return false;
    return messages_.messages().last().role == QLatin1String("assistant");
}

bool ChatController::send(const QString& text) {
    const QString content = text.trimmed();
    if (content.isEmpty() || genId_) return false;
    if (!model_.ready()) {
        setError(tr("No model is loaded yet. Pick one in the model menu, then send again."));
        return false;
    }
    const QDateTime now = QDateTime::currentDateTime();
    if (!current_) {
        current_ = Conversation{newId(), titleFrom(content), draftSystemPrompt_, now, now};
        draftSystemPrompt_.clear();
        writes_->saveConversation(*current_);
        conversations_.upsert(*current_);
        emit currentChanged();
    }
    Message user;
    user.id = newId();
    user.conversationId = current_->id;
    user.position = messages_.rowCount() ? messages_.messages().last().position + 1 : 0;
    user.role = QStringLiteral("user");
    user.content = content;
    user.createdAt = now;
    messages_.append(user);
    writes_->saveMessage(user, ChatStore::Durability::Full);  // committed before generation starts
    touchCurrent();
    startAnswer();
    return true;
}

void ChatController::startAnswer() {
    if (!current_ || !model_.ready()) return;
    Message answer;
    answer.id = newId();
    answer.conversationId = current_->id;
    answer.position = messages_.rowCount() ? messages_.messages().last().position + 1 : 0;
    answer.role = QStringLiteral("assistant");
    answer.state = MessageState::Generating;
    answer.createdAt = QDateTime::currentDateTime();
    answer.meta = QJsonDocument(QJsonObject{{"model", model_.name()}}).toJson(QJsonDocument::Compact);

    // The whole conversation goes to the engine each turn; its prompt cache makes the
    // shared beginning free, and it leaves out the oldest turns if they do not fit.
    QVector<TurnData> turns;
    if (!current_->systemPrompt.trimmed().isEmpty()) turns.push_back({QStringLiteral("system"), current_->systemPrompt});
    for (const Message& m : messages_.messages()) {
        if (m.content.isEmpty() || m.state == MessageState::Error) continue;
        turns.push_back({m.role, m.content});
    }
    messages_.append(answer);
    genRow_ = messages_.rowCount() - 1;
    writes_->saveMessage(answer, ChatStore::Durability::Relaxed);
    genDirty_ = false;
    genId_ = engine_.generate(turns, settings_.generationSettings());
    streamSave_.start();
    emit generatingChanged();
}

void ChatController::onText(quint64 id, const QString& text) {
    if (id != genId_ || genRow_ < 0) return;  // a stopped generation's last words
    messages_.appendText(genRow_, text);
    genDirty_ = true;
}

void ChatController::saveStreaming() {
    if (!genId_ || !genDirty_ || genRow_ < 0) return;
    writes_->saveMessage(messages_.at(genRow_), ChatStore::Durability::Relaxed);
    genDirty_ = false;
}

void ChatController::finishAnswer(MessageState state, const QString& metaJson) {
    if (genRow_ < 0 || genRow_ >= messages_.rowCount()) return;
    Message m = messages_.at(genRow_);
    m.state = state;
    QJsonObject meta = QJsonDocument::fromJson(m.meta.toUtf8()).object();
    const QJsonObject extra = QJsonDocument::fromJson(metaJson.toUtf8()).object();
    for (auto it = extra.begin(); it != extra.end(); ++it) meta.insert(it.key(), it.value());
    m.meta = QJsonDocument(meta).toJson(QJsonDocument::Compact);
    messages_.replace(genRow_, m);
    writes_->saveMessage(m, ChatStore::Durability::Full);
    streamSave_.stop();
    genId_ = 0;
    genRow_ = -1;
    touchCurrent();
    emit generatingChanged();
    emit answerFinished();
}

void ChatController::onFinished(quint64 id, const GenerationStats& stats) {
    if (id != genId_) return;
    tokensPerSecond_ = stats.tokensPerSecond;
    contextUsed_ = stats.contextUsed;
    emit statsChanged();
    setNotice(stats.droppedTurns > 0
                  ? (stats.droppedTurns == 1
                         ? tr("The earliest message no longer fits the context: the model does not see it "
                              "(it is still saved here).")
                         : tr("The %1 earliest messages no longer fit the context: the model does not see them "
                              "(they are still saved here).").arg(stats.droppedTurns))
                  : QString());
    const bool stopped = stats.stopReason == QLatin1String("stopped");
    QJsonObject meta{{"tokens", stats.generatedTokens}, {"tokensPerSecond", stats.tokensPerSecond}};
    if (stopped) meta.insert(QStringLiteral("stopped"), true);
    if (stats.stopReason == QLatin1String("context full")) meta.insert(QStringLiteral("contextFull"), true);
    finishAnswer(stopped ? MessageState::Interrupted : MessageState::Complete,
                 QJsonDocument(meta).toJson(QJsonDocument::Compact));
}

void ChatController::onFailed(quint64 id, const QString& error) {
    if (id != genId_) return;
    finishAnswer(MessageState::Error,
                 QJsonDocument(QJsonObject{{"error", tr("No answer: %1").arg(error)}}).toJson(QJsonDocument::Compact));
}

void ChatController::stop() {
    if (!genId_) return;
    engine_.stop();
    // Done at once, not when the worker confirms: Esc must feel immediate. Text the
    // worker already queued for this id is ignored from here on.
    QJsonObject meta{{"stopped", true}};
    finishAnswer(MessageState::Interrupted, QJsonDocument(meta).toJson(QJsonDocument::Compact));
}

void ChatController::regenerate() {
    if (genId_ || !current_ || messages_.rowCount() == 0) return;
    const Message last = messages_.messages().last();
    if (last.role == QLatin1String("assistant")) {
        messages_.truncate(messages_.rowCount() - 1);
        writes_->deleteMessagesFrom(current_->id, last.position);
    }
    touchCurrent();
    startAnswer();
}

void ChatController::editAndResend(int row, const QString& text) {
    if (!current_ || row < 0 || row >= messages_.rowCount() || text.trimmed().isEmpty()) return;
    if (messages_.at(row).role != QLatin1String("user")) return;
    stop();
    Message m = messages_.at(row);
    m.content = text.trimmed();
    // The answers after the edited message belonged to the old text: replaced.
    if (row + 1 < messages_.rowCount()) {
        writes_->deleteMessagesFrom(current_->id, messages_.at(row + 1).position);
        messages_.truncate(row + 1);
    }
    messages_.replace(row, m);
    writes_->saveMessage(m, ChatStore::Durability::Full);
    touchCurrent();
    startAnswer();
}

}  // namespace kinglet::app
