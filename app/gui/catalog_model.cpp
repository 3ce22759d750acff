#include "catalog_model.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QSet>

#include "library_scan.h"
#include "model/hparams.h"

namespace kinglet::app {

bool CatalogModel::parse(const QByteArray& json, QVector<CatalogEntry>* out, QString* error) {
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (doc.isNull()) {
        *error = pe.errorString();
        return false;
    }
    const QJsonArray models = doc.object().value(QStringLiteral("models")).toArray();
    for (const QJsonValue& v : models) {
        const QJsonObject o = v.toObject();
        CatalogEntry e;
        e.id = o.value("id").toString();
        e.name = o.value("name").toString();
        e.family = o.value("family").toString();
        e.architecture = o.value("architecture").toString();
        e.quantization = o.value("quantization").toString();
        e.fileName = o.value("fileName").toString();
        e.url = o.value("url").toString();
        e.sha256 = o.value("sha256").toString().toLower();
        e.license = o.value("license").toString();
        e.description = o.value("description").toString();
        e.parameters = quint64(o.value("parameters").toDouble());
        e.sizeBytes = qint64(o.value("sizeBytes").toDouble());
        e.approxSizeBytes = qint64(o.value("approxSizeBytes").toDouble());
        if (e.approxSizeBytes <= 0) e.approxSizeBytes = e.sizeBytes;
        e.contextLength = o.value("contextLength").toInt();
        e.supported = is_supported_arch(e.architecture.toStdString());
        // A file name with a path in it would write outside the models folder.
        if (e.fileName.isEmpty() || e.fileName.contains('/') || e.fileName.contains('\\') || e.fileName.startsWith('.') ||
            !e.url.startsWith(QLatin1String("https://"))) {
            *error = QStringLiteral("bad catalog entry %1").arg(e.id);
            return false;
        }
        out->push_back(e);
    }
    return true;
}

CatalogModel::CatalogModel(const QString& jsonPath, QObject* parent) : QAbstractListModel(parent) {
    QFile f(jsonPath);
    if (!f.open(QIODevice::ReadOnly)) {
        error_ = tr("The model catalog is missing (%1)").arg(jsonPath);
        return;
    }
    if (!parse(f.readAll(), &entries_, &error_)) {
        entries_.clear();
        error_ = tr("The model catalog is damaged: %1").arg(error_);
    }
}

int CatalogModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(entries_.size()); }

QVariant CatalogModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const CatalogEntry& e = entries_[index.row()];
    switch (role) {
        case Qt::DisplayRole:
        case NameRole: return e.name;
        case IdRole: return e.id;
        case FamilyRole: return e.family;
        case ArchitectureRole: return e.architecture;
        case ParametersTextRole: return parameterText(e.parameters);
        case QuantizationRole: return e.quantization;
        case FileNameRole: return e.fileName;
        case UrlRole: return e.url;
        case SizeTextRole:
            return e.sizeBytes > 0 ? QLocale().formattedDataSize(e.sizeBytes, 1)
                                   : QStringLiteral("\u2248 ") + QLocale().formattedDataSize(e.approxSizeBytes, 1);
        case Sha256Role: return e.sha256;
        case LicenseRole: return e.license;
        case DescriptionRole: return e.description;
        case ContextRole: return e.contextLength;
        case SupportedRole: return e.supported;
        case InstalledRole: return installed_.contains(e.fileName);
    }
    return {};
}

QHash<int, QByteArray> CatalogModel::roleNames() const {
    return {{IdRole, "entryId"},           {NameRole, "name"},           {FamilyRole, "family"},
            {ArchitectureRole, "architecture"}, {ParametersTextRole, "parametersText"},
            {QuantizationRole, "quantization"}, {FileNameRole, "fileName"}, {UrlRole, "url"},
            {SizeTextRole, "sizeText"},    {Sha256Role, "sha256"},       {LicenseRole, "license"},
            {DescriptionRole, "description"}, {ContextRole, "contextLength"}, {SupportedRole, "supported"},
            {InstalledRole, "installed"}};
}

void CatalogModel::setInstalled(const QSet<QString>& fileNames) {
    if (fileNames == installed_) return;
    installed_ = fileNames;
    if (!entries_.isEmpty()) emit dataChanged(index(0), index(int(entries_.size()) - 1), {InstalledRole});
}

}  // namespace kinglet::app
