// The library page in the real window, offscreen: the installed models with their
// metadata (incl. an unsupported file), the catalog, and the download queue with a
// finished and a failed download from a local server. Screenshots go to
// <build>/test-artifacts/library-*.png for a person to look at.
#include <QDir>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "app_context.h"
#include "app_settings.h"
#include "download_manager.h"
#include "library_model.h"
#include "shared_data.h"
#include "test_app_library_server.h"

using namespace kinglet::app;

class TestAppLibraryQml : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { prepareQuick(); }

    void libraryPageScreenshots() {
        KINGLET_REQUIRE_SHARED(qwen, "models/tiny-qwen2-q4_k_m.gguf");
        KINGLET_REQUIRE_SHARED(llama3, "models/tiny-llama3-q4_k_m.gguf");
        QTemporaryDir dir;
        QDir().mkpath(dir.filePath("models"));
        QVERIFY(QFile::copy(qwen, dir.filePath("models/tiny-qwen2-q4_k_m.gguf")));
        QVERIFY(QFile::copy(llama3, dir.filePath("models/tiny-llama3-q4_k_m.gguf")));
        {
            QFile g(dir.filePath("models/broken-download.gguf"));
            QVERIFY(g.open(QIODevice::WriteOnly));
            g.write("GGUF but not really");
        }
        {
            AppSettings s(dir.filePath("settings.ini"));
            s.setTheme("light");
        }
        AppOptions o;
        o.dataDir = dir.path();
        o.loadModel = false;
        o.demoFolder = QFileInfo(qwen).absolutePath() + "/no-demo-here";
        AppContext ctx(o);
        QQmlApplicationEngine qml;
        QQuickWindow* window = ctx.loadWindow(qml);
        QVERIFY(window);
        QVERIFY(QTest::qWaitForWindowExposed(window));
        QVERIFY(ctx.library().waitForScans(20000));
        window->setProperty("modelPageRequested", true);
        const QString out = QStringLiteral(KINGLET_BINARY_DIR "/test-artifacts");
        QDir().mkpath(out);
        auto shot = [&](const QString& name) {
            QTest::qWait(200);
            return window->grabWindow().save(out + '/' + name);
        };
        QVERIFY(shot("library-installed.png"));

        auto* tabs = window->findChild<QQuickItem*>("libraryTabs");
        QVERIFY(tabs);
        tabs->setProperty("currentIndex", 1);
        QVERIFY(shot("library-catalog.png"));

        TestHttpServer server(QByteArray(200000, 'k'));
        QVERIFY(server.listen());
        DownloadManager& d = ctx.library().downloads();
        QSignalSpy finished(&d, &DownloadManager::downloaded);
        d.enqueue(server.url("/file.gguf"), ctx.library().modelsFolder(), "downloaded.gguf", {}, 0, "Local test model");
        QVERIFY(finished.count() > 0 || finished.wait(10000));
        d.enqueue(server.url("/404/missing.gguf"), ctx.library().modelsFolder(), "missing.gguf", {}, 0, "A model that is not there");
        QTRY_COMPARE(d.data(d.index(1), DownloadManager::StateRole).toString(), QString("failed"));
        d.enqueue(server.url("/slow/slow.gguf"), ctx.library().modelsFolder(), "slow.gguf", {}, 0, "A slow download");
        QTRY_VERIFY(d.data(d.index(2), DownloadManager::ReceivedRole).toLongLong() > 20000);
        tabs->setProperty("currentIndex", 2);
        QVERIFY(shot("library-downloads.png"));
        d.cancel(2);
    }
};

QTEST_MAIN(TestAppLibraryQml)
#include "test_app_library_qml.moc"
