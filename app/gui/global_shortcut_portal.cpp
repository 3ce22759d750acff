#include "global_shortcut_portal.h"

#include <QProcessEnvironment>
#include <QRandomGenerator>

#ifdef KINGLET_HAVE_DBUS
#include <QDBusArgument>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusObjectPath>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusVariant>

// One entry of BindShortcuts' a(sa{sv}): the shortcut's id and its properties.
struct KingletPortalShortcut {
    QString id;
    QVariantMap properties;
};
Q_DECLARE_METATYPE(KingletPortalShortcut)

QDBusArgument& operator<<(QDBusArgument& a, const KingletPortalShortcut& s) {
    a.beginStructure();
    a << s.id << s.properties;
    a.endStructure();
    return a;
}
const QDBusArgument& operator>>(const QDBusArgument& a, KingletPortalShortcut& s) {
    a.beginStructure();
    a >> s.id >> s.properties;
    a.endStructure();
    return a;
}
#endif

namespace kinglet::app {

QString GlobalShortcutPortal::manualHelp() {
    const QString desktop = qEnvironmentVariable("XDG_CURRENT_DESKTOP").toUpper();
    const QString command = QStringLiteral("kinglet --action summarize");
    QStringList lines;
    lines << tr("To summarise the clipboard with a key from anywhere, bind this command to a shortcut:")
          << QStringLiteral("    ") + command;
    const QString gnome = tr("GNOME: Settings \u2192 Keyboard \u2192 View and Customize Shortcuts \u2192 Custom Shortcuts \u2192 +, "
                             "enter the command, then set the shortcut.");
    const QString kde = tr("KDE Plasma: System Settings \u2192 Keyboard \u2192 Shortcuts \u2192 Add New \u2192 Command or Script, "
                           "enter the command, then set the shortcut.");
    const QString other = tr("Xfce: Settings \u2192 Keyboard \u2192 Application Shortcuts \u2192 Add. "
                             "Sway or i3: bindsym $mod+Shift+s exec %1").arg(command);
    if (desktop.contains(QLatin1String("GNOME"))) lines << gnome;
    else if (desktop.contains(QLatin1String("KDE"))) lines << kde;
    else lines << gnome << kde << other;
    lines << tr("Add --from selection to use the selected text (X11) instead of the clipboard.");
    return lines.join(QLatin1Char('\n'));
}

void GlobalShortcutPortal::setStatus(const QString& status, bool busy) {
    status_ = status;
    busy_ = busy;
    emit changed();
}

void GlobalShortcutPortal::giveUp(const QString& message) {
    setStatus(message, false);
    emit failed(message);
}

#ifdef KINGLET_HAVE_DBUS

namespace {
const QString kService = QStringLiteral("org.freedesktop.portal.Desktop");
const QString kPath = QStringLiteral("/org/freedesktop/portal/desktop");
const QString kInterface = QStringLiteral("org.freedesktop.portal.GlobalShortcuts");
const QString kRequest = QStringLiteral("org.freedesktop.portal.Request");

QString token() { return QStringLiteral("kinglet_%1").arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0')); }
}  // namespace

// The D-Bus conversation: each portal call answers with a Request object whose Response
// signal carries the result; its path is known in advance from the handle token, so the
// signal is connected before the call (no race).
class PortalCalls : public QObject {
    Q_OBJECT
public:
    explicit PortalCalls(GlobalShortcutPortal* p) : QObject(p), p_(p) {}
    ~PortalCalls() override {
        if (!session_.isEmpty()) {  // ends the shortcuts' session; best effort
            bus().send(QDBusMessage::createMethodCall(kService, session_, QStringLiteral("org.freedesktop.portal.Session"),
                                                      QStringLiteral("Close")));
        }
    }

    static QDBusConnection bus() { return QDBusConnection::sessionBus(); }

    QString watchRequest(const char* slot) {
        unwatch();
        const QString t = token();
        QString sender = bus().baseService().mid(1);
        sender.replace(QLatin1Char('.'), QLatin1Char('_'));
        request_ = kPath + QStringLiteral("/request/") + sender + QLatin1Char('/') + t;
        slot_ = slot;
        bus().connect(kService, request_, kRequest, QStringLiteral("Response"), this, slot);
        return t;
    }
    void unwatch() {
        if (request_.isEmpty()) return;
        bus().disconnect(kService, request_, kRequest, QStringLiteral("Response"), this, slot_);
        request_.clear();
    }
    // Sends m; an error reply (no such method, refused) ends the attempt.
    void call(const QDBusMessage& m) {
        auto* w = new QDBusPendingCallWatcher(bus().asyncCall(m, 10000), this);
        connect(w, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher* w) {
            w->deleteLater();
            if (w->isError()) {
                unwatch();
                p_->giveUp(GlobalShortcutPortal::tr("The desktop did not register the shortcut: %1").arg(w->error().message()));
            }
        });
    }

    QString session_, actionId_, preferredTrigger_;

public slots:
    void onSessionCreated(uint response, const QVariantMap& results) {
        unwatch();
        if (response != 0) {
            p_->giveUp(response == 1 ? GlobalShortcutPortal::tr("Cancelled.")
                                     : GlobalShortcutPortal::tr("The desktop could not start a shortcuts session."));
            return;
        }
        const QVariant h = results.value(QStringLiteral("session_handle"));
        session_ = h.canConvert<QDBusObjectPath>() ? h.value<QDBusObjectPath>().path() : h.toString();
        if (session_.isEmpty()) {
            p_->giveUp(GlobalShortcutPortal::tr("The desktop gave no shortcuts session."));
            return;
        }
        bus().connect(kService, kPath, kInterface, QStringLiteral("Activated"), this,
                      SLOT(onActivated(QDBusObjectPath, QString, qulonglong, QVariantMap)));
        const QString t = watchRequest(SLOT(onBound(uint, QVariantMap)));
        const QList<KingletPortalShortcut> shortcuts{
            {actionId_,
             {{QStringLiteral("description"), GlobalShortcutPortal::tr("Kinglet: run \u201c%1\u201d on the clipboard").arg(actionId_)},
              {QStringLiteral("preferred_trigger"), preferredTrigger_}}}};
        QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, kInterface, QStringLiteral("BindShortcuts"));
        m << QVariant::fromValue(QDBusObjectPath(session_)) << QVariant::fromValue(shortcuts) << QString()
          << QVariantMap{{QStringLiteral("handle_token"), t}};
        call(m);
    }

