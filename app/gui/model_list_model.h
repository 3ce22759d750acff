// The .gguf files the app can load: the user's models folder, extra folders from the
// settings, and the demo model shipped with the app. A simple scan for now; the model
// library (issue "model library") grows this into metadata, fit estimates and downloads.
#pragma once
#include <QAbstractListModel>
#include <QStringList>
#include <QVector>

namespace kinglet::app {

struct ModelFile {
    QString path;
    QString name;  // file name without .gguf
    qint64 size = 0;
    bool demo = false;  // shipped with the app
};

class ModelListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(QString userFolder READ userFolder NOTIFY userFolderChanged)
public:
    enum Roles { PathRole = Qt::UserRole + 1, NameRole, SizeRole, SizeTextRole, DemoRole };

    ModelListModel(QString userFolder, QString demoFolder, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    QString userFolder() const { return userFolder_; }
    void setUserFolder(const QString& folder);  // the models folder (the library can change it)
    void setExtraFolders(const QStringList& folders);
    Q_INVOKABLE void refresh();
    Q_INVOKABLE int indexOfPath(const QString& path) const;
    const QVector<ModelFile>& files() const { return items_; }
    QString demoModelPath() const;  // empty when the demo model is not installed

signals:
    void countChanged();
    void userFolderChanged();

private:
    QString userFolder_, demoFolder_;
    QStringList extraFolders_;
    QVector<ModelFile> items_;
};

QString humanSize(qint64 bytes);

}  // namespace kinglet::app
