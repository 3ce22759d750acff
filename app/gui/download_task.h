// One file download, the way a flaky connection needs it: into `<file>.part`, resumed
// with HTTP Range (a server that ignores Range makes it start over), retried with
// backoff when the connection drops or stalls, the free disk space checked first, the
// SHA-256 checked before the part file is renamed into place. The final file only
// ever appears complete and verified; cancel removes the part file.
#pragma once
#include <QElapsedTimer>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>
#include <QVector>

class QNetworkAccessManager;
class QNetworkReply;

namespace kinglet::app {

class DownloadTask : public QObject {
    Q_OBJECT
public:
    enum class State { Queued, Running, Paused, Verifying, Done, Failed, Canceled };
    Q_ENUM(State)

    struct Options {
        int maxRetries = 5;
        int backoffMs = 1000;        // first retry delay; doubles each time, capped at 30 s
        int stallTimeoutMs = 30000;  // no data for this long: the connection is treated as dropped
        int maxRedirects = 5;
    };

    // expectedSize: the exact size when known (0: trust the server, within reason);
    // expectedSha256: lower-case hex, empty when there is no published checksum.
    DownloadTask(QNetworkAccessManager* network, QUrl url, QString destination, QString expectedSha256 = {},
                 qint64 expectedSize = 0, QObject* parent = nullptr);
    DownloadTask(QNetworkAccessManager* network, QUrl url, QString destination, QString expectedSha256,
                 qint64 expectedSize, Options options, QObject* parent = nullptr);
    ~DownloadTask() override;

    void start();   // also resumes after pause or failure
    void pause();   // keeps the part file
    void cancel();  // removes the part file

    State state() const { return state_; }
    QString stateName() const;
    QUrl url() const { return url_; }
    QString destination() const { return destination_; }
    QString partPath() const { return destination_ + QStringLiteral(".part"); }
    qint64 received() const { return received_; }
    qint64 total() const { return total_; }          // 0 when unknown
    double bytesPerSecond() const { return speed_; }
    qint64 etaSeconds() const;                       // -1 when unknown
    QString error() const { return error_; }
    QString note() const { return note_; }           // e.g. "retrying in 2 s"
    QString expectedSha256() const { return expectedSha_; }
    QString computedSha256() const { return computedSha_; }
    bool verified() const { return state_ == State::Done && !expectedSha_.isEmpty(); }
    int retries() const { return retries_; }

signals:
    void changed();   // state, note or error
    void progress();  // bytes, speed (at most ten times a second)
    void finished();  // Done, Failed or Canceled

private:
    void request();
    void onMetaData();
    void onReadyRead();
    void onFinished();
    void fail(const QString& message, bool removePart);
    void retryLater(const QString& why);
    void verifyAndRename();
    void setState(State s);
    void dropReply();
    void updateSpeed(bool force);

    QNetworkAccessManager* network_;
    QUrl url_;
    QString destination_;
    QString expectedSha_;
    qint64 expectedSize_ = 0;
    Options options_;

    State state_ = State::Queued;
    QPointer<QNetworkReply> reply_;
    QFile part_;
    bool headersChecked_ = false;
    bool stopping_ = false;  // our own abort (pause, cancel, restart)
    qint64 offset_ = 0;      // bytes in the part file when this request started
    qint64 received_ = 0;
    qint64 total_ = 0;
    int retries_ = 0;
    QTimer retryTimer_;
    QTimer stallTimer_;
    QString error_, note_, computedSha_;

    QElapsedTimer clock_;
    struct Sample { qint64 ms; qint64 bytes; };
    QVector<Sample> samples_;
    qint64 lastEmitMs_ = -1000;
    double speed_ = 0;
};

}  // namespace kinglet::app
