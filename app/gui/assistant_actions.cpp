#include "assistant_actions.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace kinglet::app {
namespace {
const char* kActionsKey = "assistant/actions";
const char* kLanguageKey = "assistant/language";
const char* kSelectionKey = "assistant/preferSelection";
const char* kPortalKey = "assistant/portalShortcut";

}  // namespace

assist::Action AssistantAction::toEngine() const {
    return {id.toStdString(), name.toStdString(), prompt.toStdString(), assist::parse_long_mode(longMode.toStdString())};
}

QVector<AssistantAction> AssistantActions::defaults() {
    QVector<AssistantAction> out;
    // Names and templates go through tr() so a translation, where there is one, applies.
    for (const assist::Action& a : assist::default_actions())
        out.push_back({QString::fromStdString(a.id), tr(a.name.c_str()), tr(a.prompt.c_str()),
                       QString::fromStdString(assist::long_mode_name(a.long_mode))});
    return out;
}

QString AssistantActions::render(const QString& prompt, const QString& text, const QString& language) {
    return QString::fromStdString(assist::render_prompt(prompt.toStdString(), text.toStdString(), language.toStdString()));
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
    const std::string key = assist::action_key(idOrName.toStdString());
    if (key.empty()) return nullptr;
    for (const AssistantAction& a : actions_)
        if (assist::action_key(a.id.toStdString()) == key || assist::action_key(a.name.toStdString()) == key) return &a;
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

bool AssistantActions::portalShortcut() const { return settings_.value(kPortalKey, false).toBool(); }
void AssistantActions::setPortalShortcut(bool v) {
    if (v == portalShortcut()) return;
    settings_.setValue(kPortalKey, v);
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
