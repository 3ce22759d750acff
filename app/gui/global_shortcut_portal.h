// A desktop-wide shortcut for the writing assistant, through the XDG desktop portal's
// GlobalShortcuts interface (org.freedesktop.portal.GlobalShortcuts on the session bus:
// GNOME 48+, KDE Plasma 5.27+, others as their portals add it). The app asks the portal
// to bind "summarize"; the desktop shows its own dialog where the user picks the key, and
// the portal's Activated signal then runs the action.
//
// This is the one place that knows how a platform binds global shortcuts: a platform
// without the portal (or without D-Bus: built without Qt6::DBus) reports available()
// false and the UI shows manualHelp(), how to bind `kinglet --action summarize` in the
// desktop's keyboard settings. Another platform supplies its own .cpp for this header.
#pragma once
#include <QObject>
#include <QString>
#include <QVariantMap>

namespace kinglet::app {

class GlobalShortcutPortal : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool available READ available NOTIFY changed)    // the portal answered
    Q_PROPERTY(bool busy READ busy NOTIFY changed)              // asking or registering
    Q_PROPERTY(bool registered READ registered NOTIFY changed)  // bound in this session
    Q_PROPERTY(QString trigger READ trigger NOTIFY changed)     // the key, as the desktop describes it
    Q_PROPERTY(QString status READ status NOTIFY changed)       // what happened last, for the UI
    Q_PROPERTY(QString manualHelp READ manualHelp CONSTANT)

public:
    explicit GlobalShortcutPortal(QObject* parent = nullptr);
    ~GlobalShortcutPortal() override;

    bool available() const { return available_; }
    bool busy() const { return busy_; }
    bool registered() const { return registered_; }
    QString trigger() const { return trigger_; }
    QString status() const { return status_; }
    // How to bind `kinglet --action summarize` by hand, for the desktop this runs on
    // ($XDG_CURRENT_DESKTOP) and the others.
    static QString manualHelp();

    // Asks the session bus whether the portal has GlobalShortcuts; answers later through
    // changed(). Never blocks.
    Q_INVOKABLE void probe();
    // CreateSession, then BindShortcuts for the action (the desktop asks the user for the
    // key, suggesting preferredTrigger). Answers through changed() or failed().
    Q_INVOKABLE void registerShortcut(const QString& actionId = QStringLiteral("summarize"),
                                      const QString& preferredTrigger = QStringLiteral("CTRL+ALT+S"));

signals:
    void changed();
    void activated(const QString& actionId);  // the user pressed the key
    void failed(const QString& message);

private:
    void setStatus(const QString& status, bool busy);
    void giveUp(const QString& message);
    friend class PortalCalls;
    QObject* calls_ = nullptr;  // the D-Bus side (global_shortcut_portal.cpp)

    bool available_ = false, busy_ = false, registered_ = false;
    QString trigger_, status_;
};

}  // namespace kinglet::app
