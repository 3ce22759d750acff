// The model library: the downloader against a real HTTP server on 127.0.0.1 (resume with
// Range, a server that ignores Range, dropped connections, 404/500, redirects, wrong
// checksums, pause/resume/cancel, the disk-space check, the queue), the metadata scan of
// the library on a worker thread incl. unsupported files, the fit estimate, deleting,
// the models folder, and the embedded catalog.
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <memory>

#include "app_settings.h"
#include "catalog_model.h"
#include "download_manager.h"
#include "download_task.h"
#include "inference_worker.h"
#include "library_model.h"
#include "library_scan.h"
#include "model_list_model.h"
#include "model_manager.h"
#include "shared_data.h"
#include "test_app_library_server.h"

using namespace kinglet::app;

namespace {

QByteArray testBody() {
    QByteArray b(300 * 1024, Qt::Uninitialized);
    quint32 x = 12345;
    for (char& c : b) {
        x = x * 1103515245u + 12345u;
        c = char(x >> 24);
    }
    return b;
}

QString sha(const QByteArray& b) { return QString::fromLatin1(QCryptographicHash::hash(b, QCryptographicHash::Sha256).toHex()); }

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

DownloadTask::Options fastOptions() {
    DownloadTask::Options o;
    o.backoffMs = 20;
    o.maxRetries = 3;
    o.stallTimeoutMs = 3000;
    return o;
}

// Runs a task to its end (Done, Failed or Canceled).
bool finish(DownloadTask& t, int timeoutMs = 20000) {
    if (t.state() == DownloadTask::State::Done || t.state() == DownloadTask::State::Failed) return true;
    QSignalSpy spy(&t, &DownloadTask::finished);
    return spy.wait(timeoutMs);
}

// A GGUF v3 header with only general.architecture = arch: readable, not runnable.
QByteArray ggufWithArch(const QByteArray& arch) {
    QByteArray b("GGUF");
    auto u32 = [&](quint32 v) { b.append(reinterpret_cast<const char*>(&v), 4); };
    auto u64 = [&](quint64 v) { b.append(reinterpret_cast<const char*>(&v), 8); };
    auto str = [&](const QByteArray& s) { u64(quint64(s.size())); b.append(s); };
    u32(3);
    u64(0);  // tensors
    u64(1);  // key-values
    str("general.architecture");
    u32(8);  // string
    str(arch);
    return b;
}

}  // namespace

class TestAppLibrary : public QObject {
    Q_OBJECT
    QNetworkAccessManager net;
    std::unique_ptr<TestHttpServer> server;
    QByteArray body;

private slots:
    void init() {
        body = testBody();
        server = std::make_unique<TestHttpServer>(body);
        QVERIFY(server->listen());
    }

    void downloadsAndVerifiesTheChecksum() {
        QTemporaryDir dir;
        const QString dest = dir.filePath("m.gguf");
        DownloadTask t(&net, server->url("/file.gguf"), dest, sha(body), body.size(), fastOptions());
        t.start();
        QVERIFY(finish(t));
        QCOMPARE(t.stateName(), QString("done"));
        QCOMPARE(readAll(dest), body);
        QVERIFY(!QFile::exists(dest + ".part"));
        QVERIFY(t.verified());
        QCOMPARE(t.computedSha256(), sha(body));
    }

    void withoutPublishedChecksumRecordsTheHash() {
        QTemporaryDir dir;
        DownloadTask t(&net, server->url("/file.gguf"), dir.filePath("m.gguf"), {}, 0, fastOptions());
        t.start();
        QVERIFY(finish(t));
        QCOMPARE(t.stateName(), QString("done"));
        QVERIFY(!t.verified());
        QCOMPARE(t.computedSha256(), sha(body));
        QVERIFY(t.note().startsWith("Unverified: no published checksum"));
    }

    void resumesAfterADroppedConnection() {
        QTemporaryDir dir;
        const QString dest = dir.filePath("m.gguf");
        server->drops = 2;
        DownloadTask t(&net, server->url("/drop/file.gguf"), dest, sha(body), 0, fastOptions());
        t.start();
        QVERIFY(finish(t));
        QVERIFY2(t.stateName() == "done", qPrintable(t.error()));
        QCOMPARE(readAll(dest), body);
        QVERIFY2(server->requests.size() >= 3, qPrintable(server->requests.join(',')));
        QVERIFY2(server->requests.contains("/drop/file.gguf " + QString::number(body.size() / 2)), qPrintable(server->requests.join(',')));
    }