    void onBound(uint response, const QVariantMap& results) {
        unwatch();
        if (response != 0) {
            p_->giveUp(response == 1 ? GlobalShortcutPortal::tr("Cancelled.")
                                     : GlobalShortcutPortal::tr("The desktop could not bind the shortcut."));
            return;
        }
        QString trigger;
        const QVariant v = results.value(QStringLiteral("shortcuts"));
        if (v.canConvert<QDBusArgument>()) {
            QList<KingletPortalShortcut> bound;
            v.value<QDBusArgument>() >> bound;
            for (const KingletPortalShortcut& s : bound)
                if (s.id == actionId_) trigger = s.properties.value(QStringLiteral("trigger_description")).toString();
        }
        p_->registered_ = true;
        p_->trigger_ = trigger;
        p_->setStatus(trigger.isEmpty()
                          ? GlobalShortcutPortal::tr("Registered. The desktop's settings show its key and can change it.")
                          : GlobalShortcutPortal::tr("Registered: %1 runs Summarize on the clipboard.").arg(trigger),
                      false);
    }

    void onActivated(const QDBusObjectPath& session, const QString& shortcutId, qulonglong, const QVariantMap&) {
        if (session.path() == session_) emit p_->activated(shortcutId);
    }

private:
    GlobalShortcutPortal* p_;
    QString request_;
    const char* slot_ = nullptr;
};

GlobalShortcutPortal::GlobalShortcutPortal(QObject* parent) : QObject(parent) {
    static const bool registeredTypes = [] {
        qDBusRegisterMetaType<KingletPortalShortcut>();
        qDBusRegisterMetaType<QList<KingletPortalShortcut>>();
        return true;
    }();
    Q_UNUSED(registeredTypes);
    calls_ = new PortalCalls(this);
}

GlobalShortcutPortal::~GlobalShortcutPortal() = default;

void GlobalShortcutPortal::probe() {
    QDBusConnection bus = PortalCalls::bus();
    if (!bus.isConnected()) {
        available_ = false;
        setStatus(tr("There is no desktop session bus here: bind the shortcut in the desktop's keyboard settings."), false);
        return;
    }
    // Newer portals learn a host (not sandboxed) app's id this way, so the desktop's
    // dialog names Kinglet; older ones don't have the method: no answer is needed.
    QDBusMessage reg = QDBusMessage::createMethodCall(kService, kPath, QStringLiteral("org.freedesktop.host.portal.Registry"),
                                                      QStringLiteral("Register"));
    reg << QStringLiteral("io.github.kinglet.Kinglet") << QVariantMap();
    bus.send(reg);
    QDBusMessage get = QDBusMessage::createMethodCall(kService, kPath, QStringLiteral("org.freedesktop.DBus.Properties"),
                                                      QStringLiteral("Get"));
    get << kInterface << QStringLiteral("version");
    setStatus(tr("Looking for the desktop's global shortcuts service\u2026"), true);
    auto* w = new QDBusPendingCallWatcher(bus.asyncCall(get, 5000), this);
    connect(w, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher* w) {
        w->deleteLater();
        available_ = !w->isError();
        setStatus(available_ ? tr("This desktop can register a global shortcut for Kinglet.")
                             : tr("This desktop has no global shortcuts portal: bind the shortcut in its keyboard settings."),
                  false);
    });
}

void GlobalShortcutPortal::registerShortcut(const QString& actionId, const QString& preferredTrigger) {
    if (busy_) return;
    if (!available_) {
        giveUp(tr("This desktop has no global shortcuts portal: bind the shortcut in its keyboard settings."));
        return;
    }
    auto* calls = static_cast<PortalCalls*>(calls_);
    calls->actionId_ = actionId;
    calls->preferredTrigger_ = preferredTrigger;
    const QString t = calls->watchRequest(SLOT(onSessionCreated(uint, QVariantMap)));
    QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, kInterface, QStringLiteral("CreateSession"));
    m << QVariantMap{{QStringLiteral("handle_token"), t}, {QStringLiteral("session_handle_token"), token()}};
    setStatus(tr("Asking the desktop; it may show a dialog to choose the key\u2026"), true);
    calls->call(m);
}

}  // namespace kinglet::app

#include "global_shortcut_portal.moc"

#else  // built without Qt6::DBus: no portal, the manual way only

namespace kinglet::app {

GlobalShortcutPortal::GlobalShortcutPortal(QObject* parent) : QObject(parent) {}
GlobalShortcutPortal::~GlobalShortcutPortal() = default;

void GlobalShortcutPortal::probe() {
    available_ = false;
    setStatus(tr("Bind the shortcut in the desktop's keyboard settings."), false);
}

void GlobalShortcutPortal::registerShortcut(const QString&, const QString&) {
    giveUp(tr("This build of Kinglet cannot talk to the desktop's shortcut service: bind the shortcut in its keyboard settings."));
}

}  // namespace kinglet::app

#endif
