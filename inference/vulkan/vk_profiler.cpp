#include "vulkan/vk_profiler.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "vulkan/vk_device.h"

namespace kinglet::vk {

DispatchProfiler* DispatchProfiler::create_if_enabled(const VulkanDevice& dev) {
    const char* env = std::getenv("KINGLET_VK_PROFILE");
    if (!env || std::string(env) != "1" || dev.info().timestamp_period_ns <= 0) return nullptr;
    return new DispatchProfiler(dev);
}

DispatchProfiler::DispatchProfiler(const VulkanDevice& dev) : dev_(dev) {
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = kMaxStamps;
    check(dev.fn().vkCreateQueryPool(dev.handle(), &qi, nullptr, &pool_), "vkCreateQueryPool");
}

DispatchProfiler::~DispatchProfiler() {
    if (submits_) std::fputs(report().c_str(), stderr);
    if (pool_) dev_.fn().vkDestroyQueryPool(dev_.handle(), pool_, nullptr);
}

void DispatchProfiler::begin(VkCommandBuffer cmd) {
    dev_.fn().vkCmdResetQueryPool(cmd, pool_, 0, kMaxStamps);
    dev_.fn().vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, pool_, 0);
    used_ = 1;
    labels_.assign(1, "");
}

void DispatchProfiler::after_dispatch(VkCommandBuffer cmd, const std::string& shader) {
    if (used_ == 0 || used_ >= kMaxStamps) return;  // full: the rest of this buffer goes untimed
    dev_.fn().vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool_, used_++);
    labels_.push_back(shader);
}

void DispatchProfiler::collect() {
    if (used_ < 2) return;
    std::vector<uint64_t> stamps(used_);
    const VkResult r = dev_.fn().vkGetQueryPoolResults(dev_.handle(), pool_, 0, used_, stamps.size() * 8, stamps.data(), 8,
                                                       VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
    if (r == VK_SUCCESS) {
        const double period = dev_.info().timestamp_period_ns;
        for (uint32_t i = 1; i < used_; ++i) {
            Total& t = totals_[labels_[i]];
            t.ns += double(stamps[i] - stamps[i - 1]) * period;
            ++t.count;
        }
        Total& all = totals_["(submitted command buffers)"];
        all.ns += double(stamps[used_ - 1] - stamps[0]) * period;
        ++all.count;
        ++submits_;
    }
    // used_ stays: a command buffer submitted again writes the same stamps.
}

void DispatchProfiler::host_gap(int64_t ns) {
    if (host_gaps_ns_.size() < (size_t(1) << 20)) host_gaps_ns_.push_back(ns);
}

std::string DispatchProfiler::report() const {
    std::vector<std::pair<std::string, Total>> rows(totals_.begin(), totals_.end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.ns > b.second.ns; });
    std::string out = "Vulkan profile (GPU time between dispatch ends, per shader):\n";
    char line[160];
    for (const auto& [name, t] : rows) {
        std::snprintf(line, sizeof line, "  %-28s %10.3f ms  %8llu dispatches  %8.2f us each\n", name.c_str(), t.ns / 1e6,
                      static_cast<unsigned long long>(t.count), t.count ? t.ns / 1e3 / double(t.count) : 0.0);
        out += line;
    }
    if (!host_gaps_ns_.empty()) {  // the median: the first gaps after a recording run cold
        std::vector<int64_t> gaps = host_gaps_ns_;
        std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
        std::snprintf(line, sizeof line, "Host time between decode steps (GPU idle): %.1f us median of %zu\n",
                      gaps[gaps.size() / 2] / 1e3, gaps.size());
        out += line;
    }
    return out;
}

}  // namespace kinglet::vk
