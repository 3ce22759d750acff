// The first-run welcome in the real window, offscreen: a new data folder shows it; with the
// demo model next to the program "Start chatting" loads it and the chat view appears; the
// next start skips it; without the demo model it offers the one-click download (here from a
// local server, never the internet) and then "Start chatting"; "Browse chat models" opens
// the library. Screenshots go to <build>/test-artifacts/welcome-*.png; with
// KINGLET_SCREENSHOT_DIR set, the two the AppStream metainfo shows (welcome.png, chat.png)
// are written there too (packaging/screenshots/update.sh).
#include <QDir>
#include <QFile>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

#include "app_context.h"
#include "app_settings.h"
#include "catalog_model.h"
#include "chat_controller.h"
#include "download_manager.h"
#include "first_run.h"
#include "library_model.h"
#include "model_manager.h"
#include "shared_data.h"
#include "test_app_library_server.h"

using namespace kinglet::app;

namespace {

QString artifact(const QString& name) {
    const QString dir = QStringLiteral(KINGLET_BINARY_DIR "/test-artifacts");
    QDir().mkpath(dir);
    return dir + '/' + name;
}

// The app as a user starts it, on a data folder that may or may not exist yet.
struct App {
    std::unique_ptr<AppContext> ctx;
    std::unique_ptr<QQmlApplicationEngine> qml;
    QQuickWindow* window = nullptr;

    bool start(const QString& dataDir, const QString& demoFolder, QSize size = {1000, 700}, bool loadModel = false) {
        AppOptions o;
        o.dataDir = dataDir;
        o.demoFolder = demoFolder;
        o.loadModel = loadModel;  // false: the welcome's button is what loads it
        ctx = std::make_unique<AppContext>(o);
        // Not written before the start: a settings file would make this an old data folder.
        ctx->settings().setTheme(QStringLiteral("light"));
        ctx->settings().setThreads(1);
        ctx->settings().setMaxTokens(60);
        qml = std::make_unique<QQmlApplicationEngine>();
        window = ctx->loadWindow(*qml);
        if (!window) return false;
        window->resize(size);
        return QTest::qWaitForWindowExposed(window);
    }
    void stop() {
        qml.reset();
        ctx.reset();
        window = nullptr;
    }
    QQuickItem* item(const char* name) const { return window->findChild<QQuickItem*>(name); }
    bool shows(const char* name) const {
        QQuickItem* i = item(name);
        return i && i->isVisible();
    }
    bool shot(const QString& name, const QString& packagingName = {}) {
        QTest::qWait(200);  // let bindings and the layout settle
        const QImage image = window->grabWindow();
        if (image.isNull() || !image.save(artifact(name))) return false;
        const QString dir = qEnvironmentVariable("KINGLET_SCREENSHOT_DIR");
        if (packagingName.isEmpty() || dir.isEmpty()) return true;
        // PNG quality 0: the strongest compression, for small files in the repository.
        return image.save(QDir(dir).filePath(packagingName), "PNG", 0);
    }
    // The item lies entirely inside the window: reachable without scrolling.
    bool fullyInWindow(const char* name) const {
        QQuickItem* i = item(name);
        if (!i) return false;
        const QRectF r = i->mapRectToScene(QRectF(0, 0, i->width(), i->height()));
        return r.left() >= 0 && r.top() >= 0 && r.right() <= window->width() && r.bottom() <= window->height();
    }
    void click(const char* name) const {
        QQuickItem* i = item(name);
        QVERIFY2(i && i->isVisible() && i->isEnabled(), name);
        const QPointF c = i->mapToScene(QPointF(i->width() / 2, i->height() / 2));
        QTest::mouseClick(window, Qt::LeftButton, {}, c.toPoint());
    }
};

// A folder holding just the demo model, like <prefix>/share/kinglet/models of an install.
bool makeDemoFolder(const QString& folder, const QString& demo) {
    return QDir().mkpath(folder) && QFile::copy(demo, folder + QStringLiteral("/stories260K.gguf"));
}

QString welcomeDoneValue(const QString& dataDir) {
    return QSettings(dataDir + QStringLiteral("/settings.ini"), QSettings::IniFormat).value("ui/welcomeDone").toString();
}

}  // namespace

