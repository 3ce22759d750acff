#include "library_model.h"

#include <QCoreApplication>
#include <QDesktopServices>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLocale>
#include <QPointer>
#include <QSet>
#include <QUrl>

#include "app_settings.h"
#include "catalog_model.h"
#include "download_manager.h"
#include "model_manager.h"

namespace kinglet::app {

namespace {
const char* kFolderKey = "library/modelsFolder";
}

LibraryModel::LibraryModel(ModelListModel& files, ModelManager& manager, AppSettings& settings, const QString& iniPath,
                           QObject* parent)
    : QAbstractListModel(parent),
      files_(files),
      manager_(manager),
      settings_(settings),
      store_(iniPath, QSettings::IniFormat),
      catalog_(std::make_unique<CatalogModel>()),
      downloads_(std::make_unique<DownloadManager>()) {
    pool_.setMaxThreadCount(1);  // one file at a time: the disk, not the CPU, is the limit
    const QString folder = store_.value(kFolderKey).toString();
    if (!folder.isEmpty()) files_.setUserFolder(folder);
    freeRam_ = availableMemory();

    connect(&files_, &QAbstractItemModel::modelReset, this, &LibraryModel::rebuild);
    connect(&files_, &ModelListModel::userFolderChanged, this, &LibraryModel::modelsFolderChanged);
    connect(&settings_, &AppSettings::engineSettingsChanged, this, [this] {
        if (!rows_.isEmpty()) emit dataChanged(index(0), index(int(rows_.size()) - 1), {FitLevelRole, FitTextRole});
    });
    connect(&settings_, &AppSettings::changed, this, [this] {
        emit memoryChanged();  // the backend decides which GPU counts
        if (!rows_.isEmpty()) emit dataChanged(index(0), index(int(rows_.size()) - 1), {FitLevelRole, FitTextRole});
    });
    connect(&manager_, &ModelManager::stateChanged, this, [this] {
        if (!rows_.isEmpty()) emit dataChanged(index(0), index(int(rows_.size()) - 1), {DeletableRole});
    });
    connect(downloads_.get(), &DownloadManager::downloaded, this, [this](const QString&) { files_.refresh(); });

    // The GPUs are not probed here: calling list_vulkan_devices() on a worker thread
    // while the engine thread set up Vulkan at start stalled the engine in test_app_qml.
    // The models page asks (probeGpus) when it is shown; until then RAM only.
    rebuild();
}

LibraryModel::~LibraryModel() {
    pool_.clear();
    pool_.waitForDone();
}

QObject* LibraryModel::catalogObject() { return catalog_.get(); }
QObject* LibraryModel::downloadsObject() { return downloads_.get(); }

int LibraryModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

GpuTarget LibraryModel::gpuTarget() const {
    return gpuFor(gpus_, settings_.backend(), qEnvironmentVariable("KINGLET_VK_DEVICE"));
}

FitEstimate LibraryModel::fitFor(const Row& r) const {
    return estimateFit(r.info, settings_.contextSize(), freeRam_, gpuTarget());
}

QVariant LibraryModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Row& r = rows_[index.row()];
    switch (role) {
        case Qt::DisplayRole:
        case NameRole: return r.info.scanned && !r.info.name.isEmpty() ? r.info.name : r.file.name;
        case PathRole: return r.file.path;
        case FileNameRole: return QFileInfo(r.file.path).fileName();
        case DemoRole: return r.file.demo;
        case SizeTextRole: return humanSize(r.file.size);
        case ScannedRole: return r.info.scanned;
        case SupportedRole: return r.info.supported;
        case ReasonRole: return r.info.reason;
        case ArchitectureRole: return r.info.architecture;
        case ParametersTextRole: return parameterText(r.info.parameters);
        case QuantizationRole: return r.info.quantization;
        case ContextRole: return r.info.contextLength;
        case HasTemplateRole: return r.info.hasTemplate;
        case FitLevelRole: return fitFor(r).level;
        case FitTextRole: return fitFor(r).text;
        case DeletableRole: return !r.file.demo;
    }
    return {};
}

QHash<int, QByteArray> LibraryModel::roleNames() const {
    return {{PathRole, "path"},           {FileNameRole, "fileName"},       {NameRole, "name"},
            {DemoRole, "demo"},           {SizeTextRole, "sizeText"},       {ScannedRole, "scanned"},
            {SupportedRole, "supported"}, {ReasonRole, "reason"},           {ArchitectureRole, "architecture"},
            {ParametersTextRole, "parametersText"}, {QuantizationRole, "quantization"},
            {ContextRole, "contextLength"}, {HasTemplateRole, "hasTemplate"}, {FitLevelRole, "fitLevel"},
            {FitTextRole, "fitText"},     {DeletableRole, "deletable"}};
}

void LibraryModel::rebuild() {
    QVector<Row> rows;
    QStringList toScan;
    for (const ModelFile& f : files_.files()) {
        Row r{f, {}};
        const QFileInfo fi(f.path);
        const auto it = cache_.constFind(f.path);
        if (it != cache_.constEnd() && it->size == fi.size() && it->modified == fi.lastModified())
            r.info = it->info;
        else
            toScan << f.path;
        rows.push_back(r);
    }
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
    emit countChanged();
    updateInstalled();
    const bool wasScanning = scanning();
    QPointer<LibraryModel> self(this);
    for (const QString& path : toScan) {
        ++pending_;
        pool_.start([self, path] {
            const LibraryInfo info = scanModelFile(path);
            QMetaObject::invokeMethod(qApp, [self, path, info] {
                if (self) self->onScanned(path, info);
            });
        });
    }
    if (wasScanning != scanning()) emit scanningChanged();
}

