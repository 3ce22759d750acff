#include "download_manager.h"

#include <QDir>
#include <QFileInfo>
#include <QLocale>

namespace kinglet::app {

QString speedText(double bps) {
    if (bps < 1) return {};
    return QLocale().formattedDataSize(qint64(bps), 1) + QStringLiteral("/s");
}

QString etaText(qint64 s) {
    if (s < 0) return {};
    if (s < 60) return QObject::tr("%1 s left").arg(qMax<qint64>(s, 1));
    if (s < 3600) return QObject::tr("%1 min left").arg((s + 30) / 60);
    return QObject::tr("%1 h %2 min left").arg(s / 3600).arg((s % 3600) / 60);
}

DownloadManager::DownloadManager(QObject* parent) : QAbstractListModel(parent) {}

int DownloadManager::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(tasks_.size());
}

QVariant DownloadManager::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Row& r = tasks_[index.row()];
    const DownloadTask* t = r.task;
    const QLocale loc;
    switch (role) {
        case Qt::DisplayRole:
        case TitleRole: return r.title;
        case FileNameRole: return QFileInfo(t->destination()).fileName();
        case PathRole: return t->destination();
        case StateRole: return t->stateName();
        case ReceivedRole: return t->received();
        case TotalRole: return t->total();
        case ProgressRole: return t->total() > 0 ? double(t->received()) / double(t->total()) : 0.0;
        case ProgressTextRole:
            return t->total() > 0 ? tr("%1 of %2").arg(loc.formattedDataSize(t->received(), 1), loc.formattedDataSize(t->total(), 1))
                                  : loc.formattedDataSize(t->received(), 1);
        case SpeedTextRole: return t->state() == DownloadTask::State::Running ? speedText(t->bytesPerSecond()) : QString();
        case EtaTextRole: return etaText(t->etaSeconds());
        case ErrorRole: return t->error();
        case NoteRole: return t->note();
        case Sha256Role: return t->computedSha256();
        case VerifiedRole: return t->verified();
        case UrlRole: return t->url().toString();
    }
    return {};
}

QHash<int, QByteArray> DownloadManager::roleNames() const {
    return {{TitleRole, "title"},       {FileNameRole, "fileName"},   {PathRole, "path"},
            {StateRole, "status"},       {ReceivedRole, "received"},   {TotalRole, "total"},
            {ProgressRole, "progress"}, {ProgressTextRole, "progressText"}, {SpeedTextRole, "speedText"},
            {EtaTextRole, "etaText"},   {ErrorRole, "error"},         {NoteRole, "note"},
            {Sha256Role, "sha256"},     {VerifiedRole, "verified"},   {UrlRole, "url"}};
}

int DownloadManager::enqueue(const QString& url, const QString& folder, const QString& fileName, const QString& sha256,
                             qint64 size, const QString& title) {
    const QString dest = QDir(folder).absoluteFilePath(fileName);
    if (isDownloading(dest)) return -1;
    auto* t = new DownloadTask(&network_, QUrl(url), dest, sha256, size, options_, this);
    connect(t, &DownloadTask::changed, this, [this, t] {
        const int row = rowOf(t);
        if (row >= 0) emit dataChanged(index(row), index(row));
    });
    connect(t, &DownloadTask::progress, this, [this, t] {
        const int row = rowOf(t);
        if (row >= 0) emit dataChanged(index(row), index(row));
    });
    connect(t, &DownloadTask::finished, this, [this, t] {
        if (t->state() == DownloadTask::State::Done) emit downloaded(t->destination());
        emit countChanged();
        startNext();
    });
    beginInsertRows({}, int(tasks_.size()), int(tasks_.size()));
    tasks_.push_back({t, title.isEmpty() ? fileName : title});
    endInsertRows();
    emit countChanged();
    startNext();
    return int(tasks_.size()) - 1;
}

int DownloadManager::rowOf(DownloadTask* t) const {
    for (int i = 0; i < tasks_.size(); ++i)
        if (tasks_[i].task == t) return i;
    return -1;
}

bool DownloadManager::isDownloading(const QString& path) const {
    const QString abs = QFileInfo(path).absoluteFilePath();
    for (const Row& r : tasks_) {
        const auto s = r.task->state();
        if (r.task->destination() == abs &&
            (s == DownloadTask::State::Queued || s == DownloadTask::State::Running || s == DownloadTask::State::Paused ||
             s == DownloadTask::State::Verifying))
            return true;
    }
    return false;
}

int DownloadManager::activeCount() const {
    int n = 0;
    for (const Row& r : tasks_) {
        const auto s = r.task->state();
        if (s == DownloadTask::State::Queued || s == DownloadTask::State::Running || s == DownloadTask::State::Verifying) ++n;
    }
    return n;
}

void DownloadManager::startNext() {
    for (const Row& r : tasks_) {
        const auto s = r.task->state();
        if (s == DownloadTask::State::Running || s == DownloadTask::State::Verifying) return;
    }
    for (const Row& r : tasks_) {
        if (r.task->state() == DownloadTask::State::Queued) {
            r.task->start();
            return;
        }
    }
}

void DownloadManager::pause(int row) {
    if (DownloadTask* t = task(row)) t->pause();
    startNext();
}

void DownloadManager::resume(int row) {
    DownloadTask* t = task(row);
    if (!t) return;
    for (const Row& r : tasks_) {
        if (r.task != t && (r.task->state() == DownloadTask::State::Running || r.task->state() == DownloadTask::State::Verifying)) {
            // Another one is running: this one waits its turn (as a paused one).
            return;
        }
    }
    t->start();
    emit countChanged();
}

void DownloadManager::cancel(int row) {
    if (DownloadTask* t = task(row)) t->cancel();
}

void DownloadManager::remove(int row) {
    DownloadTask* t = task(row);
    if (!t) return;
    const auto s = t->state();
    if (s == DownloadTask::State::Running || s == DownloadTask::State::Verifying) return;
    if (s != DownloadTask::State::Done) t->cancel();
    beginRemoveRows({}, row, row);
    tasks_.removeAt(row);
    endRemoveRows();
    t->deleteLater();
    emit countChanged();
}

}  // namespace kinglet::app
