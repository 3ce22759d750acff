#include "assistant_actions.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace kinglet::app {
namespace {
const char* kActionsKey = "assistant/actions";
const char* kLanguageKey = "assistant/language";
const char* kSelectionKey = "assistant/preferSelection";

QString normalized(QString s) { return s.toLower().replace(QLatin1Char('-'), QLatin1Char(' ')).simplified(); }
}  // namespace

QVector<AssistantAction> AssistantActions::defaults() {
    const QString r = QStringLiteral("reduce"), e = QStringLiteral("each");
    return {
        {"summarize", tr("Summarize"), tr("Summarize the following text in a few sentences.\n\n{text}"), r},
        {"key-points", tr("Key points"), tr("List the key points of the following text as short bullet points.\n\n{text}"), r},
        {"rewrite", tr("Rewrite clearer"), tr("Rewrite the following text so it is clear and easy to read. Keep the meaning.\n\n{text}"), e},
        {"formal", tr("Make formal"), tr("Rewrite the following text in a formal, professional tone.\n\n{text}"), e},
        {"casual", tr("Make casual"), tr("Rewrite the following text in a casual, friendly tone.\n\n{text}"), e},
        {"fix", tr("Fix grammar and spelling"),
         tr("Correct the grammar and spelling of the following text. Reply with the corrected text only.\n\n{text}"), e},
        {"shorten", tr("Shorten"), tr("Make the following text shorter without losing its meaning.\n\n{text}"), e},
        {"expand", tr("Expand"), tr("Expand the following text with more detail.\n\n{text}"), e},
        {"translate", tr("Translate"), tr("Translate the following text to {language}. Reply with the translation only.\n\n{text}"), e},
        {"explain", tr("Explain simply"), tr("Explain the following text in simple words.\n\n{text}"), r},
        {"reply", tr("Draft a reply"), tr("Write a short, polite reply to the following message.\n\n{text}"), r},
    };
}

QString AssistantActions::render(const QString& prompt, const QString& text, const QString& language) {
    QString p = prompt;
    p.replace(QStringLiteral("{language}"), language.isEmpty() ? QStringLiteral("English") : language);
    if (!p.contains(QStringLiteral("{text}"))) return p.trimmed() + QStringLiteral("\n\n") + text;
    return p.replace(QStringLiteral("{text}"), text);
}

AssistantActions::AssistantActions(const QString& iniPath, QObject* parent)
    : QObject(parent), settings_(iniPath, QSettings::IniFormat) {
    const QByteArray stored = settings_.value(kActionsKey).toByteArray();
    const QJsonArray arr = QJsonDocument::fromJson(stored).array();
    if (stored.isEmpty()) {
        actions_ = defaults();
        return;
    }
    for (const QJsonValue& v : arr) {
        const QJsonObject o = v.toObject();
        AssistantAction a{o.value("id").toString(), o.value("name").toString(), o.value("prompt").toString(),
                          o.value("longMode").toString(QStringLiteral("reduce"))};
        if (!a.id.isEmpty() && !a.name.isEmpty()) actions_.push_back(a);
    }
}

void AssistantActions::save() {
    QJsonArray arr;
    for (const AssistantAction& a : actions_)
        arr.append(QJsonObject{{"id", a.id}, {"name", a.name}, {"prompt", a.prompt}, {"longMode", a.longMode}});
    settings_.setValue(kActionsKey, QJsonDocument(arr).toJson(QJsonDocument::Compact));
    settings_.sync();
    emit changed();
}

QVariantList AssistantActions::actionsVariant() const {
    QVariantList out;
    for (const AssistantAction& a : actions_)
        out << QVariantMap{{"id", a.id}, {"name", a.name}, {"prompt", a.prompt}, {"longMode", a.longMode}};
    return out;
}

const AssistantAction* AssistantActions::find(const QString& idOrName) const {
    const QString key = normalized(idOrName);
    for (const AssistantAction& a : actions_)
        if (normalized(a.id) == key || normalized(a.name) == key) return &a;
    return nullptr;
}

int AssistantActions::indexOf(const QString& id) const {
    for (int i = 0; i < actions_.size(); ++i)
        if (actions_[i].id == id) return i;
    return -1;
}

QString AssistantActions::language() const { return settings_.value(kLanguageKey, QStringLiteral("English")).toString(); }
void AssistantActions::setLanguage(const QString& v) {
    if (v == language()) return;
    settings_.setValue(kLanguageKey, v);
    emit changed();
}
bool AssistantActions::preferSelection() const { return settings_.value(kSelectionKey, false).toBool(); }
void AssistantActions::setPreferSelection(bool v) {
    if (v == preferSelection()) return;
    settings_.setValue(kSelectionKey, v);
    emit changed();
}

QString AssistantActions::add(const QString& name, const QString& prompt, const QString& longMode) {
    if (name.trimmed().isEmpty()) return {};
    int n = 1;
    while (indexOf(QStringLiteral("custom-%1").arg(n)) >= 0) ++n;
    const QString id = QStringLiteral("custom-%1").arg(n);
    actions_.push_back({id, name.trimmed(), prompt, longMode == QLatin1String("each") ? longMode : QStringLiteral("reduce")});
    save();
    return id;
}

bool AssistantActions::update(const QString& id, const QString& name, const QString& prompt) {
    const int i = indexOf(id);
    if (i < 0 || name.trimmed().isEmpty()) return false;
    actions_[i].name = name.trimmed();
    actions_[i].prompt = prompt;
    save();
    return true;
}

bool AssistantActions::remove(const QString& id) {
    const int i = indexOf(id);
    if (i < 0) return false;
    actions_.remove(i);
    save();
    return true;
}

void AssistantActions::restoreDefaults() {
    actions_ = defaults();
    save();
}

}  // namespace kinglet::app
