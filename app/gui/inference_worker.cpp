#include "inference_worker.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <algorithm>

#include "model/model.h"
#include "chat/prompt_formatter.h"
#include "runtime/generator.h"
#include "runtime/session.h"
#include "chat/stop_filter.h"
#include "util/error.h"

namespace kinglet::app {
using chat::ChatTurn;
using chat::StopFilter;
namespace {

// Streaming text reaches the GUI at most this often: one queued signal per token would
// flood its event queue on small fast models (thousands of tokens/s).
constexpr qint64 kTextBatchMs = 33;

QString stopReasonText(StopReason r) {
    switch (r) {
        case StopReason::EndOfGeneration: return QStringLiteral("end");
        case StopReason::MaxTokens: return QStringLiteral("max tokens");
        case StopReason::ContextFull: return QStringLiteral("context full");
        case StopReason::Cancelled: return QStringLiteral("stopped");
    }
    return {};
}

}  // namespace

InferenceWorker::InferenceWorker() = default;
InferenceWorker::~InferenceWorker() { release(); }

void InferenceWorker::release() {
    formatter_.reset();
    session_.reset();  // the session refers to the model: goes first
    model_.reset();
}

void InferenceWorker::stopGenerations(quint64 upToId) {
    quint64 cur = cancelUpTo_.load();
    while (cur < upToId && !cancelUpTo_.compare_exchange_weak(cur, upToId)) {
    }
    cancel_.store(true);
}

void InferenceWorker::loadModel(const QString& path, int contextSize, int threads, const QString& backend) {
    const bool had = model_ != nullptr;
    release();
    if (had) emit modelUnloaded();
    loadCancel_.store(false);
    int lastPercent = -1;
    LoadOptions options;
    options.progress = [&](float f) {
        const int percent = static_cast<int>(f * 100);
        if (percent != lastPercent) {
            lastPercent = percent;
            emit loadProgress(f);
        }
        return !loadCancel_.load();
    };
    try {
        model_ = Model::load(path.toStdString(), options);
        if (loadCancel_.load()) throw Error("loading was cancelled");
        SessionOptions so;
        so.n_ctx = std::max(0, contextSize);
        so.n_threads = std::max(0, threads);
        so.backend = backend.section(QLatin1Char(':'), 0, 0).toStdString();
        so.device = backend.section(QLatin1Char(':'), 1).toStdString();
        session_ = std::make_unique<Session>(*model_, so);
        formatter_ = std::make_unique<PromptFormatter>(*model_);
    } catch (const std::exception& e) {
        release();
        emit modelLoadFailed(path, loadCancel_.load() ? tr("Loading was cancelled.") : QString::fromUtf8(e.what()));
        return;
    }
    info_ = ModelInfo{};
    info_.path = path;
    // Files converted without a real name carry the architecture ("llama") as their
    // general.name; the file name tells the user more then.
    info_.name = QString::fromStdString(model_->name());
    if (info_.name.isEmpty() || info_.name == QString::fromStdString(model_->hparams().arch))
        info_.name = QFileInfo(path).completeBaseName();
    info_.architecture = QString::fromStdString(model_->hparams().arch);
    describeBackend();
    info_.promptFormat = QString::fromStdString(formatter_->styleName());
    if (!formatter_->note().empty()) info_.promptFormat += QStringLiteral(" (") + QString::fromStdString(formatter_->note()) + ')';
    info_.contextSize = session_->n_ctx();
    info_.parameters = static_cast<qint64>(model_->parameter_count());
    emit loadProgress(1.0);
    emit modelLoaded(info_);
}

// The engine names its backend like "CPU (avx2)" or "Vulkan (device name)".
void InferenceWorker::describeBackend() {
    backendName_ = QString::fromStdString(session_->backend_name());
    const int paren = backendName_.indexOf(QStringLiteral(" ("));
    info_.backend = paren > 0 ? backendName_.left(paren) : backendName_;
    info_.threads = session_->n_threads();
    info_.fallbackReason = QString::fromStdString(session_->backend_note());
    const QString detail = paren > 0 ? backendName_.mid(paren + 2).chopped(backendName_.endsWith(')') ? 1 : 0) : QString();
    if (info_.backend == QLatin1String("CPU")) {
        info_.device = (detail.isEmpty() ? QString() : detail.toUpper() + QStringLiteral(", ")) +
                       (info_.threads == 1 ? tr("1 thread") : tr("%1 threads").arg(info_.threads));
    } else {
        info_.device = detail;
    }
}

void InferenceWorker::reportBackendChange() {
    if (!session_ || QString::fromStdString(session_->backend_name()) == backendName_) return;
    describeBackend();
    emit backendChanged(info_);
}

void InferenceWorker::unloadModel() {
    if (!model_) return;
    release();
    emit modelUnloaded();
}

void InferenceWorker::generate(quint64 id, const QVector<TurnData>& turns, const GenerationSettings& settings) {
    GenerationStats stats;
    if (id <= cancelUpTo_.load()) {  // stopped before it started
        stats.stopReason = stopReasonText(StopReason::Cancelled);
        emit generationFinished(id, stats);
        return;
    }
    if (!session_) {
        emit generationFailed(id, tr("No model is loaded."));
        return;
    }
    cancel_.store(id <= cancelUpTo_.load());
    try {
        std::vector<ChatTurn> chat;
        chat.reserve(turns.size());
        for (const TurnData& t : turns) chat.push_back({t.role.toStdString(), t.content.toStdString()});
        // Room for the answer: what the user allows, but never more than half the context.
        const int n_ctx = session_->n_ctx();
        const int reserve = std::min(settings.maxTokens > 0 ? settings.maxTokens : n_ctx / 4, n_ctx / 2);
        const PromptFormatter::Fitted fitted = formatter_->fit(chat, n_ctx - reserve);

        GenerateRequest request;
        request.prompt = fitted.tokens;
        request.max_tokens = settings.maxTokens;
        request.sampling = settings.sampling;
        request.reuse_cache = true;

        StopFilter filter(formatter_->stopStrings());
        std::string pending;
        QElapsedTimer sinceFlush;
        bool first = true;
        auto flush = [&] {
            if (!pending.empty()) emit textReady(id, QString::fromStdString(pending));
            pending.clear();
            sinceFlush.restart();
        };
        const GenerateResult result = kinglet::generate(
            *session_, request,
            [&](std::string_view piece) {
                pending += filter.push(piece);
                if (filter.stopped() || id <= cancelUpTo_.load()) cancel_.store(true);
                if (first || sinceFlush.elapsed() >= kTextBatchMs) {
                    first = pending.empty();  // the first visible text goes out at once
                    flush();
                }
            },
            &cancel_);
        pending += filter.flush();
        flush();

        stats.promptTokens = result.prompt_tokens;
        stats.reusedTokens = result.reused_tokens;
        stats.generatedTokens = static_cast<int>(result.tokens.size());
        stats.promptTokensPerSecond = result.prompt_tps();
        stats.tokensPerSecond = result.gen_tps();
        stats.contextUsed = session_->n_past();
        stats.contextSize = n_ctx;
        stats.droppedTurns = fitted.droppedTurns;
        stats.stopReason = filter.stopped() ? stopReasonText(StopReason::EndOfGeneration) : stopReasonText(result.reason);
        reportBackendChange();
        emit generationFinished(id, stats);
    } catch (const std::exception& e) {
        reportBackendChange();
        emit generationFailed(id, QString::fromUtf8(e.what()));
    }
}

InferenceEngine::InferenceEngine(QObject* parent) : QObject(parent), worker_(new InferenceWorker) {
    qRegisterMetaType<ModelInfo>();
    qRegisterMetaType<TurnData>();
    qRegisterMetaType<GenerationSettings>();
    qRegisterMetaType<GenerationStats>();
    thread_.setObjectName(QStringLiteral("kinglet-inference"));
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &InferenceWorker::loadProgress, this, &InferenceEngine::loadProgress);
    connect(worker_, &InferenceWorker::modelLoaded, this, &InferenceEngine::modelLoaded);
    connect(worker_, &InferenceWorker::modelLoadFailed, this, &InferenceEngine::modelLoadFailed);
    connect(worker_, &InferenceWorker::modelUnloaded, this, &InferenceEngine::modelUnloaded);
    connect(worker_, &InferenceWorker::textReady, this, &InferenceEngine::textReady);
    connect(worker_, &InferenceWorker::generationFinished, this, &InferenceEngine::generationFinished);
    connect(worker_, &InferenceWorker::generationFailed, this, &InferenceEngine::generationFailed);
    connect(worker_, &InferenceWorker::backendChanged, this, &InferenceEngine::backendChanged);
    thread_.start();
}

