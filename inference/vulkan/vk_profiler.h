// GPU time per shader, for finding what limits speed on a real GPU. Enabled with
// KINGLET_VK_PROFILE=1: a timestamp is written after every dispatch, and at exit the time
// between consecutive timestamps is summed per shader and printed to stderr. Dispatches that
// overlap (no barrier between them) share their time with their neighbours, so read the
// figures as "where the GPU spends its time", not exact kernel durations.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vulkan/vk_loader.h"

namespace kinglet::vk {

class VulkanDevice;

class DispatchProfiler {
public:
    // Null when profiling is off or the device cannot time compute work.
    static DispatchProfiler* create_if_enabled(const VulkanDevice& dev);
    ~DispatchProfiler();

    void begin(VkCommandBuffer cmd);                          // a new command buffer starts
    void after_dispatch(VkCommandBuffer cmd, const std::string& shader);
    void collect();  // after the fence: read the stamps (again for a command buffer submitted again)
    void host_gap(int64_t ns);  // CommandSequence::host_gap_ns: one gap between decode steps
    std::string report() const;

private:
    explicit DispatchProfiler(const VulkanDevice& dev);
    static constexpr uint32_t kMaxStamps = 8192;
    const VulkanDevice& dev_;
    VkQueryPool pool_ = VK_NULL_HANDLE;
    uint32_t used_ = 0;
    std::vector<std::string> labels_;  // labels_[i]: the shader whose end stamp i is (i >= 1)
    struct Total { double ns = 0; uint64_t count = 0; };
    std::map<std::string, Total> totals_;
    uint64_t submits_ = 0;
    std::vector<int64_t> host_gaps_ns_;
};

}  // namespace kinglet::vk
