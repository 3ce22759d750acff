// The writing assistant's actions as the app keeps them: the engine's templates
// (inference/assist/actions.h, shared with kinglet-cli) stored with the settings, where
// the user adds, edits and removes actions, built-in ones included ("Restore defaults"
// brings them back). Filling a template and matching names is the engine's code.
#pragma once
#include <QObject>
#include <QSettings>
#include <QString>
#include <QVariantList>
#include <QVector>

#include "assist/actions.h"

namespace kinglet::app {

struct AssistantAction {
    QString id;      // stable key: "summarize", "key-points", ... or "custom-<n>"
    QString name;    // shown in the picker and the tray menu
    QString prompt;  // the template: {text} is replaced by the source text
    // Text longer than the context: "reduce" summarises the parts and applies the
    // action to the summaries; "each" applies the action to every part and joins them.
    QString longMode = QStringLiteral("reduce");

    assist::Action toEngine() const;
};

class AssistantActions : public QObject {
    Q_OBJECT
    Q_PROPERTY(QVariantList actions READ actionsVariant NOTIFY changed)  // [{id, name, prompt, longMode}]
    Q_PROPERTY(QString language READ language WRITE setLanguage NOTIFY changed)
    Q_PROPERTY(bool preferSelection READ preferSelection WRITE setPreferSelection NOTIFY changed)
    // The user registered the summarize shortcut with the desktop's global shortcuts
    // portal: bind it again at each start (the desktop keeps the key the user chose).
    Q_PROPERTY(bool portalShortcut READ portalShortcut WRITE setPortalShortcut NOTIFY changed)
public:
    explicit AssistantActions(const QString& iniPath, QObject* parent = nullptr);

    static QVector<AssistantAction> defaults();
    // The template with {text} and {language} filled in. A template without {text}
    // gets the text appended after a blank line.
    static QString render(const QString& prompt, const QString& text, const QString& language);

    const QVector<AssistantAction>& actions() const { return actions_; }
    QVariantList actionsVariant() const;
    // By id or name, case-insensitive; "key points" and "key-points" both work. Null: none.
    const AssistantAction* find(const QString& idOrName) const;

    QString language() const;
    void setLanguage(const QString& v);
    bool preferSelection() const;
    void setPreferSelection(bool v);
    bool portalShortcut() const;
    void setPortalShortcut(bool v);

    Q_INVOKABLE QString add(const QString& name, const QString& prompt, const QString& longMode = QStringLiteral("reduce"));
    Q_INVOKABLE bool update(const QString& id, const QString& name, const QString& prompt);
    Q_INVOKABLE bool remove(const QString& id);
    Q_INVOKABLE void restoreDefaults();
    Q_INVOKABLE int indexOf(const QString& id) const;

signals:
    void changed();

private:
    void save();
    QSettings settings_;
    QVector<AssistantAction> actions_;
};

}  // namespace kinglet::app
