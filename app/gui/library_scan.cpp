#include "library_scan.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <algorithm>
#include <exception>

#include "model/model.h"
#include "runtime/session.h"

namespace kinglet::app {

LibraryInfo scanModelFile(const QString& path) {
    LibraryInfo info;
    info.scanned = true;
    info.fileSize = QFileInfo(path).size();
    info.name = QFileInfo(path).completeBaseName();
    try {
        LoadOptions options;
        options.prefetch = false;
        const auto model = Model::load(path.toStdString(), options);
        const Hparams& h = model->hparams();
        info.name = QString::fromStdString(model->name());
        info.architecture = QString::fromStdString(h.arch);
        info.quantization = QString::fromStdString(model->quantization());
        info.parameters = model->parameter_count();
        info.contextLength = h.n_ctx_train;
        info.hasTemplate = model->chat_template().has_value();
        info.nLayer = h.n_layer;
        info.kvDim = h.kv_dim();
        info.vDim = h.v_dim();
        info.supported = true;
    } catch (const std::exception& e) {
        info.supported = false;
        info.reason = QString::fromUtf8(e.what());
        // Still show what the header says, when it can be read.
        try {
            const auto file = GgufFile::open(path.toStdString());
            if (auto arch = file->get_string("general.architecture")) {
                info.architecture = QString::fromStdString(*arch);
                if (auto n = file->get_string("general.name")) info.name = QString::fromStdString(*n);
                if (auto c = file->get_int(*arch + ".context_length")) info.contextLength = int(*c);
                info.hasTemplate = file->get_string("tokenizer.chat_template").has_value();
            }
        } catch (const std::exception&) {
        }
    }
    return info;
}

QString parameterText(quint64 n) {
    if (n == 0) return {};
    if (n >= 1000000000ull) return QString::number(double(n) / 1e9, 'f', n >= 10000000000ull ? 0 : 1) + 'B';
    if (n >= 1000000ull) return QString::number(qRound64(double(n) / 1e6)) + 'M';
    if (n >= 1000ull) return QString::number(qRound64(double(n) / 1e3)) + 'K';
    return QString::number(n);
}

FitEstimate estimateFit(const LibraryInfo& info, int contextSetting, qint64 freeRam, const GpuTarget& gpu) {
    FitEstimate f;
    f.freeRam = freeRam;
    f.gpuBudget = gpu.valid() ? gpu.budget : 0;
    f.gpuName = gpu.name;
    if (!info.scanned || !info.supported) {
        f.level = QStringLiteral("unknown");
        return f;
    }
    // The same choice as Session: 0 is the trained context capped at the default maximum.
    const int train = std::max(info.contextLength, 1);
    f.context = contextSetting > 0 ? std::min(contextSetting, train)
                                   : std::min(train, SessionOptions::kDefaultMaxContext);
    f.weights = info.fileSize;
    f.kvCache = qint64(info.nLayer) * f.context * (qint64(info.kvDim) + info.vDim) * 2;
    f.overhead = 64ll * 1024 * 1024 + f.weights / 20;
    const QLocale loc;
    const QString need = loc.formattedDataSize(f.total(), 1);
    const qint64 total = f.total();
    auto tr = [](const char* s) { return QCoreApplication::translate("Library", s); };

    if (gpu.valid()) {
        const QString gpuMem = loc.formattedDataSize(gpu.budget, 1);
        if (total <= gpu.budget * 9 / 10) {  // the driver and other programs need some too
            f.onGpu = true;
            f.level = total <= gpu.budget * 7 / 10 ? QStringLiteral("fits") : QStringLiteral("tight");
            f.text = (f.level == QLatin1String("fits") ? tr("Needs about %1 at %2 tokens; fits on %3 (%4 free)")
                                                       : tr("Tight: needs about %1 at %2 tokens; just fits on %3 (%4 free)"))
                         .arg(need).arg(f.context).arg(gpu.name, gpuMem);
            return f;
        }
        if (gpu.chosenByUser) {  // the engine does not fall back from a GPU the user named
            f.level = QStringLiteral("wontFit");
            f.text = tr("Too big for %1's %2: needs about %3 at %4 tokens. Choose Automatic or CPU in the settings, a smaller context or a smaller model")
                         .arg(gpu.name, gpuMem, need).arg(f.context);
            return f;
        }
    }
    if (freeRam <= 0) {
        f.level = QStringLiteral("unknown");
        f.text = tr("Needs about %1 at %2 tokens of context").arg(need).arg(f.context);
    } else {
        if (total <= freeRam * 8 / 10) f.level = QStringLiteral("fits");
        else if (total <= freeRam) f.level = QStringLiteral("tight");
        else f.level = QStringLiteral("wontFit");
        const QString ram = loc.formattedDataSize(freeRam, 1);
        if (f.level == QLatin1String("fits"))
            f.text = tr("Needs about %1 at %2 tokens; %3 of memory free").arg(need).arg(f.context).arg(ram);
        else if (f.level == QLatin1String("tight"))
            f.text = tr("Tight: needs about %1 at %2 tokens, %3 free").arg(need).arg(f.context).arg(ram);
        else
            f.text = tr("Will not fit: needs about %1 at %2 tokens, only %3 free").arg(need).arg(f.context).arg(ram);
    }
    if (gpu.valid())
        f.text += tr(" \u00b7 too big for %1's %2: will run on the CPU").arg(gpu.name, loc.formattedDataSize(gpu.budget, 1));
    return f;
}

qint64 availableMemory(const QString& meminfoPath) {
    QFile f(meminfoPath);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return 0;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray& line : lines) {
        if (!line.startsWith("MemAvailable:")) continue;
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() >= 2) return parts[1].toLongLong() * 1024;  // kB
    }
    return 0;
}

}  // namespace kinglet::app
