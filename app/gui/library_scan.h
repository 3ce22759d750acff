// What the model library knows about one .gguf file (the same facts as
// `kinglet-cli info`), read without touching the weights, and the memory estimate for
// running it. Pure functions: the library model calls them on a worker thread.
#pragma once
#include <QString>
#include <QtGlobal>

#include "library_gpu.h"

namespace kinglet::app {

struct LibraryInfo {
    bool scanned = false;    // false until the worker has read the file
    bool supported = false;  // this version can run it
    QString reason;          // why not, when !supported
    QString name;            // general.name, else the file name
    QString architecture;
    QString quantization;
    quint64 parameters = 0;
    int contextLength = 0;   // trained context
    bool hasTemplate = false;
    int nLayer = 0;
    int kvDim = 0;           // n_head_kv * head_dim (K; V uses vDim)
    int vDim = 0;
    qint64 fileSize = 0;
};

// Reads the metadata (Model::load without prefetch). Never throws: an unreadable or
// unsupported file comes back with supported = false and the engine's reason.
LibraryInfo scanModelFile(const QString& path);

// "494M", "1.5B"
QString parameterText(quint64 n);

// The memory needed to run a model at a context length, and whether it fits.
struct FitEstimate {
    int context = 0;        // the context the estimate is for
    qint64 weights = 0;     // bytes of weights (the mapped file)
    qint64 kvCache = 0;     // 2 * n_layer * n_ctx * kv_dim * 2 bytes (F16 K and V)
    qint64 overhead = 0;    // activations, logits, scratch
    qint64 total() const { return weights + kvCache + overhead; }
    qint64 freeRam = 0;     // MemAvailable
    qint64 gpuBudget = 0;   // free memory of the GPU that would be used, 0 when none
    QString gpuName;
    bool onGpu = false;     // it fits the GPU, so the GPU's memory is what counts
    QString level;          // "fits" | "tight" | "wontFit" | "unknown"
    QString text;           // one line for the user
};

// contextSetting: the user's context size (0: the model's own, capped like the engine does).
// gpu: the GPU the chosen backend would use (see gpuFor); invalid for the CPU. A model
// too big for it runs on the CPU under "auto", and fails to load on a GPU the user named.
FitEstimate estimateFit(const LibraryInfo& info, int contextSetting, qint64 freeRam, const GpuTarget& gpu = {});

// MemAvailable from /proc/meminfo in bytes (0 when unknown).
qint64 availableMemory(const QString& meminfoPath = QStringLiteral("/proc/meminfo"));

}  // namespace kinglet::app
