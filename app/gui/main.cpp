// kinglet: the desktop chat app. Parses the command line, builds the AppContext, shows
// the window; --smoke-test renders one frame (and, with a model, a short answer) and
// exits 0, so packaging checks can run the real binary under QT_QPA_PLATFORM=offscreen.
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTimer>
#include <cstdio>

#include "app_context.h"
#include "app_settings.h"
#include "chat_controller.h"
#include "model_manager.h"

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
    QGuiApplication app(argc, argv);
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
    return app.exec();
}
