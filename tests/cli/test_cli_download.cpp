// kinglet-cli download against a real HTTP server on 127.0.0.1 (the library tests'
// server, never the internet): a verified download, a wrong checksum, a dropped
// connection resumed by a second run with a Range request, a 404, and bad arguments.
#include <QCryptographicHash>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include "test_app_library_server.h"

namespace {

struct Run {
    int status = -1;
    QString out, err;
};

// Runs kinglet-cli while this thread's event loop keeps serving HTTP.
Run cli(const QStringList& args, int timeoutMs = 60000) {
    QProcess p;
    QEventLoop loop;
    QObject::connect(&p, &QProcess::finished, &loop, &QEventLoop::quit);
    QObject::connect(&p, &QProcess::errorOccurred, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    p.start(QStringLiteral(KINGLET_BINARY_DIR "/bin/kinglet-cli"), QStringList{"download"} + args);
    p.closeWriteChannel();
    if (p.state() != QProcess::NotRunning) loop.exec();
    Run r;
    if (p.state() != QProcess::NotRunning) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.status = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QByteArray body() {
    QByteArray b(256 * 1024, Qt::Uninitialized);
    quint32 x = 777;
    for (char& c : b) {
        x = x * 1664525u + 1013904223u;
        c = char(x >> 24);
    }
    return b;
}

QString sha(const QByteArray& b) { return QString::fromLatin1(QCryptographicHash::hash(b, QCryptographicHash::Sha256).toHex()); }

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class TestCliDownload : public QObject {
    Q_OBJECT
private slots:
    void init() {
        server_ = std::make_unique<TestHttpServer>(body());
        QVERIFY(server_->listen());
        QVERIFY(dir_.isValid());
    }

    void downloadsAndVerifies() {
        const QString out = dir_.filePath("model.gguf");
        const Run r = cli({server_->url("/file.gguf"), "--sha256", sha(server_->body()).toUpper(), "-o", out});
        QVERIFY2(r.status == 0, qPrintable(r.err));
        QCOMPARE(readAll(out), server_->body());
        QVERIFY(!QFile::exists(out + ".part"));
        // stdout is "SHA256  FILE" like sha256sum; stderr has the progress.
        QCOMPARE(r.out.trimmed(), sha(server_->body()) + "  " + out);
        QVERIFY2(r.err.contains('%') && r.err.contains("/s") && r.err.contains("ETA"), qPrintable(r.err));
        QVERIFY2(r.err.contains("SHA-256 verified"), qPrintable(r.err));

        // Run again: the finished file is checked, not fetched again.
        const int requests = int(server_->requests.size());
        const Run again = cli({server_->url("/file.gguf"), "--sha256", sha(server_->body()), "-o", out});
        QVERIFY2(again.status == 0, qPrintable(again.err));
        QCOMPARE(int(server_->requests.size()), requests);
    }

    void withoutChecksumSaysUnverified() {
        const QString out = dir_.filePath("plain.gguf");
        const Run r = cli({server_->url("/file.gguf"), "-o", out});
        QVERIFY2(r.status == 0, qPrintable(r.err));
        QCOMPARE(readAll(out), server_->body());
        QVERIFY2(r.err.contains("unverified: no --sha256 given"), qPrintable(r.err));
        // Without a checksum an existing file is not silently accepted.
        const Run again = cli({server_->url("/file.gguf"), "-o", out});
        QCOMPARE(again.status, 1);
        QVERIFY2(again.err.startsWith("error:") && again.err.contains("already exists"), qPrintable(again.err));
    }

    void wrongChecksumLeavesNothing() {
        const QString out = dir_.filePath("bad.gguf");
        const Run r = cli({server_->url("/file.gguf"), "--sha256", QString(64, 'a'), "-o", out});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("error: Checksum mismatch"), qPrintable(r.err));
        QVERIFY2(r.err.contains(sha(server_->body())), qPrintable(r.err));  // says what it got
        QVERIFY(!QFile::exists(out));
        QVERIFY(!QFile::exists(out + ".part"));
    }

    void droppedConnectionResumesOnSecondRun() {
        const QString out = dir_.filePath("resumed.gguf");
        const QString url = server_->url("/drop/file.gguf");
        server_->drops = 1;  // the first response stops half-way
        const Run first = cli({url, "--sha256", sha(server_->body()), "-o", out, "--retries", "0"});
        QCOMPARE(first.status, 1);
        QVERIFY2(first.err.contains("error:") && first.err.contains("run the same command again"), qPrintable(first.err));
        QVERIFY(!QFile::exists(out));
        const qint64 half = server_->body().size() / 2;
        QCOMPARE(QFileInfo(out + ".part").size(), half);

        const Run second = cli({url, "--sha256", sha(server_->body()), "-o", out});
        QVERIFY2(second.status == 0, qPrintable(second.err));
        QVERIFY2(second.err.contains("resuming"), qPrintable(second.err));
        QCOMPARE(readAll(out), server_->body());
        QVERIFY(!QFile::exists(out + ".part"));
        // The second run asked only for the rest.
        QCOMPARE(server_->requests.last(), QStringLiteral("/drop/file.gguf %1").arg(half));
    }

    // The user stops the program half-way (here: SIGKILL, nothing gets to clean up); the
    // same command again continues from what reached the disk.
    void killedRunResumesOnTheNextRun() {
        const QString out = dir_.filePath("killed.gguf");
        const QString url = server_->url("/slow/file.gguf");
        server_->slowChunk = 2048;  // 256 KiB in about 2.5 s
        QProcess p;
        p.start(QStringLiteral(KINGLET_BINARY_DIR "/bin/kinglet-cli"),
                {"download", url, "--sha256", sha(server_->body()), "-o", out});
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(out + ".part").size() >= 32 * 1024, 30000);
        p.kill();
        QVERIFY(p.waitForFinished(10000));
        const qint64 kept = QFileInfo(out + ".part").size();
        QVERIFY(kept > 0 && kept < server_->body().size());
        QVERIFY(!QFile::exists(out));

        const Run again = cli({url, "--sha256", sha(server_->body()), "-o", out});
        QVERIFY2(again.status == 0, qPrintable(again.err));
        QCOMPARE(readAll(out), server_->body());
        QCOMPARE(server_->requests.last(), QStringLiteral("/slow/file.gguf %1").arg(kept));
    }

    void notFoundIsAClearError() {
        const QString out = dir_.filePath("missing.gguf");
        const Run r = cli({server_->url("/404/missing.gguf"), "-o", out});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("error: Not found on the server (HTTP 404)"), qPrintable(r.err));
        QVERIFY(!QFile::exists(out));
        QVERIFY(!QFile::exists(out + ".part"));
    }

    void badArgumentsAreUsageErrors() {
        Run r = cli({});
        QCOMPARE(r.status, 1);
        QVERIFY(r.err.startsWith("error:"));
        r = cli({"ftp://example.invalid/x.gguf"});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("not an http"), qPrintable(r.err));
        r = cli({server_->url("/file.gguf"), "--sha256", "1234", "-o", dir_.filePath("x.gguf")});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("64 hexadecimal"), qPrintable(r.err));
        QVERIFY(server_->requests.isEmpty());  // nothing was fetched
    }

private:
    std::unique_ptr<TestHttpServer> server_;
    QTemporaryDir dir_;
};

QTEST_GUILESS_MAIN(TestCliDownload)
#include "test_cli_download.moc"