    void resumesAPartFileWithRange() {
        QTemporaryDir dir;
        const QString dest = dir.filePath("m.gguf");
        {
            QFile part(dest + ".part");
            QVERIFY(part.open(QIODevice::WriteOnly));
            part.write(body.left(100000));
        }
        DownloadTask t(&net, server->url("/file.gguf"), dest, sha(body), body.size(), fastOptions());
        t.start();
        QVERIFY(finish(t));
        QCOMPARE(t.stateName(), QString("done"));
        QCOMPARE(server->requests, QStringList{"/file.gguf 100000"});
        QCOMPARE(readAll(dest), body);
    }

    void serverIgnoringRangeRestarts() {
        QTemporaryDir dir;
        const QString dest = dir.filePath("m.gguf");
        {
            QFile part(dest + ".part");
            QVERIFY(part.open(QIODevice::WriteOnly));
            part.write(QByteArray(5000, 'x'));  // would corrupt the file if appended to
        }
        DownloadTask t(&net, server->url("/norange/file.gguf"), dest, sha(body), 0, fastOptions());
        t.start();
        QVERIFY(finish(t));
        QVERIFY2(t.stateName() == "done", qPrintable(t.error()));
        QCOMPARE(readAll(dest), body);
    }

    void followsRedirects() {
        QTemporaryDir dir;
        DownloadTask t(&net, server->url("/redirect"), dir.filePath("m.gguf"), sha(body), 0, fastOptions());
        t.start();
        QVERIFY(finish(t));
        QVERIFY2(t.stateName() == "done", qPrintable(t.error()));
        QCOMPARE(server->requests.size(), 2);
    }

    void notFoundFailsClearly() {
        QTemporaryDir dir;
        const QString dest = dir.filePath("m.gguf");
        DownloadTask t(&net, server->url("/404/m.gguf"), dest, {}, 0, fastOptions());
        t.start();
        QVERIFY(finish(t));
        QCOMPARE(t.stateName(), QString("failed"));
        QVERIFY2(t.error().contains("404"), qPrintable(t.error()));
        QVERIFY(!QFile::exists(dest));
        QVERIFY(!QFile::exists(dest + ".part"));
        QCOMPARE(server->requests.size(), 1);  // no retries for a 404
    }

    void serverErrorsAreRetriedThenReported() {
        QTemporaryDir dir;
        const QString dest = dir.filePath("m.gguf");
        DownloadTask flaky(&net, server->url("/flaky/file.gguf"), dest, sha(body), 0, fastOptions());
        flaky.start();
        QVERIFY(finish(flaky));
        QVERIFY2(flaky.stateName() == "done", qPrintable(flaky.error()));

        const QString dest2 = dir.filePath("n.gguf");
        DownloadTask broken(&net, server->url("/500/file.gguf"), dest2, {}, 0, fastOptions());
        broken.start();
        QVERIFY(finish(broken));
        QCOMPARE(broken.stateName(), QString("failed"));
        QVERIFY2(broken.error().contains("HTTP 500"), qPrintable(broken.error()));
        QCOMPARE(server->requests.filter(QRegularExpression("^/500")).size(), 4);  // 1 + 3 retries
        QVERIFY(!QFile::exists(dest2));
    }

    void wrongChecksumLeavesNothing() {
        QTemporaryDir dir;
        const QString dest = dir.filePath("m.gguf");
        DownloadTask t(&net, server->url("/file.gguf"), dest, QString(64, 'a'), 0, fastOptions());
        t.start();
        QVERIFY(finish(t));
        QCOMPARE(t.stateName(), QString("failed"));
        QVERIFY2(t.error().contains("Checksum mismatch"), qPrintable(t.error()));
        QVERIFY(!QFile::exists(dest));
        QVERIFY(!QFile::exists(dest + ".part"));
    }

    void wrongSizeFromServerIsRefused() {
        QTemporaryDir dir;
        const QString dest = dir.filePath("m.gguf");
        DownloadTask t(&net, server->url("/file.gguf"), dest, {}, body.size() - 10, fastOptions());
        t.start();
        QVERIFY(finish(t));
        QCOMPARE(t.stateName(), QString("failed"));
        QVERIFY(!QFile::exists(dest));
    }

