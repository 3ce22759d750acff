// Everything the running app is made of, built in one place: paths, settings, the
// chat store, the engine thread, the models and the controller, plus loading the QML
// window. main() and the GUI tests both build an AppContext, so a test drives the
// same objects the user does.
#pragma once
#include <QObject>
#include <QString>
#include <memory>

class QQmlApplicationEngine;
class QQuickWindow;

namespace kinglet::app {

class AppSettings;
class AssistantActions;
class AssistantController;
class ChatController;
class ChatStore;
class FirstRun;
class InferenceEngine;
class LibraryModel;
class ModelListModel;
class ModelManager;

struct AppOptions {
    QString dataDir;    // --data-dir, else $KINGLET_DATA_DIR, else AppDataLocation
    QString model;      // --model FILE
    QString prompt;     // --prompt TEXT
    bool smokeTest = false;
    bool loadModel = true;  // tests may start without a model
    QString action;  // --action NAME: run the writing assistant on --from
    QString from;    // clipboard | selection | stdin (default: clipboard, or the selection when preferred)
    QString demoFolder;     // where the bundled demo model is; empty: next to the program
};

// Parses kinglet [--data-dir DIR] [--model FILE] [--prompt TEXT] [--smoke-test].
// Returns false and fills *error for a bad command line (--help prints and exits).
bool parseCommandLine(const QStringList& arguments, AppOptions* options, QString* error);

class AppContext : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool systemDark READ systemDark CONSTANT)
    Q_PROPERTY(QString version READ version CONSTANT)
    Q_PROPERTY(QString dataDir READ dataDir CONSTANT)
public:
    explicit AppContext(AppOptions options, QObject* parent = nullptr);
    ~AppContext() override;

    static QString resolveDataDir(const QString& requested);
    static QString demoModelFolder();  // <exe>/../share/kinglet/models

    bool systemDark() const;
    QString version() const;
    QString dataDir() const { return dataDir_; }

    AppSettings& settings() { return *settings_; }
    ChatStore& store() { return *store_; }
    InferenceEngine& engine() { return *engine_; }
    ModelListModel& modelFiles() { return *modelFiles_; }
    ModelManager& modelManager() { return *modelManager_; }
    LibraryModel& library() { return *library_; }
    ChatController& chat() { return *chat_; }
    AssistantActions& assistantActions() { return *assistantActions_; }
    AssistantController& assistant() { return *assistant_; }
    FirstRun& firstRun() { return *firstRun_; }

    // Registers the backend objects for QML (import Kinglet.Backend) and loads the
    // main window. Returns null (and logs why) when the QML does not load.
    QQuickWindow* loadWindow(QQmlApplicationEngine& qml);

private:
    AppOptions options_;
    QString dataDir_;
    std::unique_ptr<AppSettings> settings_;
    std::unique_ptr<ChatStore> store_;
    std::unique_ptr<InferenceEngine> engine_;
    std::unique_ptr<ModelListModel> modelFiles_;
    std::unique_ptr<ModelManager> modelManager_;
    std::unique_ptr<LibraryModel> library_;  // the model library (catalog, downloads)
    std::unique_ptr<ChatController> chat_;
    std::unique_ptr<AssistantActions> assistantActions_;  // the writing assistant
    std::unique_ptr<AssistantController> assistant_;
    std::unique_ptr<FirstRun> firstRun_;  // the welcome screen of a new data folder
};

// Before any window exists: the Quick Controls style, and software rendering where
// there is no GPU (offscreen tests, CI), so grabbing a window always works.
void prepareQuick();

}  // namespace kinglet::app
