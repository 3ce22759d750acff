#include "download_task.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QStorageInfo>
#include <QThreadPool>
#include <algorithm>

namespace kinglet::app {
namespace {

constexpr qint64 kDiskMargin = 64ll * 1024 * 1024;  // never fill the disk to the last byte

QString sizeText(qint64 b) { return QLocale().formattedDataSize(b, 1); }

// "bytes 100-199/1000" -> (100, 1000); total -1 when "*".
bool parseContentRange(const QByteArray& v, qint64* start, qint64* total) {
    static const QRegularExpression re(QStringLiteral("^bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)$"));
    const auto m = re.match(QString::fromLatin1(v.trimmed()));
    if (!m.hasMatch()) return false;
    *start = m.captured(1).toLongLong();
    *total = m.captured(3) == QLatin1String("*") ? -1 : m.captured(3).toLongLong();
    return true;
}

}  // namespace

DownloadTask::DownloadTask(QNetworkAccessManager* network, QUrl url, QString destination, QString expectedSha256,
                           qint64 expectedSize, QObject* parent)
    : DownloadTask(network, std::move(url), std::move(destination), std::move(expectedSha256), expectedSize, Options{},
                   parent) {}

DownloadTask::DownloadTask(QNetworkAccessManager* network, QUrl url, QString destination, QString expectedSha256,
                           qint64 expectedSize, Options options, QObject* parent)
    : QObject(parent),
      network_(network),
      url_(std::move(url)),
      destination_(std::move(destination)),
      expectedSha_(expectedSha256.trimmed().toLower()),
      expectedSize_(expectedSize),
      options_(options) {
    retryTimer_.setSingleShot(true);
    connect(&retryTimer_, &QTimer::timeout, this, &DownloadTask::request);
    stallTimer_.setSingleShot(true);
    stallTimer_.setInterval(options_.stallTimeoutMs);
    connect(&stallTimer_, &QTimer::timeout, this, [this] {
        if (!reply_) return;
        stopping_ = true;  // handled here, not as an abort by the user
        dropReply();
        stopping_ = false;
        retryLater(tr("no data for %1 s").arg(options_.stallTimeoutMs / 1000));
    });
    const QFileInfo part(partPath());
    received_ = part.exists() ? part.size() : 0;
    total_ = expectedSize_;
    clock_.start();
}

DownloadTask::~DownloadTask() {
    stopping_ = true;
    dropReply();
}

QString DownloadTask::stateName() const {
    switch (state_) {
        case State::Queued: return QStringLiteral("queued");
        case State::Running: return QStringLiteral("running");
        case State::Paused: return QStringLiteral("paused");
        case State::Verifying: return QStringLiteral("verifying");
        case State::Done: return QStringLiteral("done");
        case State::Failed: return QStringLiteral("failed");
        case State::Canceled: return QStringLiteral("canceled");
    }
    return {};
}

qint64 DownloadTask::etaSeconds() const {
    if (state_ != State::Running || total_ <= 0 || speed_ < 1) return -1;
    return qint64((total_ - received_) / speed_);
}

void DownloadTask::setState(State s) {
    if (state_ == s) return;
    state_ = s;
    emit changed();
    if (s == State::Done || s == State::Failed || s == State::Canceled) emit finished();
}

void DownloadTask::start() {
    if (state_ == State::Running || state_ == State::Verifying || state_ == State::Done) return;
    if (QFileInfo::exists(destination_)) {
        fail(tr("%1 already exists").arg(QFileInfo(destination_).fileName()), false);
        return;
    }
    const QString folder = QFileInfo(destination_).absolutePath();
    if (!QDir().mkpath(folder)) {
        fail(tr("Cannot create the folder %1").arg(folder), false);
        return;
    }
    const QFileInfo part(partPath());
    received_ = part.exists() ? part.size() : 0;
    if (expectedSize_ > 0 && received_ > expectedSize_) {  // not ours, or corrupt: start over
        QFile::remove(partPath());
        received_ = 0;
    }
    // Free space for what is still to come, when the size is known now (else once the
    // server says).
    if (expectedSize_ > 0) {
        const qint64 need = expectedSize_ - received_;
        const qint64 free = QStorageInfo(folder).bytesAvailable();
        if (free >= 0 && need + kDiskMargin > free) {
            fail(tr("Not enough disk space: %1 needed, %2 free in %3").arg(sizeText(need), sizeText(free), folder), false);
            return;
        }
    }
    retries_ = 0;
    error_.clear();
    note_.clear();
    setState(State::Running);
    request();
}

void DownloadTask::request() {
    if (state_ != State::Running) return;
    note_.clear();
    part_.setFileName(partPath());
    if (!part_.open(QIODevice::ReadWrite)) {
        fail(tr("Cannot write %1: %2").arg(partPath(), part_.errorString()), false);
        return;
    }
    offset_ = part_.size();
    part_.seek(offset_);
    received_ = offset_;
    headersChecked_ = false;
    samples_.clear();
    speed_ = 0;

    QNetworkRequest req(url_);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    req.setMaximumRedirectsAllowed(options_.maxRedirects);
    req.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("Kinglet"));
    // Byte ranges of a compressed body would not line up with the file.
    req.setRawHeader("Accept-Encoding", "identity");
    if (offset_ > 0) req.setRawHeader("Range", "bytes=" + QByteArray::number(offset_) + '-');
    reply_ = network_->get(req);
    connect(reply_, &QNetworkReply::metaDataChanged, this, &DownloadTask::onMetaData);
    connect(reply_, &QNetworkReply::readyRead, this, &DownloadTask::onReadyRead);
    connect(reply_, &QNetworkReply::finished, this, &DownloadTask::onFinished);
    stallTimer_.start();
    emit changed();
}