    void noServerFailsAfterRetries() {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 port = closed.serverPort();
        closed.close();  // nobody listens there now
        QTemporaryDir dir;
        DownloadTask t(&net, QUrl(QString("http://127.0.0.1:%1/m.gguf").arg(port)), dir.filePath("m.gguf"), {}, 0,
                       fastOptions());
        t.start();
        QVERIFY(finish(t));
        QCOMPARE(t.stateName(), QString("failed"));
        QVERIFY2(t.error().contains("Download failed after 4 tries"), qPrintable(t.error()));
        QVERIFY(!QFile::exists(dir.filePath("m.gguf")));
    }

    void notEnoughDiskSpace() {
        QTemporaryDir dir;
        DownloadTask t(&net, server->url("/file.gguf"), dir.filePath("m.gguf"), {}, qint64(1) << 55, fastOptions());
        t.start();
        QCOMPARE(t.stateName(), QString("failed"));
        QVERIFY2(t.error().contains("Not enough disk space"), qPrintable(t.error()));
        QVERIFY(server->requests.isEmpty());
    }

    void pauseResumeAndCancel() {
        QTemporaryDir dir;
        const QString dest = dir.filePath("m.gguf");
        DownloadTask t(&net, server->url("/slow/file.gguf"), dest, sha(body), body.size(), fastOptions());
        t.start();
        QTRY_VERIFY_WITH_TIMEOUT(t.received() > 20000, 10000);
        t.pause();
        QCOMPARE(t.stateName(), QString("paused"));
        const qint64 kept = QFileInfo(dest + ".part").size();
        QVERIFY(kept > 0);
        QCOMPARE(kept, t.received());
        QTest::qWait(100);
        QCOMPARE(QFileInfo(dest + ".part").size(), kept);  // nothing more arrives while paused
        t.start();
        QVERIFY(finish(t));
        QVERIFY2(t.stateName() == "done", qPrintable(t.error()));
        QCOMPARE(readAll(dest), body);
        QCOMPARE(server->requests.last(), QString("/slow/file.gguf %1").arg(kept));

        const QString dest2 = dir.filePath("n.gguf");
        DownloadTask c(&net, server->url("/slow/file.gguf"), dest2, {}, 0, fastOptions());
        c.start();
        QTRY_VERIFY_WITH_TIMEOUT(c.received() > 0, 10000);
        QVERIFY(t.bytesPerSecond() >= 0);
        c.cancel();
        QCOMPARE(c.stateName(), QString("canceled"));
        QVERIFY(!QFile::exists(dest2 + ".part"));
        QVERIFY(!QFile::exists(dest2));
    }

