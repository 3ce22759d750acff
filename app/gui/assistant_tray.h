// The tray icon (where the desktop has a tray): click opens the assistant on the
// clipboard; the menu runs any action on it, opens Kinglet or quits. Needs QApplication.
#pragma once
#include <QObject>
#include <memory>

class QMenu;
class QSystemTrayIcon;
class QWindow;

namespace kinglet::app {

class AssistantActions;
class AssistantController;

class AssistantTray : public QObject {
    Q_OBJECT
public:
    AssistantTray(AssistantController& assistant, AssistantActions& actions, QObject* parent = nullptr);
    ~AssistantTray() override;

    static bool available();  // a tray to sit in, and a QApplication
    void setMainWindow(QWindow* w) { mainWindow_ = w; }
    void show();

private:
    void rebuildMenu();
    AssistantController& assistant_;
    AssistantActions& actions_;
    std::unique_ptr<QMenu> menu_;
    QSystemTrayIcon* tray_;
    QWindow* mainWindow_ = nullptr;
};

}  // namespace kinglet::app
