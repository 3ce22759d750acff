#include "app_context.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QPalette>
#include <QQmlApplicationEngine>
#include <QQmlContext>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QStandardPaths>

#include "app_settings.h"
#include "assistant_actions.h"
#include "assistant_controller.h"
#include "chat_controller.h"
#include "chat_store.h"
#include "first_run.h"
#include "inference_worker.h"
#include "library_model.h"
#include "model_list_model.h"
#include "model_manager.h"

namespace kinglet::app {

bool parseCommandLine(const QStringList& arguments, AppOptions* options, QString* error) {
    QCommandLineParser p;
    p.setApplicationDescription(QCoreApplication::translate("main", "Kinglet: chat with a language model, offline."));
    p.addHelpOption();
    p.addVersionOption();
    const QCommandLineOption dataDir("data-dir", QCoreApplication::translate("main", "Keep chats and settings in DIR."), "DIR");
    const QCommandLineOption model("model", QCoreApplication::translate("main", "Load this .gguf model."), "FILE");
    const QCommandLineOption prompt("prompt", QCoreApplication::translate("main", "Open a new chat with this message sent."), "TEXT");
    const QCommandLineOption smoke("smoke-test",
                                   QCoreApplication::translate("main", "Start, render the first frame, exit 0 (packaging checks)."));
    const QCommandLineOption action("action", QCoreApplication::translate("main", "Run the writing assistant's ACTION (e.g. summarize) on the text, in the running Kinglet if there is one."), "ACTION");
    const QCommandLineOption from("from", QCoreApplication::translate("main", "Where --action takes the text: clipboard, selection or stdin."), "SOURCE");
    p.addOptions({dataDir, model, prompt, smoke, action, from});
    if (!p.parse(arguments)) {
        *error = p.errorText();
        return false;
    }
    if (p.isSet("help")) p.showHelp(0);
    if (p.isSet("version")) p.showVersion();
    if (!p.positionalArguments().isEmpty()) {
        *error = QCoreApplication::translate("main", "unexpected argument: %1").arg(p.positionalArguments().first());
        return false;
    }
    options->dataDir = p.value(dataDir);
    options->model = p.value(model);
    options->prompt = p.value(prompt);
    options->smokeTest = p.isSet(smoke);
    options->action = p.value(action);
    options->from = p.value(from);
    if (!options->from.isEmpty() && !QStringList{"clipboard", "selection", "stdin"}.contains(options->from)) {
        *error = QCoreApplication::translate("main", "--from must be clipboard, selection or stdin");
        return false;
    }
    return true;
}

void prepareQuick() {
    QQuickStyle::setStyle(QStringLiteral("Basic"));
    if (QGuiApplication::platformName() == QLatin1String("offscreen") || qEnvironmentVariableIsSet("KINGLET_SOFTWARE_RENDER"))
        QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
}

QString AppContext::resolveDataDir(const QString& requested) {
    QString dir = requested;
    if (dir.isEmpty()) dir = qEnvironmentVariable("KINGLET_DATA_DIR");
    if (dir.isEmpty()) dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(dir);
    return QDir(dir).absolutePath();
}

QString AppContext::demoModelFolder() {
    return QDir(QCoreApplication::applicationDirPath() + QStringLiteral("/../share/kinglet/models")).absolutePath();
}

AppContext::AppContext(AppOptions options, QObject* parent)
    : QObject(parent), options_(std::move(options)), dataDir_(resolveDataDir(options_.dataDir)) {
    const bool newDataFolder = !QFileInfo::exists(dataDir_ + QStringLiteral("/settings.ini"));  // before anything writes it
    settings_ = std::make_unique<AppSettings>(dataDir_ + QStringLiteral("/settings.ini"));
    store_ = std::make_unique<ChatStore>();
    engine_ = std::make_unique<InferenceEngine>();
    modelFiles_ = std::make_unique<ModelListModel>(
        dataDir_ + QStringLiteral("/models"), options_.demoFolder.isEmpty() ? demoModelFolder() : options_.demoFolder);
    modelFiles_->setExtraFolders(settings_->extraModelFolders());
    connect(settings_.get(), &AppSettings::changed, this,
            [this] { modelFiles_->setExtraFolders(settings_->extraModelFolders()); });
    modelManager_ = std::make_unique<ModelManager>(*engine_, *settings_, *modelFiles_);
    library_ = std::make_unique<LibraryModel>(*modelFiles_, *modelManager_, *settings_, dataDir_ + QStringLiteral("/settings.ini"));
    chat_ = std::make_unique<ChatController>(*store_, *engine_, *modelManager_, *settings_);
    chat_->openStore(dataDir_ + QStringLiteral("/chats.sqlite"));
    assistantActions_ = std::make_unique<AssistantActions>(dataDir_ + QStringLiteral("/settings.ini"));
    assistant_ = std::make_unique<AssistantController>(*engine_, *modelManager_, *settings_, *assistantActions_, *chat_, *store_);
    firstRun_ = std::make_unique<FirstRun>(dataDir_ + QStringLiteral("/settings.ini"), newDataFolder, *modelFiles_,
                                           *modelManager_, *library_);

    if (!options_.prompt.isEmpty()) {
        // --prompt: a new chat with that message, sent as soon as the model is ready.
        connect(modelManager_.get(), &ModelManager::loaded, this, [this] {
            if (options_.prompt.isEmpty()) return;
            chat_->newConversation();
            chat_->send(options_.prompt);
            options_.prompt.clear();
        });
    }
    if (options_.loadModel) modelManager_->load(modelManager_->initialModel(options_.model));
}

AppContext::~AppContext() {
    // The controller writes the last partial answer; the engine thread stops before the
    // objects it signals go away.
    firstRun_.reset();
    assistant_.reset();
    chat_.reset();
    library_.reset();
    modelManager_.reset();
    engine_.reset();
}

bool AppContext::systemDark() const {
    // Qt 6.4 has no colour-scheme hint yet; the platform palette tells the same.
    return QGuiApplication::palette().color(QPalette::Window).lightness() < 128;
}

QString AppContext::version() const { return QCoreApplication::applicationVersion(); }

QQuickWindow* AppContext::loadWindow(QQmlApplicationEngine& qml) {
    qmlRegisterSingletonInstance("Kinglet.Backend", 1, 0, "App", this);
    qmlRegisterSingletonInstance("Kinglet.Backend", 1, 0, "Chat", chat_.get());
    qmlRegisterSingletonInstance("Kinglet.Backend", 1, 0, "Model", modelManager_.get());
    qmlRegisterSingletonInstance("Kinglet.Backend", 1, 0, "ModelFiles", modelFiles_.get());
    qmlRegisterSingletonInstance("Kinglet.Backend", 1, 0, "Settings", settings_.get());
    qmlRegisterSingletonInstance("Kinglet.Backend", 1, 0, "Assistant", assistant_.get());
    qmlRegisterSingletonInstance("Kinglet.Backend", 1, 0, "AssistantActions", assistantActions_.get());
    assistant_->setQmlEngine(&qml);
    qmlRegisterSingletonInstance("Kinglet.Backend", 1, 0, "Library", library_.get());
    qmlRegisterSingletonInstance("Kinglet.Backend", 1, 0, "FirstRun", firstRun_.get());
    qml.addImportPath(QStringLiteral("qrc:/"));
    qml.load(QUrl(QStringLiteral("qrc:/Kinglet/Ui/Main.qml")));
    if (qml.rootObjects().isEmpty()) return nullptr;
    auto* window = qobject_cast<QQuickWindow*>(qml.rootObjects().first());
    assistant_->setMainWindow(window);
    return window;
}

}  // namespace kinglet::app
