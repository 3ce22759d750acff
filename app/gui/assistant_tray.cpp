#include "assistant_tray.h"

#include <QApplication>
#include <QIcon>
#include <QMenu>
#include <QPainter>
#include <QPixmap>
#include <QSystemTrayIcon>
#include <QWindow>

#include "assistant_actions.h"
#include "assistant_controller.h"

namespace kinglet::app {

bool AssistantTray::available() {
    return qobject_cast<QApplication*>(QCoreApplication::instance()) && QSystemTrayIcon::isSystemTrayAvailable();
}

AssistantTray::AssistantTray(AssistantController& assistant, AssistantActions& actions, QObject* parent)
    : QObject(parent), assistant_(assistant), actions_(actions), menu_(std::make_unique<QMenu>()),
      tray_(new QSystemTrayIcon(this)) {
    QIcon icon = QIcon::fromTheme(QStringLiteral("io.github.kinglet.Kinglet"));
    if (icon.isNull()) icon = QGuiApplication::windowIcon();
    if (icon.isNull()) {  // not installed: a plain badge
        QPixmap pm(64, 64);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.setBrush(QColor(0x2f, 0x6f, 0xeb));
        p.setPen(Qt::NoPen);
        p.drawEllipse(4, 4, 56, 56);
        p.setPen(Qt::white);
        QFont f = p.font();
        f.setPixelSize(36);
        f.setBold(true);
        p.setFont(f);
        p.drawText(pm.rect(), Qt::AlignCenter, QStringLiteral("K"));
        p.end();
        icon = QIcon(pm);
    }
    tray_->setIcon(icon);
    tray_->setToolTip(tr("Kinglet writing assistant"));
    tray_->setContextMenu(menu_.get());
    connect(tray_, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason r) {
        if (r == QSystemTrayIcon::Trigger) assistant_.handleRequest(QString(), QStringLiteral("auto"), QString());
    });
    connect(&actions_, &AssistantActions::changed, this, &AssistantTray::rebuildMenu);
    rebuildMenu();
}

AssistantTray::~AssistantTray() = default;

void AssistantTray::show() { tray_->show(); }

void AssistantTray::rebuildMenu() {
    menu_->clear();
    for (const AssistantAction& a : actions_.actions()) {
        const QString id = a.id;
        menu_->addAction(a.name, this, [this, id] { assistant_.handleRequest(id, QStringLiteral("auto"), QString()); });
    }
    menu_->addSeparator();
    menu_->addAction(tr("Open assistant"), this, [this] { assistant_.show(); });
    menu_->addAction(tr("Show Kinglet"), this, [this] {
        if (!mainWindow_) return;
        mainWindow_->show();
        mainWindow_->raise();
        mainWindow_->requestActivate();
    });
    menu_->addAction(tr("Quit"), qApp, &QCoreApplication::quit);
}

}  // namespace kinglet::app
