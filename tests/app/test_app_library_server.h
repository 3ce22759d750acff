// A small HTTP/1.1 server on 127.0.0.1 for the download tests: serves one in-memory file
// with Range support, and by path can ignore Range, drop the connection half-way, be
// slow, redirect, or answer 404/500. No internet is involved.
#pragma once
#include <QHash>
#include <QPointer>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

class TestHttpServer : public QObject {
    Q_OBJECT
public:
    explicit TestHttpServer(QByteArray body, QObject* parent = nullptr) : QObject(parent), body_(std::move(body)) {
        connect(&server_, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = server_.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, this, [this, s] { onRead(s); });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
    bool listen() { return server_.listen(QHostAddress::LocalHost); }
    QString url(const QString& path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(server_.serverPort()).arg(path); }
    const QByteArray& body() const { return body_; }

    QStringList requests;     // "path range" per request
    int drops = 1;            // /drop/ drops this many times, then serves
    int errors500 = 1;        // /flaky/ answers 500 this many times
    int slowChunk = 4096;     // /slow/ sends this much every 20 ms

private:
    void onRead(QTcpSocket* s) {
        QByteArray& buf = pending_[s];
        buf += s->readAll();
        const int end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const QByteArray head = buf.left(end);
        buf.clear();
        const QList<QByteArray> lines = head.split('\n');
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        const QString path = QString::fromLatin1(first.value(1));
        qint64 from = -1;
        for (const QByteArray& l : lines) {
            if (l.toLower().startsWith("range:")) {
                const auto m = QRegularExpression(QStringLiteral("bytes=(\\d+)-")).match(QString::fromLatin1(l));
                if (m.hasMatch()) from = m.captured(1).toLongLong();
            }
        }
        requests << path + ' ' + QString::number(from);
        respond(s, path, from);
    }

    void send(QTcpSocket* s, int status, const QByteArray& reason, const QByteArray& headers, const QByteArray& data,
              qint64 contentLength = -1) {
        QByteArray r = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n" + headers;
        r += "Content-Length: " + QByteArray::number(contentLength >= 0 ? contentLength : data.size()) + "\r\n";
        r += "Connection: close\r\n\r\n";
        s->write(r);
        s->write(data);
    }

    void respond(QTcpSocket* s, const QString& path, qint64 from) {
        if (path.startsWith(QLatin1String("/404"))) {
            send(s, 404, "Not Found", {}, "no such file");
            s->disconnectFromHost();
            return;
        }
        if (path.startsWith(QLatin1String("/500")) || (path.startsWith(QLatin1String("/flaky")) && errors500-- > 0)) {
            send(s, 500, "Internal Server Error", {}, "oops");
            s->disconnectFromHost();
            return;
        }
        if (path.startsWith(QLatin1String("/redirect"))) {
            send(s, 302, "Found", "Location: " + url("/file.gguf").toLatin1() + "\r\n", {});
            s->disconnectFromHost();
            return;
        }
        const bool ranges = !path.startsWith(QLatin1String("/norange"));
        const bool partial = ranges && from > 0 && from < body_.size();
        const QByteArray data = partial ? body_.mid(from) : body_;
        const QByteArray headers = partial ? "Content-Range: bytes " + QByteArray::number(from) + '-' +
                                                 QByteArray::number(body_.size() - 1) + '/' +
                                                 QByteArray::number(body_.size()) + "\r\n"
                                           : (ranges ? QByteArray("Accept-Ranges: bytes\r\n") : QByteArray());
        const int status = partial ? 206 : 200;
        const QByteArray reason = partial ? "Partial Content" : "OK";
        if (path.startsWith(QLatin1String("/drop")) && drops-- > 0) {
            // Announce everything, send half, hang up.
            send(s, status, reason, headers, data.left(data.size() / 2), data.size());
            s->disconnectFromHost();
            return;
        }
        if (path.startsWith(QLatin1String("/slow"))) {
            send(s, status, reason, headers, {}, data.size());
            auto* timer = new QTimer(s);
            auto offset = std::make_shared<qint64>(0);
            QPointer<QTcpSocket> sp(s);
            connect(timer, &QTimer::timeout, s, [this, sp, timer, data, offset] {
                if (!sp || sp->state() != QAbstractSocket::ConnectedState) return;
                sp->write(data.mid(*offset, slowChunk));
                *offset += slowChunk;
                if (*offset >= data.size()) {
                    timer->stop();
                    sp->disconnectFromHost();
                }
            });
            timer->start(20);
            return;
        }
        send(s, status, reason, headers, data);
        s->disconnectFromHost();
    }

    QTcpServer server_;
    QByteArray body_;
    QHash<QTcpSocket*, QByteArray> pending_;
};
