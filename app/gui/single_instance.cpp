#include "single_instance.h"

#include <QCryptographicHash>
#include <QDir>
#include <QJsonDocument>
#include <QLocalServer>
#include <QLocalSocket>
#include <QStandardPaths>

namespace kinglet::app {

SingleInstance::SingleInstance(const QString& serverName, QObject* parent)
    : QObject(parent), name_(serverName), server_(new QLocalServer(this)) {
    server_->setSocketOptions(QLocalServer::UserAccessOption);
    connect(server_, &QLocalServer::newConnection, this, &SingleInstance::accept);
}

SingleInstance::~SingleInstance() { server_->close(); }

QString SingleInstance::serverName(const QString& dataDir) {
    const QByteArray key = QDir(dataDir).absolutePath().toUtf8() + '|' + qgetenv("USER");
    const QString id = QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex().left(16));
    const QString runtime = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    const QString name = QStringLiteral("kinglet-") + id;
    return runtime.isEmpty() ? name : runtime + QLatin1Char('/') + name + QStringLiteral(".sock");
}

bool SingleInstance::forward(const QString& serverName, const QJsonObject& request, int timeoutMs) {
    QLocalSocket socket;
    socket.connectToServer(serverName);
    if (!socket.waitForConnected(timeoutMs)) return false;
    socket.write(QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n');
    if (!socket.waitForBytesWritten(timeoutMs)) return false;
    QByteArray reply;
    while (!reply.contains('\n')) {
        if (!socket.waitForReadyRead(timeoutMs)) return false;
        reply += socket.readAll();
    }
    return reply.trimmed() == "ok";
}

bool SingleInstance::listen() {
    // Probe first: with socket options set, Qt binds elsewhere and renames the socket
    // into place, which would silently take it over from a live instance.
    QLocalSocket probe;
    probe.connectToServer(name_);
    if (probe.waitForConnected(500)) return false;  // a live instance owns it
    QLocalServer::removeServer(name_);             // left by one that crashed, if any
    return server_->listen(name_);
}

void SingleInstance::accept() {
    while (QLocalSocket* s = server_->nextPendingConnection()) {
        connect(s, &QLocalSocket::disconnected, s, &QObject::deleteLater);
        connect(s, &QLocalSocket::readyRead, this, [this, s] {
            if (!s->canReadLine()) {
                if (s->bytesAvailable() > 64 * 1024 * 1024) s->abort();  // not one of ours
                return;
            }
            const QJsonObject request = QJsonDocument::fromJson(s->readLine()).object();
            s->write("ok\n");
            s->flush();
            s->disconnectFromServer();
            emit requestReceived(request);
        });
    }
}

}  // namespace kinglet::app
