#include "model_list_model.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QLocale>
#include <QSet>
#include <algorithm>

namespace kinglet::app {

QString humanSize(qint64 bytes) { return QLocale().formattedDataSize(bytes, 1); }

ModelListModel::ModelListModel(QString userFolder, QString demoFolder, QObject* parent)
    : QAbstractListModel(parent), userFolder_(std::move(userFolder)), demoFolder_(std::move(demoFolder)) {
    QDir().mkpath(userFolder_);
    refresh();
}

int ModelListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(items_.size());
}

QVariant ModelListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const ModelFile& m = items_[index.row()];
    switch (role) {
        case Qt::DisplayRole:
        case NameRole: return m.name;
        case PathRole: return m.path;
        case SizeRole: return m.size;
        case SizeTextRole: return humanSize(m.size);
        case DemoRole: return m.demo;
    }
    return {};
}

QHash<int, QByteArray> ModelListModel::roleNames() const {
    return {{PathRole, "path"}, {NameRole, "name"}, {SizeRole, "size"}, {SizeTextRole, "sizeText"}, {DemoRole, "demo"}};
}

void ModelListModel::setUserFolder(const QString& folder) {
    if (folder.isEmpty() || folder == userFolder_) return;
    userFolder_ = folder;
    QDir().mkpath(userFolder_);
    emit userFolderChanged();
    refresh();
}

void ModelListModel::setExtraFolders(const QStringList& folders) {
    if (folders == extraFolders_) return;
    extraFolders_ = folders;
    refresh();
}

void ModelListModel::refresh() {
    QVector<ModelFile> found;
    QSet<QString> seen;
    auto scan = [&](const QString& folder, bool demo) {
        if (folder.isEmpty()) return;
        QDirIterator it(folder, {QStringLiteral("*.gguf")}, QDir::Files | QDir::Readable, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QFileInfo info(it.next());
            const QString path = info.canonicalFilePath();
            if (path.isEmpty() || seen.contains(path)) continue;
            seen.insert(path);
            found.push_back({path, info.completeBaseName(), info.size(), demo});
        }
    };
    scan(userFolder_, false);
    for (const QString& f : extraFolders_) scan(f, false);
    scan(demoFolder_, true);
    // The user's own models first, by name; the demo model last.
    std::stable_sort(found.begin(), found.end(), [](const ModelFile& a, const ModelFile& b) {
        if (a.demo != b.demo) return !a.demo;
        return QString::localeAwareCompare(a.name, b.name) < 0;
    });
    beginResetModel();
    items_ = std::move(found);
    endResetModel();
    emit countChanged();
}

int ModelListModel::indexOfPath(const QString& path) const {
    const QString canonical = QFileInfo(path).canonicalFilePath();
    for (int i = 0; i < items_.size(); ++i) {
        if (items_[i].path == canonical) return i;
    }
    return -1;
}

QString ModelListModel::demoModelPath() const {
    for (const ModelFile& m : items_) {
        if (m.demo) return m.path;
    }
    return {};
}

}  // namespace kinglet::app
