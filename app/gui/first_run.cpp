#include "first_run.h"

#include <QDir>
#include <QFileInfo>

#include "catalog_model.h"
#include "download_manager.h"
#include "library_model.h"
#include "model_list_model.h"
#include "model_manager.h"

namespace kinglet::app {
namespace {

const char* kWelcomeDoneKey = "ui/welcomeDone";
// The catalog entry of the demo model (resources/catalog/catalog.json): the same file the
// build bundles, so a download gives exactly what an install with the demo has.
const char* kDemoCatalogId = "stories260k";

bool samePath(const QString& a, const QString& b) {
    return !a.isEmpty() && !b.isEmpty() && QFileInfo(a) == QFileInfo(b);
}

}  // namespace

FirstRun::FirstRun(const QString& iniPath, bool newDataFolder, ModelListModel& files, ModelManager& manager,
                   LibraryModel& library, QObject* parent)
    : QObject(parent), store_(iniPath, QSettings::IniFormat), files_(files), manager_(manager), library_(library) {
    if (newDataFolder && !store_.contains(QLatin1String(kWelcomeDoneKey))) {
        store_.setValue(QLatin1String(kWelcomeDoneKey), false);
        store_.sync();
    }
    active_ = !store_.value(QLatin1String(kWelcomeDoneKey), true).toBool();

    const auto& entries = library_.catalog().entries();
    for (int i = 0; i < entries.size(); ++i) {
        if (entries[i].id != QLatin1String(kDemoCatalogId)) continue;
        demoRow_ = i;
        demoFileName_ = entries[i].fileName;
        demoUrl_ = entries[i].url;
        demoSha256_ = entries[i].sha256;
        demoExactSize_ = entries[i].sizeBytes;
        demoSize_ = entries[i].sizeBytes > 0 ? entries[i].sizeBytes : entries[i].approxSizeBytes;
        break;
    }

    // The file list is rebuilt after a download lands (LibraryModel refreshes it).
    connect(&files_, &QAbstractItemModel::modelReset, this, &FirstRun::demoChanged);
    DownloadManager& downloads = library_.downloads();
    connect(&downloads, &QAbstractItemModel::dataChanged, this, &FirstRun::updateDownload);
    connect(&downloads, &QAbstractItemModel::rowsInserted, this, &FirstRun::updateDownload);
    connect(&downloads, &DownloadManager::countChanged, this, &FirstRun::updateDownload);
}

QString FirstRun::demoPath() const {
    const QString bundled = files_.demoModelPath();
    if (!bundled.isEmpty()) return bundled;
    // Downloaded on an earlier run (or just now) into one of the model folders.
    if (demoFileName_.isEmpty()) return {};
    for (const ModelFile& f : files_.files()) {
        if (QFileInfo(f.path).fileName() == demoFileName_) return f.path;
    }
    return {};
}

QString FirstRun::demoSizeText() const { return demoSize_ > 0 ? humanSize(demoSize_) : QString(); }

void FirstRun::setDemoUrl(const QString& url) {
    if (url == demoUrl_) return;
    demoUrl_ = url;
    emit demoChanged();
}

void FirstRun::startChatting() {
    const QString demo = demoPath();
    if (demo.isEmpty()) return;
    const QString state = manager_.state();
    const bool alreadyThere = samePath(manager_.path(), demo) && (state == QLatin1String("loading") || state == QLatin1String("ready"));
    if (!alreadyThere) manager_.load(demo);
    finish();
}

void FirstRun::downloadDemo() {
    if (demoUrl_.isEmpty() || demoFileName_.isEmpty()) {
        downloadState_ = QStringLiteral("failed");
        downloadError_ = tr("The model catalog has no demo model entry");
        emit downloadChanged();
        return;
    }
    DownloadManager& downloads = library_.downloads();
    const QString folder = files_.userFolder();
    downloadPath_ = QDir(folder).absoluteFilePath(demoFileName_);
    // A failed, paused or canceled try from before: "Try again" resumes that row rather than adding one.
    for (int row = downloads.rowCount() - 1; row >= 0; --row) {
        const QModelIndex i = downloads.index(row);
        if (!samePath(downloads.data(i, DownloadManager::PathRole).toString(), downloadPath_)) continue;
        const QString state = downloads.data(i, DownloadManager::StateRole).toString();
        if (state == QLatin1String("failed") || state == QLatin1String("paused") || state == QLatin1String("canceled")) {
            downloads.resume(row);
            updateDownload();
            return;
        }
        break;
    }
    // enqueue() answers -1 when the library page already runs this very download:
    // following that one is enough.
    downloads.enqueue(demoUrl_, folder, demoFileName_, demoSha256_, demoExactSize_,
                      library_.catalog().entries().value(demoRow_).name);
    updateDownload();
}

void FirstRun::updateDownload() {
    if (downloadPath_.isEmpty()) return;
    const DownloadManager& downloads = library_.downloads();
    // The newest row for the file is the one that counts (a retry after a cancel adds one).
    for (int row = downloads.rowCount() - 1; row >= 0; --row) {
        const QModelIndex i = downloads.index(row);
        if (!samePath(downloads.data(i, DownloadManager::PathRole).toString(), downloadPath_)) continue;
        const QString state = downloads.data(i, DownloadManager::StateRole).toString();
        const double progress = downloads.data(i, DownloadManager::ProgressRole).toDouble();
        const QString error = downloads.data(i, DownloadManager::ErrorRole).toString();
        if (state == downloadState_ && qFuzzyCompare(1 + progress, 1 + downloadProgress_) && error == downloadError_) return;
        downloadState_ = state;
        downloadProgress_ = progress;
        downloadError_ = error;
        emit downloadChanged();
        return;
    }
}

void FirstRun::finish() {
    store_.setValue(QLatin1String(kWelcomeDoneKey), true);
    store_.sync();
    if (!active_) return;
    active_ = false;
    emit activeChanged();
}

}  // namespace kinglet::app