void DownloadTask::dropReply() {
    stallTimer_.stop();
    if (reply_) {
        QNetworkReply* r = reply_;
        reply_ = nullptr;
        r->disconnect(this);
        r->abort();
        r->deleteLater();
    }
    if (part_.isOpen()) part_.close();
}

void DownloadTask::onMetaData() {
    if (!reply_ || headersChecked_) return;
    const QVariant statusV = reply_->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!statusV.isValid()) return;
    const int status = statusV.toInt();
    if (status >= 300 && status < 400) return;  // a redirect: the next response counts
    headersChecked_ = true;
    if (status >= 400) return;  // onFinished reports it
    const qint64 length = reply_->header(QNetworkRequest::ContentLengthHeader).isValid()
                              ? reply_->header(QNetworkRequest::ContentLengthHeader).toLongLong()
                              : -1;
    if (offset_ > 0 && status == 200) {
        // The server ignored Range and sends the whole file: start the part file over.
        part_.resize(0);
        part_.seek(0);
        offset_ = 0;
        received_ = 0;
        note_ = tr("The server cannot resume; starting over");
        emit changed();
    } else if (status == 206) {
        qint64 start = -1, whole = -1;
        if (!parseContentRange(reply_->rawHeader("Content-Range"), &start, &whole) || start != offset_) {
            // A range we did not ask for: throw the part away and ask for everything.
            stopping_ = true;
            dropReply();
            stopping_ = false;
            QFile::remove(partPath());
            retryLater(tr("the server sent the wrong range"));
            return;
        }
        if (whole > 0) total_ = whole;
    }
    if (status != 206 && length >= 0) total_ = offset_ + length;
    if (expectedSize_ > 0 && total_ > 0 && total_ != expectedSize_) {
        fail(tr("The server's file is %1, not the expected %2").arg(sizeText(total_), sizeText(expectedSize_)), true);
        return;
    }
    if (total_ > 0) {
        const QString folder = QFileInfo(destination_).absolutePath();
        const qint64 need = total_ - offset_;
        const qint64 free = QStorageInfo(folder).bytesAvailable();
        if (free >= 0 && need + kDiskMargin > free) {
            fail(tr("Not enough disk space: %1 needed, %2 free in %3").arg(sizeText(need), sizeText(free), folder), false);
            return;
        }
    }
    emit progress();
}

void DownloadTask::onReadyRead() {
    if (!reply_) return;
    onMetaData();
    if (!reply_ || !headersChecked_) return;
    const int status = reply_->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 300) return;  // an error page, not the file
    stallTimer_.start();
    const QByteArray data = reply_->readAll();
    if (data.isEmpty()) return;
    // Content-Length is not trusted blindly: more than announced is an error.
    const qint64 limit = expectedSize_ > 0 ? expectedSize_ : total_;
    if (limit > 0 && received_ + data.size() > limit) {
        fail(tr("The server sent more data than announced"), true);
        return;
    }
    if (part_.write(data) != data.size()) {
        const QString why = part_.errorString();
        fail(tr("Could not write the download (disk full?): %1").arg(why), false);
        return;
    }
    received_ += data.size();
    updateSpeed(false);
}

void DownloadTask::updateSpeed(bool force) {
    const qint64 now = clock_.elapsed();
    samples_.push_back({now, received_});
    while (samples_.size() > 2 && samples_.front().ms < now - 3000) samples_.pop_front();
    if (samples_.size() >= 2 && now > samples_.front().ms)
        speed_ = double(received_ - samples_.front().bytes) * 1000.0 / double(now - samples_.front().ms);
    if (force || now - lastEmitMs_ >= 100) {
        lastEmitMs_ = now;
        emit progress();
    }
}