InferenceEngine::~InferenceEngine() {
    stop();
    worker_->cancelLoad();
    thread_.quit();
    thread_.wait();  // the worker returns within one token after stop()
}

void InferenceEngine::loadModel(const QString& path, int contextSize, int threads, const QString& backend) {
    stop();
    worker_->cancelLoad();  // a load still running gives way; the new one clears the flag
    QMetaObject::invokeMethod(worker_, [w = worker_, path, contextSize, threads, backend] { w->loadModel(path, contextSize, threads, backend); },
                              Qt::QueuedConnection);
}

void InferenceEngine::cancelLoad() { worker_->cancelLoad(); }

void InferenceEngine::unloadModel() {
    stop();
    worker_->cancelLoad();
    QMetaObject::invokeMethod(worker_, &InferenceWorker::unloadModel, Qt::QueuedConnection);
}

quint64 InferenceEngine::generate(const QVector<TurnData>& turns, const GenerationSettings& settings) {
    const quint64 id = ++nextId_;
    QMetaObject::invokeMethod(worker_, [w = worker_, id, turns, settings] { w->generate(id, turns, settings); },
                              Qt::QueuedConnection);
    return id;
}

void InferenceEngine::stop() { worker_->stopGenerations(nextId_); }

}  // namespace kinglet::app
