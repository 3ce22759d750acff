// Which GPU a model would run on, and how much memory it has, for the library's fit
// estimate. The choice mirrors the engine's (runtime/backend_select): "cpu" uses none;
// "auto" uses a real GPU (never a software one such as llvmpipe) when there is one;
// "vulkan" / "vulkan:<index or name>" uses that device. Pure apart from probeGpus().
#pragma once
#include <QString>
#include <QVector>
#include <QtGlobal>

namespace kinglet::app {

struct GpuDevice {
    int index = 0;
    QString name;
    QString type;            // "discrete", "integrated", "virtual", "cpu", "other"
    qint64 heapBytes = 0;    // largest device-local heap
    qint64 freeBytes = 0;    // what the driver says is still free; 0 when not reported
};

struct GpuTarget {
    QString name;
    qint64 budget = 0;       // bytes the model may use: free memory, else the heap size
    bool chosenByUser = false;  // a named device: the engine will not fall back to the CPU
    bool valid() const { return budget > 0; }
};

// envDevice: KINGLET_VK_DEVICE (an index or a name substring), which the engine honours too.
GpuTarget gpuFor(const QVector<GpuDevice>& devices, const QString& backendSetting, const QString& envDevice = {});

// The Vulkan devices on this machine (empty when there is no Vulkan). Creates a Vulkan
// instance: tens of milliseconds, so called once, not per row.
QVector<GpuDevice> probeGpus();

}  // namespace kinglet::app
