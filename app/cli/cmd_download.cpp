// kinglet-cli download: fetch a model with the app's own downloader (DownloadTask):
// into FILE.part, resumed with HTTP Range when run again, retried with backoff, the
// SHA-256 checked before the file is renamed into place. Progress goes to stderr; on
// success stdout gets "SHA256  FILE" like sha256sum. Exit 0 only when the file is
// complete and, with --sha256, matches; 1 with an "error:" line otherwise.
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QRegularExpression>
#include <QUrl>
#include <cstdio>
#include <memory>
#include <unistd.h>

#include "common.h"
#include "download_task.h"

namespace kinglet::cli {
namespace {

using kinglet::app::DownloadTask;

QString sizeText(qint64 bytes) { return QLocale::c().formattedDataSize(bytes, 1); }

QString etaText(qint64 seconds) {
    if (seconds < 0) return QStringLiteral("--:--");
    if (seconds >= 3600) return QStringLiteral("%1:%2:%3").arg(seconds / 3600).arg(seconds / 60 % 60, 2, 10, QChar('0')).arg(seconds % 60, 2, 10, QChar('0'));
    return QStringLiteral("%1:%2").arg(seconds / 60).arg(seconds % 60, 2, 10, QChar('0'));
}

// One progress line: "  42.0%  12.3 MiB of 29.3 MiB  3.1 MiB/s  ETA 0:05". speed: bytes
// per second (the task's recent rate, else the caller's average).
QString progressLine(const DownloadTask& t, double speed) {
    QString s;
    if (t.total() > 0)
        s = QStringLiteral("%1%  %2 of %3").arg(100.0 * double(t.received()) / double(t.total()), 5, 'f', 1)
                .arg(sizeText(t.received()), sizeText(t.total()));
    else
        s = QStringLiteral("%1 (size unknown)").arg(sizeText(t.received()));
    const qint64 eta = t.total() > 0 && speed >= 1 ? qint64(double(t.total() - t.received()) / speed) : -1;
    s += QStringLiteral("  %1/s  ETA %2").arg(sizeText(qint64(speed)), etaText(eta));
    return s;
}

void say(const QString& line) { std::fprintf(stderr, "%s\n", line.toLocal8Bit().constData()); }

QString sha256Of(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    return h.addData(&f) ? QString::fromLatin1(h.result().toHex()) : QString();
}

}  // namespace

int cmd_download(const ArgList& argv) {
    Args args(argv, {"--sha256", "-o", "--retries"}, {});
    if (args.positional().size() != 1) throw UsageError("download takes exactly one URL");
    const QUrl url(QString::fromStdString(args.positional()[0]), QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || url.host().isEmpty() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")))
        throw UsageError("not an http:// or https:// URL: " + args.positional()[0]);

    const QString sha = QString::fromStdString(args.get_or("--sha256", "")).trimmed().toLower();
    static const QRegularExpression hex64(QStringLiteral("^[0-9a-f]{64}$"));
    if (!sha.isEmpty() && !hex64.match(sha).hasMatch())
        throw UsageError("--sha256 needs 64 hexadecimal digits");
    const int retries = args.get_int("--retries", 5, 0, 100);

    QString out = QString::fromStdString(args.get_or("-o", ""));
    if (out.isEmpty()) out = url.fileName();
    if (out.isEmpty()) throw UsageError("the URL names no file; give one with -o FILE");
    out = QFileInfo(out).absoluteFilePath();

    // A finished file from an earlier run: check it rather than download it again.
    if (QFileInfo::exists(out)) {
        if (sha.isEmpty()) {
            std::fprintf(stderr, "error: %s already exists; remove it or choose another -o\n", out.toLocal8Bit().constData());
            return 1;
        }
        const QString have = sha256Of(out);
        if (have != sha) {
            std::fprintf(stderr, "error: %s already exists and its SHA-256 is %s, not %s\n", out.toLocal8Bit().constData(),
                         have.toLatin1().constData(), sha.toLatin1().constData());
            return 1;
        }
        say(QStringLiteral("%1 is already there and verified").arg(out));
        std::printf("%s  %s\n", have.toLatin1().constData(), out.toLocal8Bit().constData());
        return 0;
    }

    // The downloader is event driven: an event loop for this command only.
    static int qtArgc = 1;
    static char qtName[] = "kinglet-cli";
    static char* qtArgv[] = {qtName, nullptr};
    std::unique_ptr<QCoreApplication> app;
    if (!QCoreApplication::instance()) app = std::make_unique<QCoreApplication>(qtArgc, qtArgv);

    QNetworkAccessManager network;
    DownloadTask::Options options;
    options.maxRetries = retries;
    DownloadTask task(&network, url, out, sha, 0, options);

    const bool tty = isatty(fileno(stderr));
    QElapsedTimer clock;
    clock.start();
    const qint64 startBytes = task.received();  // a resumed part file is not this run's speed
    qint64 lastLineMs = 0;
    auto speed = [&] {
        if (task.bytesPerSecond() >= 1) return task.bytesPerSecond();
        const qint64 ms = clock.elapsed();
        return ms > 0 ? double(task.received() - startBytes) * 1000.0 / double(ms) : 0.0;
    };
    QString lastNote;
    bool progressOnLine = false;  // a \r line that the next message must end first
    auto endProgressLine = [&] {
        if (progressOnLine) std::fputc('\n', stderr);
        progressOnLine = false;
    };
    auto showProgress = [&](bool force) {
        if (tty) {
            std::fprintf(stderr, "\r%-70s", progressLine(task, speed()).toLocal8Bit().constData());
            std::fflush(stderr);
            progressOnLine = true;
        } else if (force || clock.elapsed() - lastLineMs >= 1000) {  // a log, not an animation
            lastLineMs = clock.elapsed();
            say(progressLine(task, speed()));
        }
    };
    QObject::connect(&task, &DownloadTask::progress, [&] {
        if (task.state() == DownloadTask::State::Running && task.received() > 0) showProgress(false);
    });
    bool transferShown = false;
    QObject::connect(&task, &DownloadTask::changed, [&] {
        if (task.state() == DownloadTask::State::Verifying && !transferShown) {
            transferShown = true;  // the last line says 100%, however fast it went
            showProgress(true);
        }
        if (task.note().isEmpty() || task.note() == lastNote) return;
        lastNote = task.note();
        endProgressLine();
        say(lastNote);
    });
    QObject::connect(&task, &DownloadTask::finished, [&] { QCoreApplication::quit(); });

    if (task.received() > 0)
        say(QStringLiteral("resuming %1 from %2").arg(QFileInfo(task.partPath()).fileName(), sizeText(task.received())));
    else
        say(QStringLiteral("downloading %1").arg(url.toDisplayString()));
    task.start();
    if (task.state() == DownloadTask::State::Running || task.state() == DownloadTask::State::Verifying)
        QCoreApplication::exec();
    endProgressLine();

    if (task.state() != DownloadTask::State::Done) {
        QString message = task.error().isEmpty() ? QStringLiteral("the download stopped (%1)").arg(task.stateName()) : task.error();
        if (QFileInfo::exists(task.partPath()))
            message += QStringLiteral(" (%1 of it kept in %2; run the same command again to resume)")
                           .arg(sizeText(QFileInfo(task.partPath()).size()), task.partPath());
        std::fprintf(stderr, "error: %s\n", message.toLocal8Bit().constData());
        return 1;
    }
    say(QStringLiteral("saved %1 (%2, %3)")
            .arg(out, sizeText(task.received()),
                 task.verified() ? QStringLiteral("SHA-256 verified")
                                 : QStringLiteral("unverified: no --sha256 given")));
    std::printf("%s  %s\n", task.computedSha256().toLatin1().constData(), out.toLocal8Bit().constData());
    return 0;
}

}  // namespace kinglet::cli
