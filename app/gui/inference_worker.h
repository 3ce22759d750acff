// The engine on its own thread. InferenceWorker lives on that thread and owns the Model
// and the Session; InferenceEngine is the GUI-side handle that starts the thread and
// talks to the worker only through queued calls and signals, so the GUI thread never
// waits on the engine. Stopping is an atomic flag the generator checks per token.
#pragma once
#include <QObject>
#include <QString>
#include <QThread>
#include <QVector>
#include <atomic>
#include <memory>

#include "sampling/sampler.h"

namespace kinglet {
class Model;
class Session;
}
namespace kinglet::chat {
class PromptFormatter;
}

namespace kinglet::app {

using chat::PromptFormatter;

struct ModelInfo {
    QString path;
    QString name;
    QString architecture;
    QString backend;  // "CPU" (the Vulkan backend will add its own)
    QString device;   // e.g. "x86-64 AVX2, 4 threads"
    QString fallbackReason;  // why not the GPU, when the user asked for one
    QString promptFormat;    // "model template" / "ChatML" / "plain transcript"
    int contextSize = 0;
    int threads = 0;
    qint64 parameters = 0;
};

struct TurnData {
    QString role;
    QString content;
};

struct GenerationSettings {
    SamplingParams sampling;
    int maxTokens = 512;
};

struct GenerationStats {
    int promptTokens = 0;
    int reusedTokens = 0;
    int generatedTokens = 0;
    double promptTokensPerSecond = 0;
    double tokensPerSecond = 0;
    int contextUsed = 0;
    int contextSize = 0;
    int droppedTurns = 0;  // oldest turns left out of the prompt to fit the context
    QString stopReason;    // "end", "max tokens", "context full", "stopped"
};

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    InferenceWorker();
    ~InferenceWorker() override;

    // Thread-safe: called directly from the GUI thread while the worker is busy.
    void stopGenerations(quint64 upToId);
    void cancelLoad() { loadCancel_.store(true); }

public slots:
    // backend: "auto", "cpu", "vulkan" or "vulkan:<device index or name>".
    void loadModel(const QString& path, int contextSize, int threads, const QString& backend = QStringLiteral("auto"));
    void unloadModel();
    void generate(quint64 id, const QVector<kinglet::app::TurnData>& turns,
                  const kinglet::app::GenerationSettings& settings);

signals:
    void loadProgress(double fraction);
    void modelLoaded(const kinglet::app::ModelInfo& info);
    void modelLoadFailed(const QString& path, const QString& error);
    void modelUnloaded();
    void textReady(quint64 id, const QString& text);
    void generationFinished(quint64 id, const kinglet::app::GenerationStats& stats);
    void generationFailed(quint64 id, const QString& error);
    // The model moved to another device while generating (the GPU stopped working and the
    // engine went on on the CPU): the new backend, device and reason.
    void backendChanged(const kinglet::app::ModelInfo& info);

private:
    void release();
    void describeBackend();  // info_'s backend fields from the session
    void reportBackendChange();

    std::unique_ptr<Model> model_;
    std::unique_ptr<Session> session_;
    std::unique_ptr<PromptFormatter> formatter_;
    ModelInfo info_;
    QString backendName_;  // the session's backend as last described
    std::atomic<bool> cancel_{false};
    std::atomic<quint64> cancelUpTo_{0};
    std::atomic<bool> loadCancel_{false};
};

class InferenceEngine : public QObject {
    Q_OBJECT
public:
    explicit InferenceEngine(QObject* parent = nullptr);
    ~InferenceEngine() override;  // stops any generation and joins the thread

    // backend: "auto", "cpu", "vulkan" or "vulkan:<device index or name>".
    void loadModel(const QString& path, int contextSize, int threads, const QString& backend = QStringLiteral("auto"));
    void cancelLoad();
    void unloadModel();
    // Returns the id that the text/finished/failed signals carry.
    quint64 generate(const QVector<TurnData>& turns, const GenerationSettings& settings);
    void stop();  // stops the running and any queued generation, at once

signals:
    void loadProgress(double fraction);
    void modelLoaded(const kinglet::app::ModelInfo& info);
    void modelLoadFailed(const QString& path, const QString& error);
    void modelUnloaded();
    void textReady(quint64 id, const QString& text);
    void generationFinished(quint64 id, const kinglet::app::GenerationStats& stats);
    void generationFailed(quint64 id, const QString& error);
    void backendChanged(const kinglet::app::ModelInfo& info);

private:
    QThread thread_;
    InferenceWorker* worker_;  // lives on thread_, deleted when it finishes
    quint64 nextId_ = 0;
};

}  // namespace kinglet::app

Q_DECLARE_METATYPE(kinglet::app::ModelInfo)
Q_DECLARE_METATYPE(kinglet::app::TurnData)
Q_DECLARE_METATYPE(kinglet::app::GenerationSettings)
Q_DECLARE_METATYPE(kinglet::app::GenerationStats)
