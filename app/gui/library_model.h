// The model library behind the models page: every .gguf the ModelListModel finds, with
// its metadata (read on a worker thread, never the GUI thread), whether this version
// runs it (and why not), a fit estimate against free memory and the GPU, plus the
// catalog, the download queue, deleting a model and choosing the models folder.
#pragma once
#include <QAbstractListModel>
#include <QDateTime>
#include <QHash>
#include <QSettings>
#include <QThreadPool>
#include <QVector>
#include <memory>

#include "library_scan.h"
#include "model_list_model.h"

namespace kinglet::app {

class AppSettings;
class CatalogModel;
class DownloadManager;
class ModelManager;

class LibraryModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(bool scanning READ scanning NOTIFY scanningChanged)
    Q_PROPERTY(QString modelsFolder READ modelsFolder NOTIFY modelsFolderChanged)
    Q_PROPERTY(QString memoryText READ memoryText NOTIFY memoryChanged)
    Q_PROPERTY(QObject* catalog READ catalogObject CONSTANT)
    Q_PROPERTY(QObject* downloads READ downloadsObject CONSTANT)
public:
    enum Roles {
        PathRole = Qt::UserRole + 1, FileNameRole, NameRole, DemoRole, SizeTextRole, ScannedRole, SupportedRole,
        ReasonRole, ArchitectureRole, ParametersTextRole, QuantizationRole, ContextRole, HasTemplateRole,
        FitLevelRole, FitTextRole, DeletableRole
    };

    LibraryModel(ModelListModel& files, ModelManager& manager, AppSettings& settings, const QString& iniPath,
                 QObject* parent = nullptr);
    ~LibraryModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    bool scanning() const { return pending_ > 0; }
    QString modelsFolder() const { return files_.userFolder(); }
    QString memoryText() const;
    CatalogModel& catalog() { return *catalog_; }
    DownloadManager& downloads() { return *downloads_; }
    QObject* catalogObject();
    QObject* downloadsObject();

    Q_INVOKABLE void refresh();
    // Empty on success, else why not. The loaded model is unloaded first.
    Q_INVOKABLE QString deleteModel(const QString& path);
    Q_INVOKABLE void openFolder(const QString& path = {});
    // A folder path or file:// URL; empty on success, else why not.
    Q_INVOKABLE QString setModelsFolder(const QString& folderOrUrl);
    // "fits" | "tight" | "wontFit" | "unknown" and the text, for the warning before loading.
    Q_INVOKABLE QString fitLevel(const QString& path) const;
    Q_INVOKABLE QString fitText(const QString& path) const;
    // Queues catalog row `row` for download into the models folder; empty, or why not.
    Q_INVOKABLE QString download(int catalogRow);

    // Looks up the Vulkan devices again (their free memory changes); the models page calls
    // it when shown. On the GUI thread, like the settings' device list: one Vulkan
    // instance, tens of milliseconds.
    Q_INVOKABLE void probeGpus();
    void setGpus(const QVector<GpuDevice>& gpus);  // what probeGpus found; tests pass made-up ones
    void setFreeMemoryForTest(qint64 bytes);
    // Waits (event loop) until no scan is pending; for tests.
    bool waitForScans(int timeoutMs);

signals:
    void countChanged();
    void scanningChanged();
    void modelsFolderChanged();
    void memoryChanged();
    void scanned(const QString& path);

private:
    struct Row {
        ModelFile file;
        LibraryInfo info;
    };
    struct Cached {
        qint64 size;
        QDateTime modified;
        LibraryInfo info;
    };
    void rebuild();
    void onScanned(const QString& path, const LibraryInfo& info);
    FitEstimate fitFor(const Row& r) const;
    int rowOfPath(const QString& path) const;
    void updateInstalled();

    ModelListModel& files_;
    ModelManager& manager_;
    AppSettings& settings_;
    QSettings store_;
    QVector<Row> rows_;
    QHash<QString, Cached> cache_;
    QThreadPool pool_;
    int pending_ = 0;
    qint64 freeRam_ = 0;
    bool freeRamFixed_ = false;
    QVector<GpuDevice> gpus_;
    GpuTarget gpuTarget() const;  // the GPU the backend setting would use
    std::unique_ptr<CatalogModel> catalog_;
    std::unique_ptr<DownloadManager> downloads_;
};

}  // namespace kinglet::app
