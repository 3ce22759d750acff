// One Kinglet per user and data folder. The first instance listens on a local socket;
// a second start (`kinglet --action summarize`, or plain `kinglet`) sends its request
// there as one line of JSON, waits for "ok" and exits, so a global shortcut bound to the
// command reaches the running app at once.
#pragma once
#include <QJsonObject>
#include <QObject>
#include <QString>

class QLocalServer;

namespace kinglet::app {

class SingleInstance : public QObject {
    Q_OBJECT
public:
    explicit SingleInstance(const QString& serverName, QObject* parent = nullptr);
    ~SingleInstance() override;

    // The socket for this user and data folder (in $XDG_RUNTIME_DIR where there is one).
    static QString serverName(const QString& dataDir);
    // Hands `request` to a running instance. True when it answered "ok" in time.
    static bool forward(const QString& serverName, const QJsonObject& request, int timeoutMs = 3000);

    // Starts listening; a socket left by a crashed instance is removed first. False when
    // another instance answers on it (or the socket cannot be made).
    bool listen();
    QString name() const { return name_; }

signals:
    void requestReceived(const QJsonObject& request);

private:
    void accept();
    QString name_;
    QLocalServer* server_;
};

}  // namespace kinglet::app
