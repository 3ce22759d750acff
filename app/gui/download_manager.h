// The download queue the library page shows: one DownloadTask per file, one running at
// a time (the others wait their turn), each with progress, speed, ETA, pause/resume,
// cancel and retry.
#pragma once
#include <QAbstractListModel>
#include <QNetworkAccessManager>
#include <QVector>

#include "download_task.h"

namespace kinglet::app {

class DownloadManager : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(int active READ activeCount NOTIFY countChanged)
public:
    enum Roles {
        TitleRole = Qt::UserRole + 1, FileNameRole, PathRole, StateRole, ReceivedRole, TotalRole, ProgressRole,
        ProgressTextRole, SpeedTextRole, EtaTextRole, ErrorRole, NoteRole, Sha256Role, VerifiedRole, UrlRole
    };

    explicit DownloadManager(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Queues url into folder/fileName; returns the row, or -1 when that file is already
    // being downloaded.
    Q_INVOKABLE int enqueue(const QString& url, const QString& folder, const QString& fileName,
                            const QString& sha256 = {}, qint64 size = 0, const QString& title = {});
    Q_INVOKABLE void pause(int row);
    Q_INVOKABLE void resume(int row);  // also "retry" after a failure
    Q_INVOKABLE void cancel(int row);
    Q_INVOKABLE void remove(int row);  // forget a finished row
    Q_INVOKABLE bool isDownloading(const QString& path) const;
    int activeCount() const;

    DownloadTask* task(int row) const { return row >= 0 && row < tasks_.size() ? tasks_[row].task : nullptr; }
    void setTaskOptions(const DownloadTask::Options& o) { options_ = o; }
    QNetworkAccessManager& network() { return network_; }

signals:
    void countChanged();
    void downloaded(const QString& path);  // a verified file is in place

private:
    struct Row { DownloadTask* task; QString title; };
    void startNext();
    int rowOf(DownloadTask* t) const;

    QNetworkAccessManager network_;
    QVector<Row> tasks_;
    DownloadTask::Options options_;
};

QString speedText(double bytesPerSecond);
QString etaText(qint64 seconds);

}  // namespace kinglet::app