    void queueRunsOneAtATime() {
        QTemporaryDir dir;
        DownloadManager m;
        m.setTaskOptions(fastOptions());
        QSignalSpy done(&m, &DownloadManager::downloaded);
        QCOMPARE(m.enqueue(server->url("/slow/a.gguf"), dir.path(), "a.gguf", sha(body)), 0);
        QCOMPARE(m.enqueue(server->url("/file.gguf"), dir.path(), "b.gguf", sha(body)), 1);
        QCOMPARE(m.enqueue(server->url("/file.gguf"), dir.path(), "b.gguf"), -1);  // already queued
        QCOMPARE(m.data(m.index(0), DownloadManager::StateRole).toString(), QString("running"));
        QCOMPARE(m.data(m.index(1), DownloadManager::StateRole).toString(), QString("queued"));
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 2, 20000);
        QCOMPARE(readAll(dir.filePath("a.gguf")), body);
        QCOMPARE(readAll(dir.filePath("b.gguf")), body);
        QCOMPARE(m.activeCount(), 0);
    }

    void speedAndEtaTexts() {
        QCOMPARE(etaText(-1), QString());
        QCOMPARE(etaText(42), QString("42 s left"));
        QCOMPARE(etaText(3 * 60), QString("3 min left"));
        QVERIFY(speedText(2.5e6).endsWith("/s"));
    }

    // ---- the library ----

    void catalogIsCompleteAndSupported() {
        CatalogModel c;
        QVERIFY2(c.error().isEmpty(), qPrintable(c.error()));
        QCOMPARE(c.rowCount(), 21);
        QSet<QString> names;
        for (const CatalogEntry& e : c.entries()) {
            QVERIFY2(e.supported, qPrintable(e.id));
            QVERIFY(e.url.startsWith("https://huggingface.co/"));
            QVERIFY(e.url.endsWith("/" + e.fileName));
            QVERIFY(e.sha256.isEmpty() || QRegularExpression("^[0-9a-f]{64}$").match(e.sha256).hasMatch());
            QVERIFY(e.approxSizeBytes > 0);
            names.insert(e.name + ' ' + e.quantization);
        }
        for (const char* n : {"Qwen2.5 0.5B Instruct", "Qwen2.5 1.5B Instruct", "Qwen2.5 3B Instruct", "Qwen3 0.6B", "Qwen3 1.7B",
                              "Qwen3 4B", "Llama 3.2 1B Instruct", "Llama 3.2 3B Instruct", "SmolLM2 360M Instruct",
                              "SmolLM2 1.7B Instruct"})
            for (const char* q : {" Q4_K_M", " Q8_0"}) QVERIFY2(names.contains(QString(n) + q), n);
        const CatalogEntry& demo = c.entries().first();
        QCOMPARE(demo.fileName, QString("stories260K.gguf"));
        QCOMPARE(demo.sizeBytes, qint64(1185376));
        QCOMPARE(demo.sha256.size(), 64);
        // The demo model in ../shared is the published file: its checksum matches.
        const QString shared = QStringLiteral(KINGLET_SHARED_DIR "/models/stories260K.gguf");
        if (QFile::exists(shared)) QCOMPARE(sha(readAll(shared)), demo.sha256);
        QVector<CatalogEntry> out;
        QString error;
        const QByteArray evil = "{\"models\":[{\"id\":\"x\",\"fileName\":\"../evil.gguf\",\"url\":\"https://h/x\"}]}";
        QVERIFY(!CatalogModel::parse(evil, &out, &error));
    }

    void fitEstimateArithmetic() {
        LibraryInfo info;
        info.scanned = info.supported = true;
        info.nLayer = 24;
        info.kvDim = info.vDim = 128;
        info.contextLength = 32768;
        info.fileSize = 400ll << 20;
        FitEstimate f = estimateFit(info, 0, 16ll << 30);
        QCOMPARE(f.context, 4096);  // the engine's default cap
        QCOMPARE(f.kvCache, 2ll * 24 * 4096 * 128 * 2);
        QCOMPARE(f.level, QString("fits"));
        f = estimateFit(info, 32768, 500ll << 20);
        QCOMPARE(f.context, 32768);
        QCOMPARE(f.level, QString("wontFit"));
        QVERIFY(f.text.startsWith("Will not fit"));
        f = estimateFit(info, 100000, 16ll << 30);
        QCOMPARE(f.context, 32768);  // never more than the model was trained for
        QVERIFY(availableMemory() > 0);
        QCOMPARE(parameterText(494032768), QString("494M"));
        QCOMPARE(parameterText(1540000000), QString("1.5B"));
    }

    // Made-up numbers: 400 MiB of weights, 48 MiB of KV cache at 4096 tokens and 84 MiB of
    // overhead make 532 MiB.
    void fitEstimateAgainstTheGpu() {
        LibraryInfo info;
        info.scanned = info.supported = true;
        info.nLayer = 24;
        info.kvDim = info.vDim = 128;
        info.contextLength = 32768;
        info.fileSize = 400ll << 20;
        const qint64 mib = 1 << 20;
        auto gpu = [&](qint64 budget, bool named) {
            GpuTarget g;
            g.name = QStringLiteral("Test GPU");
            g.budget = budget;
            g.chosenByUser = named;
            return g;
        };
        FitEstimate f = estimateFit(info, 0, 16ll << 30, gpu(8ll << 30, false));
        QCOMPARE(f.total(), 532 * mib);
        QVERIFY(f.onGpu);
        QCOMPARE(f.level, QString("fits"));
        QVERIFY2(f.text.contains("fits on Test GPU"), qPrintable(f.text));
        // On the GPU its memory is what counts, not the RAM.
        f = estimateFit(info, 0, 100 * mib, gpu(8ll << 30, false));
        QCOMPARE(f.level, QString("fits"));
        // 532 of 600 MiB: over 70 %, under 90 %.
        f = estimateFit(info, 0, 16ll << 30, gpu(600 * mib, false));
        QVERIFY(f.onGpu);
        QCOMPARE(f.level, QString("tight"));
        // Too big for the GPU under "auto": the engine runs it on the CPU, so RAM decides.
        f = estimateFit(info, 0, 16ll << 30, gpu(512 * mib, false));
        QVERIFY(!f.onGpu);
        QCOMPARE(f.level, QString("fits"));
        QVERIFY2(f.text.contains("too big for Test GPU's") && f.text.contains("will run on the CPU"), qPrintable(f.text));
        f = estimateFit(info, 0, 300 * mib, gpu(512 * mib, false));
        QCOMPARE(f.level, QString("wontFit"));
        // A GPU the user named: no fallback, so it will not load.
        f = estimateFit(info, 0, 16ll << 30, gpu(512 * mib, true));
        QCOMPARE(f.level, QString("wontFit"));
        QVERIFY2(f.text.startsWith("Too big for Test GPU's"), qPrintable(f.text));
        // More context, more KV cache: 32768 tokens need 384 MiB of it.
        f = estimateFit(info, 32768, 16ll << 30, gpu(1ll << 30, false));
        QCOMPARE(f.kvCache, 384 * mib);
        QVERIFY(f.onGpu);
        QCOMPARE(f.level, QString("tight"));
        // The CPU backend: no GPU text at all.
        f = estimateFit(info, 0, 16ll << 30);
        QVERIFY(!f.text.contains("GPU"));
    }

    void gpuChoiceFollowsTheBackendSetting() {
        const qint64 gib = 1ll << 30;
        const QVector<GpuDevice> devices = {{0, "llvmpipe (LLVM 15)", "cpu", 2 * gib, 0},
                                            {1, "Radeon RX 7600", "discrete", 8 * gib, 6 * gib},
                                            {2, "Intel UHD 770", "integrated", 4 * gib, 0}};
        GpuTarget t = gpuFor(devices, "auto");
        QCOMPARE(t.name, QString("Radeon RX 7600"));
        QCOMPARE(t.budget, 6 * gib);  // what is free, not the heap
        QVERIFY(!t.chosenByUser);
        QVERIFY(!gpuFor(devices, "cpu").valid());
        t = gpuFor(devices, "vulkan:2");
        QCOMPARE(t.name, QString("Intel UHD 770"));
        QCOMPARE(t.budget, 4 * gib);  // no budget reported: the heap size
        QVERIFY(t.chosenByUser);
        QCOMPARE(gpuFor(devices, "vulkan:intel").name, QString("Intel UHD 770"));
        QCOMPARE(gpuFor(devices, "vulkan").name, QString("Radeon RX 7600"));
        QVERIFY(!gpuFor(devices, "vulkan:7").valid());
        QCOMPARE(gpuFor(devices, "auto", "2").name, QString("Intel UHD 770"));  // KINGLET_VK_DEVICE
        // Only a software device: "auto" keeps to the CPU, a named one is used.
        const QVector<GpuDevice> soft = {devices[0]};
        QVERIFY(!gpuFor(soft, "auto").valid());
        QCOMPARE(gpuFor(soft, "vulkan:0").budget, 2 * gib);
        QVERIFY(!gpuFor({}, "auto").valid());
        QVERIFY(!gpuFor({}, "vulkan:0").valid());
    }

    void libraryScansOffTheGuiThreadAndExplainsUnsupported() {
        KINGLET_REQUIRE_SHARED(qwen, "models/tiny-qwen2-q8_0.gguf");
        QTemporaryDir dir;
        const QString models = dir.filePath("models");
        QDir().mkpath(models);
        QVERIFY(QFile::copy(qwen, models + "/tiny-qwen2.gguf"));
        {
            QFile f(models + "/mamba.gguf");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(ggufWithArch("mamba"));
            QFile g(models + "/garbage.gguf");
            QVERIFY(g.open(QIODevice::WriteOnly));
            g.write("this is not a model");
        }
        AppSettings settings(dir.filePath("settings.ini"));
        ModelListModel files(models, dir.filePath("no-demo"));
        InferenceEngine engine;
        ModelManager manager(engine, settings, files);
        LibraryModel lib(files, manager, settings, dir.filePath("settings.ini"));
        QCOMPARE(lib.rowCount(), 3);
        QVERIFY(lib.scanning());  // metadata comes later, from the worker
        QVERIFY(!lib.data(lib.index(0), LibraryModel::ScannedRole).toBool());
        QVERIFY(lib.waitForScans(20000));
        QHash<QString, int> row;
        for (int i = 0; i < lib.rowCount(); ++i) row[lib.data(lib.index(i), LibraryModel::FileNameRole).toString()] = i;
        auto get = [&](const char* file, int role) { return lib.data(lib.index(row[file]), role); };
        QVERIFY(get("tiny-qwen2.gguf", LibraryModel::SupportedRole).toBool());
        QCOMPARE(get("tiny-qwen2.gguf", LibraryModel::ArchitectureRole).toString(), QString("qwen2"));
        QCOMPARE(get("tiny-qwen2.gguf", LibraryModel::QuantizationRole).toString(), QString("Q8_0"));
        QVERIFY(!get("tiny-qwen2.gguf", LibraryModel::ParametersTextRole).toString().isEmpty());
        QVERIFY(get("tiny-qwen2.gguf", LibraryModel::ContextRole).toInt() > 0);
        QCOMPARE(get("tiny-qwen2.gguf", LibraryModel::FitLevelRole).toString(), QString("fits"));
        // With a GPU the estimate names it; the CPU backend leaves it out.
        settings.setBackend("auto");
        lib.setGpus({{0, "Radeon RX 7600", "discrete", 8ll << 30, 6ll << 30}});
        QVERIFY2(get("tiny-qwen2.gguf", LibraryModel::FitTextRole).toString().contains("fits on Radeon RX 7600"),
                 qPrintable(get("tiny-qwen2.gguf", LibraryModel::FitTextRole).toString()));
        QVERIFY(lib.memoryText().contains("Radeon RX 7600"));
        settings.setBackend("cpu");
        QVERIFY(!get("tiny-qwen2.gguf", LibraryModel::FitTextRole).toString().contains("Radeon"));
        QVERIFY(!lib.memoryText().contains("Radeon"));
        QVERIFY(!get("mamba.gguf", LibraryModel::SupportedRole).toBool());
        QVERIFY2(get("mamba.gguf", LibraryModel::ReasonRole).toString().contains("mamba"),
                 qPrintable(get("mamba.gguf", LibraryModel::ReasonRole).toString()));
        QCOMPARE(get("mamba.gguf", LibraryModel::ArchitectureRole).toString(), QString("mamba"));
        QVERIFY(!get("garbage.gguf", LibraryModel::SupportedRole).toBool());
        QVERIFY(!get("garbage.gguf", LibraryModel::ReasonRole).toString().isEmpty());

        // Not enough memory: the warning before loading.
        lib.setFreeMemoryForTest(1024);
        QCOMPARE(lib.fitLevel(models + "/tiny-qwen2.gguf"), QString("wontFit"));
        QVERIFY(lib.fitText(models + "/tiny-qwen2.gguf").startsWith("Will not fit"));

        // Delete: gone from disk and from the list.
        QVERIFY(lib.deleteModel(models + "/garbage.gguf").isEmpty());
        QVERIFY(!QFile::exists(models + "/garbage.gguf"));
        QCOMPARE(lib.rowCount(), 2);
        QVERIFY(!lib.deleteModel(models + "/nope.gguf").isEmpty());

        // A new models folder: listed from there, and remembered.
        const QString other = dir.filePath("other models");
        QVERIFY(lib.setModelsFolder(QUrl::fromLocalFile(other).toString()).isEmpty());
        QCOMPARE(files.userFolder(), other);
        QCOMPARE(lib.rowCount(), 0);
        QVERIFY(!lib.setModelsFolder("").isEmpty());
        ModelListModel files2(models, dir.filePath("no-demo"));
        LibraryModel lib2(files2, manager, settings, dir.filePath("settings.ini"));
        QCOMPARE(files2.userFolder(), other);
    }

    void demoModelCannotBeDeleted() {
        KINGLET_REQUIRE_SHARED(demo, "models/stories260K.gguf");
        QTemporaryDir dir;
        AppSettings settings(dir.filePath("settings.ini"));
        ModelListModel files(dir.filePath("models"), QFileInfo(demo).absolutePath());
        InferenceEngine engine;
        ModelManager manager(engine, settings, files);
        LibraryModel lib(files, manager, settings, dir.filePath("settings.ini"));
        QVERIFY(lib.waitForScans(30000));
        QVERIFY(!lib.deleteModel(files.demoModelPath()).isEmpty());
        QVERIFY(QFile::exists(demo));
        // The catalog knows which files are already there.
        QCOMPARE(lib.catalog().data(lib.catalog().index(0), CatalogModel::InstalledRole).toBool(), false);
    }
};

QTEST_GUILESS_MAIN(TestAppLibrary)
#include "test_app_library.moc"
