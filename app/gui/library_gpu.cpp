#include "library_gpu.h"

#include <algorithm>

#include "vulkan/vulkan_backend.h"

namespace kinglet::app {
namespace {

int rank(const QString& type) {
    if (type == QLatin1String("discrete")) return 0;
    if (type == QLatin1String("integrated")) return 1;
    if (type == QLatin1String("virtual")) return 2;
    if (type == QLatin1String("cpu")) return 3;
    return 4;
}

// An index or a case-insensitive name substring; -1 when nothing matches.
int pick(const QVector<GpuDevice>& devices, const QString& selector) {
    bool isNumber = false;
    const int i = selector.toInt(&isNumber);
    if (isNumber) return i >= 0 && i < devices.size() ? i : -1;
    for (int k = 0; k < devices.size(); ++k)
        if (devices[k].name.contains(selector, Qt::CaseInsensitive)) return k;
    return -1;
}

GpuTarget targetOf(const GpuDevice& d, bool chosenByUser) {
    GpuTarget t;
    t.name = d.name;
    t.budget = d.freeBytes > 0 ? d.freeBytes : d.heapBytes;
    t.chosenByUser = chosenByUser;
    return t;
}

}  // namespace

GpuTarget gpuFor(const QVector<GpuDevice>& devices, const QString& backendSetting, const QString& envDevice) {
    const QString kind = backendSetting.section(QLatin1Char(':'), 0, 0).trimmed().toLower();
    const QString named = backendSetting.section(QLatin1Char(':'), 1).trimmed();
    if (devices.isEmpty() || kind == QLatin1String("cpu")) return {};
    if (kind == QLatin1String("vulkan")) {
        const QString selector = !named.isEmpty() ? named : envDevice;
        if (!selector.isEmpty()) {
            const int i = pick(devices, selector);
            return i < 0 ? GpuTarget{} : targetOf(devices[i], true);
        }
        const auto best = std::min_element(devices.begin(), devices.end(),
                                           [](const GpuDevice& a, const GpuDevice& b) { return rank(a.type) < rank(b.type); });
        return targetOf(*best, true);
    }
    // auto: only a real GPU, as a software device is slower than the CPU path; then the
    // engine's own choice (KINGLET_VK_DEVICE, else the best kind).
    const auto best = std::min_element(devices.begin(), devices.end(),
                                       [](const GpuDevice& a, const GpuDevice& b) { return rank(a.type) < rank(b.type); });
    if (rank(best->type) > 2) return {};
    if (!envDevice.isEmpty()) {
        const int i = pick(devices, envDevice);
        return i < 0 ? GpuTarget{} : targetOf(devices[i], false);
    }
    return targetOf(*best, false);
}

QVector<GpuDevice> probeGpus() {
    QVector<GpuDevice> out;
    std::string why;
    for (const auto& d : list_vulkan_devices(&why)) {
        GpuDevice g;
        g.index = d.index;
        g.name = QString::fromStdString(d.name);
        g.type = QString::fromStdString(d.type);
        g.heapBytes = qint64(d.device_local_bytes);
        // The driver's budget minus what is in use, or the heap size when it reports none.
        g.freeBytes = qint64(d.free_device_memory);
        out.push_back(g);
    }
    return out;
}

}  // namespace kinglet::app