class TestAppWelcome : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { prepareQuick(); }

    void firstRunStartsChattingOnTheDemoModel_andTheNextRunSkipsTheWelcome() {
        KINGLET_REQUIRE_SHARED(demo, "models/stories260K.gguf");
        QTemporaryDir dir;
        const QString data = dir.filePath("data");  // does not exist yet: a first start
        QVERIFY(makeDemoFolder(dir.filePath("share/kinglet/models"), demo));

        App app;
        QVERIFY(app.start(data, dir.filePath("share/kinglet/models")));
        QVERIFY(app.ctx->firstRun().active());
        QTRY_VERIFY(app.shows("welcomePage"));
        QVERIFY(app.shows("welcomeStartButton"));
        QVERIFY(!app.shows("welcomeDownloadButton"));  // the demo is here: nothing to download
        QVERIFY(app.shows("welcomeLibraryButton"));
        // At 1000x700 the whole card, down to its last button, fits without scrolling.
        QVERIFY(app.shot("welcome-1000x700.png", "welcome.png"));
        QVERIFY(app.fullyInWindow("welcomeStartButton"));
        QVERIFY(app.fullyInWindow("welcomeLibraryButton"));
        // A small window: the card narrows; its buttons stay inside the window's width.
        app.window->resize(600, 500);
        QTRY_COMPARE(app.window->width(), 600);
        QVERIFY(app.shot("welcome-600x500.png"));
        QQuickItem* start = app.item("welcomeStartButton");
        const QRectF r = start->mapRectToScene(QRectF(0, 0, start->width(), start->height()));
        QVERIFY2(r.left() >= 0 && r.right() <= 600, qPrintable(QString("button at x %1..%2").arg(r.left()).arg(r.right())));
        app.window->resize(1000, 700);

        // Nothing loaded the model before the click (the test starts without one).
        QCOMPARE(app.ctx->modelManager().state(), QString("none"));
        QSignalSpy loaded(&app.ctx->modelManager(), &ModelManager::loaded);
        app.click("welcomeStartButton");
        QVERIFY(loaded.count() > 0 || loaded.wait(30000));
        QCOMPARE(QFileInfo(app.ctx->modelManager().path()).fileName(), QString("stories260K.gguf"));
        QVERIFY(!app.ctx->firstRun().active());
        QTRY_VERIFY(!app.shows("welcomePage"));
        QTRY_VERIFY(app.shows("composerInput"));  // the chat view, not the model page
        QCOMPARE(app.window->property("modelPageRequested").toBool(), false);
        QCOMPARE(welcomeDoneValue(data), QString("true"));

        // The demo model answers in the chat view: the screenshot the metainfo shows.
        app.ctx->settings().setMaxTokens(160);  // a story long enough to show how answers look
        QSignalSpy done(&app.ctx->chat(), &ChatController::answerFinished);
        QVERIFY(app.ctx->chat().send("Once upon a time, a little bird"));
        QVERIFY(done.count() > 0 || done.wait(60000));
        QVERIFY(!app.ctx->chat().messageModel().messages().last().content.isEmpty());
        QVERIFY(app.shot("welcome-then-chat.png", "chat.png"));
        app.stop();

        // The second start of the same data folder goes straight to the window.
        QVERIFY(app.start(data, dir.filePath("share/kinglet/models")));
        QVERIFY(!app.ctx->firstRun().active());
        QVERIFY(!app.item("welcomePage"));
        QTRY_VERIFY(app.shows("composerInput"));
    }

    void startChattingWhileTheAppAlreadyLoadsTheDemo() {
        // The real app opens the demo model at start (no other model yet) while the
        // welcome shows: the button must not load it a second time.
        KINGLET_REQUIRE_SHARED(demo, "models/stories260K.gguf");
        QTemporaryDir dir;
        QVERIFY(makeDemoFolder(dir.filePath("demo"), demo));
        App app;
        QStringList states;
        QVERIFY(app.start(dir.filePath("data"), dir.filePath("demo"), {1000, 700}, true));
        connect(&app.ctx->modelManager(), &ModelManager::stateChanged, this,
                [&] { states << app.ctx->modelManager().state(); });
        QVERIFY(app.ctx->firstRun().active());
        QTRY_VERIFY(app.shows("welcomeStartButton"));
        app.click("welcomeStartButton");
        QTRY_VERIFY(!app.shows("welcomePage"));
        QTRY_VERIFY_WITH_TIMEOUT(app.ctx->modelManager().ready(), 30000);
        QCOMPARE(QFileInfo(app.ctx->modelManager().path()).fileName(), QString("stories260K.gguf"));
        QVERIFY2(!states.contains("loading"), qPrintable(states.join(',')));
    }

    void withoutTheDemoModelTheWelcomeDownloadsIt() {
        KINGLET_REQUIRE_SHARED(demo, "models/stories260K.gguf");
        QTemporaryDir dir;
        const QString data = dir.filePath("data");
        App app;
        QVERIFY(app.start(data, dir.filePath("no-demo-here")));
        QVERIFY(app.ctx->firstRun().active());
        QTRY_VERIFY(app.shows("welcomePage"));
        QVERIFY(!app.shows("welcomeStartButton"));
        QVERIFY(app.shows("welcomeDownloadButton"));
        QVERIFY(app.item("welcomeDownloadButton")->isEnabled());
        QVERIFY(app.item("welcomeDownloadButton")->property("text").toString().startsWith("Download the demo model"));
        QVERIFY(app.fullyInWindow("welcomeDownloadButton"));
        // It would fetch the catalog's demo entry: the file the build bundles, with its checksum.
        const CatalogEntry* entry = nullptr;
        for (const CatalogEntry& e : app.ctx->library().catalog().entries())
            if (e.fileName == "stories260K.gguf") entry = &e;
        QVERIFY(entry);
        QVERIFY(entry->url.startsWith("https://"));
        QCOMPARE(app.ctx->firstRun().demoUrl(), entry->url);
        QVERIFY(!entry->sha256.isEmpty());
        QVERIFY(app.shot("welcome-download.png"));

        // The same file from a local server instead of the internet, slowly enough to
        // see the progress state.
        QFile f(demo);
        QVERIFY(f.open(QIODevice::ReadOnly));
        TestHttpServer server(f.readAll());
        server.slowChunk = 64 * 1024;
        QVERIFY(server.listen());
        app.ctx->firstRun().setDemoUrl(server.url("/slow/stories260K.gguf"));
        app.click("welcomeDownloadButton");
        QTRY_VERIFY(app.ctx->firstRun().downloadState() == "running" || app.ctx->firstRun().downloadState() == "done");
        if (app.ctx->firstRun().downloadState() == "running") {
            QVERIFY(!app.item("welcomeDownloadButton")->isEnabled());  // no second click
            QVERIFY(app.shot("welcome-downloading.png"));
        }
        QTRY_VERIFY_WITH_TIMEOUT(app.shows("welcomeStartButton"), 20000);
        QCOMPARE(app.ctx->firstRun().downloadState(), QString("done"));
        QVERIFY(!app.shows("welcomeDownloadButton"));
        const QString downloaded = QDir(app.ctx->library().modelsFolder()).filePath("stories260K.gguf");
        QVERIFY(QFileInfo::exists(downloaded));
        QCOMPARE(QFileInfo(app.ctx->firstRun().demoPath()), QFileInfo(downloaded));
        QCOMPARE(server.requests.size(), 1);
        QVERIFY(app.ctx->firstRun().active());  // downloading does not close the welcome

        // The keyboard goes on where the mouse did: Start chatting has the focus, Enter presses it.
        QTRY_VERIFY(app.item("welcomeStartButton")->hasActiveFocus());
        QSignalSpy loaded(&app.ctx->modelManager(), &ModelManager::loaded);
        QTest::keyClick(app.window, Qt::Key_Return);
        QVERIFY(loaded.count() > 0 || loaded.wait(30000));
        QCOMPARE(QFileInfo(app.ctx->modelManager().path()), QFileInfo(downloaded));
        QTRY_VERIFY(!app.shows("welcomePage"));
        QTRY_VERIFY(app.shows("composerInput"));
        QCOMPARE(welcomeDoneValue(data), QString("true"));
    }

    void failedDownloadOffersTryAgain() {
        QTemporaryDir dir;
        App app;
        QVERIFY(app.start(dir.filePath("data"), dir.filePath("no-demo-here")));
        app.ctx->settings().setTheme("dark");
        TestHttpServer server("unused");
        QVERIFY(server.listen());
        app.ctx->firstRun().setDemoUrl(server.url("/404/stories260K.gguf"));
        app.click("welcomeDownloadButton");
        QTRY_COMPARE(app.ctx->firstRun().downloadState(), QString("failed"));
        QVERIFY(!app.ctx->firstRun().downloadError().isEmpty());
        QTRY_COMPARE(app.item("welcomeDownloadButton")->property("text").toString(), QString("Try again"));
        QVERIFY(app.item("welcomeDownloadButton")->isEnabled());
        QVERIFY(app.shows("welcomePage"));
        QVERIFY(app.shot("welcome-download-failed-dark.png"));
        // Trying again resumes the same download row rather than adding one.
        app.click("welcomeDownloadButton");
        QTRY_COMPARE(app.ctx->firstRun().downloadState(), QString("failed"));
        QCOMPARE(app.ctx->library().downloads().rowCount(), 1);
    }

    void browseChatModelsOpensTheLibrary() {
        QTemporaryDir dir;
        const QString data = dir.filePath("data");
        App app;
        QVERIFY(app.start(data, dir.filePath("no-demo-here")));
        QTRY_VERIFY(app.shows("welcomePage"));
        app.click("welcomeLibraryButton");
        QTRY_VERIFY(!app.shows("welcomePage"));
        QVERIFY(app.window->property("modelPageRequested").toBool());
        QQuickItem* tabs = app.item("libraryTabs");
        QVERIFY(tabs && tabs->isVisible());
        QCOMPARE(tabs->property("currentIndex").toInt(), 1);  // "Get models"
        QCOMPARE(welcomeDoneValue(data), QString("true"));
        QVERIFY(app.shot("welcome-then-library.png"));
    }

    void aDataFolderFromBeforeIsNotWelcomed() {
        // Settings written by an earlier version (or a test) without ui/welcomeDone: that
        // user has used Kinglet before.
        QTemporaryDir dir;
        {
            AppSettings s(dir.filePath("settings.ini"));
            s.setTheme("dark");
        }
        App app;
        QVERIFY(app.start(dir.path(), dir.filePath("no-demo-here")));
        QVERIFY(!app.ctx->firstRun().active());
        QVERIFY(!app.item("welcomePage"));
    }
};

QTEST_MAIN(TestAppWelcome)
#include "test_app_welcome.moc"