void LibraryModel::onScanned(const QString& path, const LibraryInfo& info) {
    const QFileInfo fi(path);
    cache_.insert(path, {fi.size(), fi.lastModified(), info});
    const int row = rowOfPath(path);
    if (row >= 0) {
        rows_[row].info = info;
        emit dataChanged(index(row), index(row));
    }
    --pending_;
    emit scanned(path);
    if (pending_ == 0) emit scanningChanged();
}

int LibraryModel::rowOfPath(const QString& path) const {
    for (int i = 0; i < rows_.size(); ++i)
        if (rows_[i].file.path == path) return i;
    return -1;
}

void LibraryModel::updateInstalled() {
    QSet<QString> names;
    const QDir folder(files_.userFolder());
    for (const Row& r : rows_)
        if (QFileInfo(r.file.path).absolutePath() == QFileInfo(folder.absolutePath()).canonicalFilePath())
            names.insert(QFileInfo(r.file.path).fileName());
    catalog_->setInstalled(names);
}

void LibraryModel::refresh() {
    if (!freeRamFixed_) {
        freeRam_ = availableMemory();
        emit memoryChanged();
    }
    files_.refresh();  // modelReset -> rebuild
}

QString LibraryModel::memoryText() const {
    const QLocale loc;
    QString s = freeRam_ > 0 ? tr("%1 of memory free").arg(loc.formattedDataSize(freeRam_, 1)) : tr("Free memory unknown");
    const GpuTarget gpu = gpuTarget();
    if (gpu.valid()) s += tr(" \u00b7 %1: %2 free").arg(gpu.name, loc.formattedDataSize(gpu.budget, 1));
    return s;
}

void LibraryModel::probeGpus() { setGpus(kinglet::app::probeGpus()); }

void LibraryModel::setGpus(const QVector<GpuDevice>& gpus) {
    gpus_ = gpus;
    emit memoryChanged();
    if (!rows_.isEmpty()) emit dataChanged(index(0), index(int(rows_.size()) - 1), {FitLevelRole, FitTextRole});
}

void LibraryModel::setFreeMemoryForTest(qint64 bytes) {
    freeRam_ = bytes;
    freeRamFixed_ = true;
    emit memoryChanged();
    if (!rows_.isEmpty()) emit dataChanged(index(0), index(int(rows_.size()) - 1), {FitLevelRole, FitTextRole});
}

bool LibraryModel::waitForScans(int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (pending_ > 0 && t.elapsed() < timeoutMs) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return pending_ == 0;
}

QString LibraryModel::deleteModel(const QString& path) {
    const int row = rowOfPath(QFileInfo(path).canonicalFilePath());
    if (row < 0) return tr("%1 is not in the library").arg(path);
    if (rows_[row].file.demo) return tr("The demo model comes with the app and cannot be deleted");
    const QString file = rows_[row].file.path;
    if (QFileInfo(manager_.path()) == QFileInfo(file)) manager_.unload();
    if (!QFile::remove(file)) return tr("Could not delete %1").arg(file);
    if (settings_.lastModel() == file) settings_.setLastModel(QString());
    files_.refresh();
    return {};
}

void LibraryModel::openFolder(const QString& path) {
    QString folder = path.isEmpty() ? files_.userFolder() : path;
    if (QFileInfo(folder).isFile()) folder = QFileInfo(folder).absolutePath();
    QDesktopServices::openUrl(QUrl::fromLocalFile(folder));
}

QString LibraryModel::setModelsFolder(const QString& folderOrUrl) {
    const QUrl url(folderOrUrl);
    const QString folder = url.isLocalFile() ? url.toLocalFile() : folderOrUrl;
    if (folder.trimmed().isEmpty()) return tr("No folder chosen");
    if (!QDir().mkpath(folder)) return tr("Cannot create %1").arg(folder);
    const QFileInfo fi(folder);
    if (!fi.isDir() || !fi.isWritable()) return tr("%1 is not a writable folder").arg(folder);
    const QString abs = QDir(folder).absolutePath();
    store_.setValue(kFolderKey, abs);
    store_.sync();
    files_.setUserFolder(abs);
    return {};
}

QString LibraryModel::fitLevel(const QString& path) const {
    const int row = rowOfPath(QFileInfo(path).canonicalFilePath());
    return row < 0 ? QStringLiteral("unknown") : fitFor(rows_[row]).level;
}

QString LibraryModel::fitText(const QString& path) const {
    const int row = rowOfPath(QFileInfo(path).canonicalFilePath());
    return row < 0 ? QString() : fitFor(rows_[row]).text;
}

QString LibraryModel::download(int catalogRow) {
    if (catalogRow < 0 || catalogRow >= catalog_->entries().size()) return tr("No such catalog entry");
    const CatalogEntry& e = catalog_->entries()[catalogRow];
    if (!e.supported) return tr("%1 models are not supported by this version yet").arg(e.architecture);
    const QString dest = QDir(files_.userFolder()).absoluteFilePath(e.fileName);
    if (QFileInfo::exists(dest)) return tr("%1 is already in the models folder").arg(e.fileName);
    if (downloads_->enqueue(e.url, files_.userFolder(), e.fileName, e.sha256, e.sizeBytes,
                            e.name + QStringLiteral(" \u00b7 ") + e.quantization) < 0)
        return tr("%1 is already downloading").arg(e.fileName);
    return {};
}

}  // namespace kinglet::app