void DownloadTask::onFinished() {
    QNetworkReply* r = reply_;
    if (!r) return;
    stallTimer_.stop();
    if (r->bytesAvailable() > 0) onReadyRead();
    if (!reply_) return;  // failed while reading the rest
    reply_ = nullptr;
    r->deleteLater();
    if (part_.isOpen()) {
        part_.flush();
        part_.close();
    }
    updateSpeed(true);
    if (stopping_) return;
    const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError err = r->error();
    if (err == QNetworkReply::TooManyRedirectsError || err == QNetworkReply::InsecureRedirectError) {
        fail(tr("Too many or unsafe redirects"), true);
        return;
    }
    if (status == 416 && offset_ > 0) {  // our part file is already longer than theirs: start over
        QFile::remove(partPath());
        retryLater(tr("the server rejected the resume range"));
        return;
    }
    if (status >= 400 && status < 500) {
        fail(status == 404 ? tr("Not found on the server (HTTP 404): %1").arg(url_.toString())
                           : tr("The server refused the download (HTTP %1)").arg(status),
             true);
        return;
    }
    if (status >= 500) {
        retryLater(tr("server error (HTTP %1)").arg(status));
        return;
    }
    if (err != QNetworkReply::NoError) {
        retryLater(r->errorString());
        return;
    }
    if (total_ > 0 && received_ < total_) {
        retryLater(tr("the connection closed early"));
        return;
    }
    verifyAndRename();
}

void DownloadTask::retryLater(const QString& why) {
    if (state_ != State::Running) return;
    if (retries_ >= options_.maxRetries) {
        const QString host = url_.host();
        fail(tr("Download failed after %1 tries: %2. Check the network connection to %3; Resume continues where it stopped.")
                 .arg(retries_ + 1).arg(why, host),
             false);
        return;
    }
    const int delay = std::min(options_.backoffMs << std::min(retries_, 10), 30000);
    ++retries_;
    note_ = tr("Connection problem (%1); retrying in %2 s").arg(why).arg(qMax(1, (delay + 500) / 1000));
    emit changed();
    retryTimer_.start(delay);
}

void DownloadTask::verifyAndRename() {
    setState(State::Verifying);
    note_ = tr("Checking the file");
    emit changed();
    // Hash on a pool thread: a few GB take seconds.
    QPointer<DownloadTask> self(this);
    const QString part = partPath();
    QThreadPool::globalInstance()->start([self, part] {
        QFile f(part);
        QString hex;
        qint64 size = -1;
        if (f.open(QIODevice::ReadOnly)) {
            QCryptographicHash h(QCryptographicHash::Sha256);
            if (h.addData(&f)) hex = QString::fromLatin1(h.result().toHex());
            size = f.size();
        }
        QMetaObject::invokeMethod(qApp, [self, hex, size] {
            if (!self || self->state_ != State::Verifying) return;  // canceled meanwhile
            self->computedSha_ = hex;
            if (hex.isEmpty()) {
                self->fail(tr("Could not read the downloaded file back"), true);
                return;
            }
            if (self->expectedSize_ > 0 && size != self->expectedSize_) {
                self->fail(tr("The download has the wrong size (%1, expected %2)").arg(size).arg(self->expectedSize_), true);
                return;
            }
            if (!self->expectedSha_.isEmpty() && hex != self->expectedSha_) {
                self->fail(tr("Checksum mismatch: the file is damaged or not the published one (expected SHA-256 %1, got %2); it was deleted")
                               .arg(self->expectedSha_, hex),
                           true);
                return;
            }
            if (QFileInfo::exists(self->destination_)) {
                self->fail(tr("%1 appeared while downloading; not replaced").arg(self->destination_), true);
                return;
            }
            // rename(2) within one folder: the model appears complete or not at all.
            if (!QFile::rename(self->partPath(), self->destination_)) {
                self->fail(tr("Could not move the download into place"), false);
                return;
            }
            self->note_ = self->expectedSha_.isEmpty()
                              ? tr("Unverified: no published checksum to compare with (SHA-256 %1)").arg(hex)
                              : tr("Checksum verified");
            self->received_ = size;
            self->total_ = size;
            self->setState(State::Done);
        });
    });
}

void DownloadTask::fail(const QString& message, bool removePart) {
    stopping_ = true;
    dropReply();
    stopping_ = false;
    retryTimer_.stop();
    if (removePart) {
        QFile::remove(partPath());
        received_ = 0;
    }
    error_ = message;
    note_.clear();
    setState(State::Failed);
}

void DownloadTask::pause() {
    if (state_ != State::Running && state_ != State::Queued) return;
    stopping_ = true;
    dropReply();
    stopping_ = false;
    retryTimer_.stop();
    note_.clear();
    speed_ = 0;
    setState(State::Paused);
}

void DownloadTask::cancel() {
    if (state_ == State::Done || state_ == State::Canceled) return;
    stopping_ = true;
    dropReply();
    stopping_ = false;
    retryTimer_.stop();
    QFile::remove(partPath());
    received_ = 0;
    speed_ = 0;
    note_.clear();
    setState(State::Canceled);
}

}  // namespace kinglet::app
