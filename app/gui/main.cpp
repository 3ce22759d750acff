// kinglet: the desktop chat app. Parses the command line, builds the AppContext, shows
// the window; --smoke-test renders one frame (and, with a model, a short answer) and
// exits 0, so packaging checks can run the real binary under QT_QPA_PLATFORM=offscreen.
#include <QApplication>
#include <QFile>
#include <QJsonObject>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTimer>
#include <cstdio>

#include "app_context.h"
#include "app_settings.h"
#include "assistant_controller.h"
#include "assistant_tray.h"
#include "chat_controller.h"
#include "model_manager.h"
#include "single_instance.h"

using namespace kinglet::app;

namespace {

// Waits for the first frame, then for the model (if any) to answer a short prompt.
void runSmokeTest(QQuickWindow* window, AppContext& ctx) {
    auto finish = [](int code, const QString& what) {
        std::fprintf(code ? stderr : stdout, "smoke test: %s\n", qPrintable(what));
        QCoreApplication::exit(code);
    };
    auto afterFrame = [&ctx, finish] {
        ModelManager& model = ctx.modelManager();
        auto ask = [&ctx, finish] {
            QObject::connect(&ctx.chat(), &ChatController::answerFinished, &ctx, [&ctx, finish] {
                const auto& msgs = ctx.chat().messageModel().messages();
                const QString answer = msgs.isEmpty() ? QString() : msgs.last().content;
                finish(0, QStringLiteral("model %1 answered %2 characters").arg(ctx.modelManager().name()).arg(answer.size()));
            });
            if (ctx.chat().generating()) return;  // --prompt is already being answered
            if (!ctx.chat().send(QStringLiteral("Once upon a time"))) finish(1, QStringLiteral("could not send"));
        };
        if (model.ready()) {
            ask();
        } else if (model.state() == QLatin1String("loading")) {
            QObject::connect(&model, &ModelManager::loaded, &ctx, ask);
            QObject::connect(&model, &ModelManager::loadFailed, &ctx,
                             [finish](const QString& e) { finish(1, QStringLiteral("model failed: ") + e); });
        } else {
            finish(0, QStringLiteral("first frame rendered, no model installed"));
        }
    };
    QObject::connect(window, &QQuickWindow::frameSwapped, &ctx, afterFrame, Qt::SingleShotConnection);
    QTimer::singleShot(120000, &ctx, [finish] { finish(1, QStringLiteral("timed out")); });
}

}  // namespace

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);  // QApplication: the tray icon's menu is a widget
    QCoreApplication::setOrganizationName(QStringLiteral("Kinglet"));
    QCoreApplication::setApplicationName(QStringLiteral("kinglet"));
    QCoreApplication::setApplicationVersion(QStringLiteral(KINGLET_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Kinglet"));

    AppOptions options;
    QString error;
    if (!parseCommandLine(app.arguments(), &options, &error)) {
        std::fprintf(stderr, "kinglet: %s\n", qPrintable(error));
        return 2;
    }
    // The smoke test must not touch the user's chats: a throw-away data folder.
    QTemporaryDir smokeDir;
    if (options.smokeTest && options.dataDir.isEmpty()) options.dataDir = smokeDir.path();

    // One instance per data folder: a second start hands its request (an assistant
    // action, or just "show") to the running one and exits.
    QString stdinText;
    if (options.from == QLatin1String("stdin")) {
        QFile in;
        if (in.open(stdin, QIODevice::ReadOnly)) stdinText = QString::fromUtf8(in.readAll());
    }
    std::unique_ptr<SingleInstance> instance;
    if (!options.smokeTest) {
        const QString name = SingleInstance::serverName(AppContext::resolveDataDir(options.dataDir));
        QJsonObject request{{"show", true}};
        if (!options.action.isEmpty())
            request = QJsonObject{{"action", options.action}, {"from", options.from}, {"text", stdinText}};
        if (SingleInstance::forward(name, request, 1500)) return 0;
        instance = std::make_unique<SingleInstance>(name);
        if (!instance->listen()) std::fprintf(stderr, "kinglet: could not listen on %s\n", qPrintable(name));
    }

    prepareQuick();
    AppContext ctx(options);
    if (options.smokeTest) ctx.settings().setMaxTokens(32);  // a few tokens prove the path
    QQmlApplicationEngine qml;
    QQuickWindow* window = ctx.loadWindow(qml);
    if (!window) {
        std::fprintf(stderr, "kinglet: the window could not be loaded (see the messages above)\n");
        return 1;
    }
    if (options.smokeTest) runSmokeTest(window, ctx);
    if (instance) {
        QObject::connect(instance.get(), &SingleInstance::requestReceived, &ctx, [&ctx, window](const QJsonObject& r) {
            if (r.contains(QStringLiteral("action"))) {
                ctx.assistant().handleRequest(r.value("action").toString(), r.value("from").toString(), r.value("text").toString());
            } else {
                window->show();
                window->raise();
                window->requestActivate();
            }
        });
    }
    std::unique_ptr<AssistantTray> tray;
    if (!options.smokeTest && AssistantTray::available()) {
        tray = std::make_unique<AssistantTray>(ctx.assistant(), ctx.assistantActions());
        tray->setMainWindow(window);
        tray->show();
        // "Start minimised to the tray": the main window waits for the tray's "Show
        // Kinglet" (or a second start), and closing windows leaves Kinglet in the tray.
        // Without a tray there would be no way back, so the option is ignored there.
        if (ctx.settings().startMinimized()) {
            app.setQuitOnLastWindowClosed(false);
            if (options.prompt.isEmpty()) window->hide();
        }
    }
    if (!options.action.isEmpty()) {
        QTimer::singleShot(0, &ctx, [&ctx, &options, stdinText] { ctx.assistant().handleRequest(options.action, options.from, stdinText); });
    }
    return app.exec();
}
