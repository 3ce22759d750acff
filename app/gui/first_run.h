// The welcome screen's state and actions: whether this is the first run of a data
// folder (persisted as ui/welcomeDone in settings.ini), where the demo model is (shipped
// next to the program, or downloaded earlier), and getting it in one click from the
// catalog's demo entry when the build had none. The QML (WelcomePage.qml) only shows
// what this says and calls its slots.
#pragma once
#include <QObject>
#include <QSettings>

namespace kinglet::app {

class LibraryModel;
class ModelListModel;
class ModelManager;

class FirstRun : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool active READ active NOTIFY activeChanged)  // the welcome screen shows
    Q_PROPERTY(QString demoPath READ demoPath NOTIFY demoChanged)  // empty: no demo model on this computer
    Q_PROPERTY(QString demoUrl READ demoUrl NOTIFY demoChanged)    // empty: the catalog has no demo entry
    Q_PROPERTY(QString demoSizeText READ demoSizeText CONSTANT)
    // "" (not started) | queued | running | paused | verifying | done | failed | canceled
    Q_PROPERTY(QString downloadState READ downloadState NOTIFY downloadChanged)
    Q_PROPERTY(double downloadProgress READ downloadProgress NOTIFY downloadChanged)  // 0..1
    Q_PROPERTY(QString downloadError READ downloadError NOTIFY downloadChanged)

public:
    // newDataFolder: settings.ini did not exist before this start. Only then is the
    // welcome due; a data folder from before the welcome existed (or one a test
    // prepared) has no ui/welcomeDone and counts as done.
    FirstRun(const QString& iniPath, bool newDataFolder, ModelListModel& files, ModelManager& manager,
             LibraryModel& library, QObject* parent = nullptr);

    bool active() const { return active_; }
    QString demoPath() const;
    QString demoUrl() const { return demoUrl_; }
    QString demoSizeText() const;
    QString downloadState() const { return downloadState_; }
    double downloadProgress() const { return downloadProgress_; }
    QString downloadError() const { return downloadError_; }

    // Where downloadDemo() fetches from; the catalog's URL unless a test points it at a
    // local server.
    void setDemoUrl(const QString& url);

    // Loads the demo model (unless it is already loading or loaded) and closes the welcome.
    Q_INVOKABLE void startChatting();
    // Queues the demo model's download into the models folder; progress in downloadState.
    Q_INVOKABLE void downloadDemo();
    // Closes the welcome for good (the user went on to the model library or skipped).
    Q_INVOKABLE void finish();

signals:
    void activeChanged();
    void demoChanged();
    void downloadChanged();

private:
    void updateDownload();

    QSettings store_;
    ModelListModel& files_;
    ModelManager& manager_;
    LibraryModel& library_;
    bool active_ = false;
    int demoRow_ = -1;  // the demo's row in the catalog
    QString demoFileName_, demoUrl_, demoSha256_;
    qint64 demoSize_ = 0;       // for display
    qint64 demoExactSize_ = 0;  // checked by the download; 0 when the catalog does not know it
    QString downloadPath_;  // where the demo is being downloaded to; empty before downloadDemo()
    QString downloadState_, downloadError_;
    double downloadProgress_ = 0;
};

}  // namespace kinglet::app
