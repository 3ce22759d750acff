// The curated catalog (resources/catalog/catalog.json, embedded as
// :/kinglet/catalog/catalog.json): small instruct models with their download URL, size
// and SHA-256 where known. Rows know whether the file is already in the models folder.
#pragma once
#include <QAbstractListModel>
#include <QJsonObject>
#include <QVector>

namespace kinglet::app {

struct CatalogEntry {
    QString id, name, family, architecture, quantization, fileName, url, sha256, license, description;
    quint64 parameters = 0;
    qint64 sizeBytes = 0;        // exact, 0 when not known
    qint64 approxSizeBytes = 0;  // estimate for display and the disk check
    int contextLength = 0;
    bool supported = false;      // the engine runs this architecture
};

class CatalogModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount CONSTANT)
    Q_PROPERTY(QString error READ error CONSTANT)
public:
    enum Roles {
        IdRole = Qt::UserRole + 1, NameRole, FamilyRole, ArchitectureRole, ParametersTextRole, QuantizationRole,
        FileNameRole, UrlRole, SizeTextRole, Sha256Role, LicenseRole, DescriptionRole, ContextRole, SupportedRole,
        InstalledRole
    };

    explicit CatalogModel(const QString& jsonPath = QStringLiteral(":/kinglet/catalog/catalog.json"), QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    const QVector<CatalogEntry>& entries() const { return entries_; }
    QString error() const { return error_; }
    void setInstalled(const QSet<QString>& fileNames);  // file names present in the models folder

    static bool parse(const QByteArray& json, QVector<CatalogEntry>* out, QString* error);

private:
    QVector<CatalogEntry> entries_;
    QSet<QString> installed_;
    QString error_;
};

}  // namespace kinglet::app
