#include "vulkan/vk_sequence.h"

// Vulkan structs are written as {sType} with the other members zeroed on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "util/env_flag.h"
#include "util/error.h"

namespace kinglet::vk {

bool CommandSequence::Command::operator==(const Command& o) const {
    return barrier_before == o.barrier_before && pipeline == o.pipeline && set == o.set && push == o.push &&
           std::equal(groups, groups + 3, o.groups) && src == o.src && dst == o.dst && region.srcOffset == o.region.srcOffset &&
           region.dstOffset == o.region.dstOffset && region.size == o.region.size;
}

CommandSequence::CommandSequence(const VulkanDevice& dev) : dev_(dev), profiler_(DispatchProfiler::create_if_enabled(dev)) {
    const Functions& f = dev.fn();
    VkCommandPoolCreateInfo cpi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    cpi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    cpi.queueFamilyIndex = dev.queue_family();
    check(f.vkCreateCommandPool(dev.handle(), &cpi, nullptr, &pool_), "vkCreateCommandPool");
    VkCommandBufferAllocateInfo cai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    cai.commandPool = pool_;
    cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    cai.commandBufferCount = 1;
    check(f.vkAllocateCommandBuffers(dev.handle(), &cai, &cmd_), "vkAllocateCommandBuffers");
    VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    check(f.vkCreateFence(dev.handle(), &fci, nullptr, &fence_), "vkCreateFence");
    // Tests: the device is "lost" at this submission (a real loss cannot be caused on demand).
    if (const char* env = std::getenv("KINGLET_VK_LOSE_DEVICE_AT_SUBMIT")) lose_at_submit_ = std::strtoull(env, nullptr, 10);
    // Barriers that name the compute and transfer stages whatever the commands around them
    // (as before session 16; A/B runs).
    full_barriers_ = env_flag("KINGLET_VK_FULL_BARRIERS");
    // Tests: no barriers between commands, so that the validation layer's check is seen to
    // catch what they prevent (test_vulkan_sync).
    drop_barriers_ = env_flag("KINGLET_VK_TEST_DROP_BARRIERS");
    // Spinning takes a core; on a CPU-type device (lavapipe) that core runs the shaders.
    spin_ = dev.info().type != "cpu";
    if (const char* env = std::getenv("KINGLET_VK_FENCE_SPIN")) spin_ = std::string(env) != "0";
}

CommandSequence::~CommandSequence() {
    const Functions& f = dev_.fn();
    f.vkDeviceWaitIdle(dev_.handle());
    profiler_.reset();  // prints its report while the device still exists
    if (fence_) f.vkDestroyFence(dev_.handle(), fence_, nullptr);
    for (VkDescriptorPool dp : descriptor_pools_) f.vkDestroyDescriptorPool(dev_.handle(), dp, nullptr);
    if (pool_) f.vkDestroyCommandPool(dev_.handle(), pool_, nullptr);
}

// Read after write, write after write and write after read need a barrier; read after read
// does not. Tracked per buffer (not per range): conservative and simple.
void CommandSequence::order_access(VkBuffer buffer, bool write) {
    const auto has = [buffer](const std::vector<VkBuffer>& v) { return std::find(v.begin(), v.end(), buffer) != v.end(); };
    if (has(written_) || (write && has(read_))) {
        barrier_next_ = true;
        written_.clear();
        read_.clear();
    }
}

void CommandSequence::note_access(VkBuffer buffer, bool write) { (write ? written_ : read_).push_back(buffer); }

void CommandSequence::forget_descriptors() {
    submit_and_wait();
    const Functions& f = dev_.fn();
    recorded_.clear();  // cmd_ names sets destroyed below: it must be recorded again
    for (VkDescriptorPool dp : descriptor_pools_) f.vkDestroyDescriptorPool(dev_.handle(), dp, nullptr);
    descriptor_pools_.clear();
    sets_.clear();
    sets_in_last_pool_ = kSetsPerPool;
}

VkDescriptorSet CommandSequence::descriptor_set(const Pipeline& p, std::initializer_list<BufferRange> bindings) {
    SetKey key{};
    key[0] = uint64_t(reinterpret_cast<uintptr_t>(p.set_layout()));
    size_t k = 1;
    for (const BufferRange& r : bindings) {
        key[k++] = uint64_t(reinterpret_cast<uintptr_t>(r.buffer));
        key[k++] = r.offset;
        key[k++] = r.range;
    }
    if (auto it = sets_.find(key); it != sets_.end()) return it->second;
    if (sets_.size() >= kMaxCachedSets) forget_descriptors();  // bounded even for odd callers
    const Functions& f = dev_.fn();
    if (sets_in_last_pool_ == kSetsPerPool) {
        VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kSetsPerPool * kMaxBindings};
        VkDescriptorPoolCreateInfo dpi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
        dpi.maxSets = kSetsPerPool;
        dpi.poolSizeCount = 1;
        dpi.pPoolSizes = &size;
        VkDescriptorPool dp = VK_NULL_HANDLE;
        check(f.vkCreateDescriptorPool(dev_.handle(), &dpi, nullptr, &dp), "vkCreateDescriptorPool");
        descriptor_pools_.push_back(dp);
        sets_in_last_pool_ = 0;
    }
    VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    ai.descriptorPool = descriptor_pools_.back();
    ai.descriptorSetCount = 1;
    VkDescriptorSetLayout layout = p.set_layout();
    ai.pSetLayouts = &layout;
    VkDescriptorSet set = VK_NULL_HANDLE;
    check(f.vkAllocateDescriptorSets(dev_.handle(), &ai, &set), "vkAllocateDescriptorSets");
    ++sets_in_last_pool_;
    VkDescriptorBufferInfo infos[kMaxBindings];
    VkWriteDescriptorSet writes[kMaxBindings];
    uint32_t i = 0;
    for (const BufferRange& r : bindings) {
        infos[i] = {r.buffer, r.offset, r.range};
        writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        writes[i].dstSet = set;
        writes[i].dstBinding = i;
        writes[i].descriptorCount = 1;
        writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        writes[i].pBufferInfo = &infos[i];
        ++i;
    }
    f.vkUpdateDescriptorSets(dev_.handle(), i, writes, 0, nullptr);
    sets_.emplace(key, set);
    return set;
}

void CommandSequence::dispatch(const Pipeline& p, std::initializer_list<BufferRange> bindings, const void* push,
                               uint32_t gx, uint32_t gy, uint32_t gz) {
    if (bindings.size() != p.n_bindings() || bindings.size() > kMaxBindings) throw Error("Vulkan: wrong binding count for " + p.name());
    if (p.push_bytes() > sizeof(Command::push)) throw Error("Vulkan: push constants of " + p.name() + " too large");
    if (gx == 0 || gy == 0 || gz == 0) return;
    Command c;
    c.set = descriptor_set(p, bindings);
    uint32_t i = 0;
    for (const BufferRange& r : bindings) order_access(r.buffer, p.writes(i++));
    i = 0;
    for (const BufferRange& r : bindings) note_access(r.buffer, p.writes(i++));
    c.barrier_before = std::exchange(barrier_next_, false);
    // The first command of a submission never gets one (submit_and_wait), so it is not counted.
    if (c.barrier_before && !pending_.empty()) ++n_barriers_;
    c.pipeline = &p;
    if (p.push_bytes()) std::memcpy(c.push.data(), push, p.push_bytes());
    c.groups[0] = gx;
    c.groups[1] = gy;
    c.groups[2] = gz;
    pending_.push_back(c);
    ++n_dispatches_;
}

void CommandSequence::copy(const Buffer& src, size_t src_offset, const Buffer& dst, size_t dst_offset, size_t bytes) {
    order_access(src.handle(), false);
    order_access(dst.handle(), true);
    note_access(src.handle(), false);
    note_access(dst.handle(), true);
    Command c;
    c.barrier_before = std::exchange(barrier_next_, false);
    c.src = src.handle();
    c.dst = dst.handle();
    c.region = {src_offset, dst_offset, bytes};
    pending_.push_back(c);
}

namespace {
// The writes, and all accesses, that commands of these stages (compute, transfer) make.
VkAccessFlags writes_of(VkPipelineStageFlags stages) {
    return (stages & VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT ? VK_ACCESS_SHADER_WRITE_BIT : 0) |
           (stages & VK_PIPELINE_STAGE_TRANSFER_BIT ? VK_ACCESS_TRANSFER_WRITE_BIT : 0);
}
VkAccessFlags accesses_of(VkPipelineStageFlags stages) {
    return writes_of(stages) | (stages & VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT ? VK_ACCESS_SHADER_READ_BIT : 0) |
           (stages & VK_PIPELINE_STAGE_TRANSFER_BIT ? VK_ACCESS_TRANSFER_READ_BIT : 0);
}
}  // namespace

void CommandSequence::record() {
    const Functions& f = dev_.fn();
    check(f.vkResetCommandBuffer(cmd_, 0), "vkResetCommandBuffer");
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};  // may be submitted again
    check(f.vkBeginCommandBuffer(cmd_, &bi), "vkBeginCommandBuffer");
    if (profiler_) profiler_->begin(cmd_);
    const VkPipelineStageFlags compute = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, transfer = VK_PIPELINE_STAGE_TRANSFER_BIT;
    const auto stage_of = [&](const Command& c) { return c.pipeline ? compute : transfer; };
    // A barrier waits for every earlier command of its source stages, so these are the stages
    // of all commands so far; it holds back the commands up to the next barrier (later ones
    // wait at that one), so its destination stages are theirs. Between dispatches (all of a
    // decode step but the logits' copy) that is compute to compute: no transfer stage to drain.
    std::vector<VkPipelineStageFlags> until_next(pending_.size());
    VkPipelineStageFlags after = 0;
    for (size_t i = pending_.size(); i-- > 0;) {
        after |= stage_of(pending_[i]);
        until_next[i] = after;
        if (pending_[i].barrier_before) after = 0;
    }
    VkPipelineStageFlags before = 0;
    for (size_t i = 0; i < pending_.size(); ++i) {
        const Command& c = pending_[i];
        if (c.barrier_before && !drop_barriers_) {  // every write before it visible to every command after
            const VkPipelineStageFlags src = full_barriers_ ? compute | transfer : before;
            const VkPipelineStageFlags dst = full_barriers_ ? compute | transfer : until_next[i];
            VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
            mb.srcAccessMask = writes_of(src);
            mb.dstAccessMask = accesses_of(dst);
            f.vkCmdPipelineBarrier(cmd_, src, dst, 0, 1, &mb, 0, nullptr, 0, nullptr);
        }
        before |= stage_of(c);
        if (!c.pipeline) {
            f.vkCmdCopyBuffer(cmd_, c.src, c.dst, 1, &c.region);
            continue;
        }
        const Pipeline& p = *c.pipeline;
        f.vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, p.handle());
        f.vkCmdBindDescriptorSets(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout(), 0, 1, &c.set, 0, nullptr);
        if (p.push_bytes()) f.vkCmdPushConstants(cmd_, p.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, p.push_bytes(), c.push.data());
        f.vkCmdDispatch(cmd_, c.groups[0], c.groups[1], c.groups[2]);
        if (profiler_) profiler_->after_dispatch(cmd_, p.name());
    }
    // The host reads results (logits, downloads) once the fence says the work is done:
    // make the device's writes visible to it.
    const VkPipelineStageFlags src = full_barriers_ ? compute | transfer : before;
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = writes_of(src);
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    f.vkCmdPipelineBarrier(cmd_, src, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
    check(f.vkEndCommandBuffer(cmd_), "vkEndCommandBuffer");
    recorded_ = pending_;
    ++n_recordings_;
}

void CommandSequence::submit_and_wait() {
    if (pending_.empty()) return;
    const Functions& f = dev_.fn();
    // The first command never needs a barrier (the previous submission was waited for); it
    // may carry one from the tracking, so compare without it.
    pending_.front().barrier_before = false;
    const bool reused = pending_ == recorded_;
    if (!reused) {
        recorded_.clear();  // a failure below leaves nothing that looks recorded
        record();
    }
    pending_.clear();
    written_.clear();
    read_.clear();
    barrier_next_ = false;
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd_;
    if (lose_at_submit_ != 0 && n_submits_ + 1 >= lose_at_submit_)
        throw DeviceLost("Vulkan: vkQueueSubmit failed (VK_ERROR_DEVICE_LOST, simulated by KINGLET_VK_LOSE_DEVICE_AT_SUBMIT)");
    using Clock = std::chrono::steady_clock;
    if (reused && reused_done_at_ != Clock::time_point{}) {
        const int64_t gap = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - reused_done_at_).count();
        host_gap_ns_ += gap;
        ++n_host_gaps_;
        if (profiler_) profiler_->host_gap(gap);
    }
    check(f.vkQueueSubmit(dev_.queue(), 1, &si, fence_), "vkQueueSubmit");
    wait_for_fence(reused);
    check(f.vkResetFences(dev_.handle(), 1, &fence_), "vkResetFences");
    ++n_submits_;
    if (profiler_) profiler_->collect();
    // Timed from here, so that the profiler's own reading of its timestamps is not counted.
    reused_done_at_ = reused ? Clock::now() : Clock::time_point{};
}

// A thread asleep in vkWaitForFences wakes some time after the GPU signals the fence, and in
// token-by-token generation the GPU then idles until the next token is submitted. So a
// reused command buffer (a decode step, whose time the last one foretells: T) is waited for
// the hybrid way: asleep until a window w = min(T / 4, 1 ms) before T, then polling the fence
// until w past it, then asleep again (the GPU is slower than foretold). At most 2 ms of a core
// a submission are spent polling.
void CommandSequence::wait_for_fence(bool reused) {
    using Clock = std::chrono::steady_clock;
    const Functions& f = dev_.fn();
    const auto start = Clock::now();
    const auto elapsed_ns = [&start] {
        return int64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    };
    bool done = false;
    if (spin_ && reused && reused_ns_ > 0) {
        ++n_hybrid_waits_;
        const int64_t window = std::min<int64_t>(reused_ns_ / 4, 1'000'000);
        const VkResult slept = f.vkWaitForFences(dev_.handle(), 1, &fence_, VK_TRUE, uint64_t(reused_ns_ - window));
        if (slept != VK_TIMEOUT) check(slept, "waiting for the GPU");
        done = slept == VK_SUCCESS;
        while (!done && elapsed_ns() < reused_ns_ + window) {
            const VkResult polled = f.vkGetFenceStatus(dev_.handle(), fence_);
            if (polled != VK_NOT_READY) check(polled, "waiting for the GPU");
            done = polled == VK_SUCCESS;
#if defined(__x86_64__) || defined(__i386__)
            if (!done) _mm_pause();
#else
            if (!done) std::this_thread::yield();
#endif
        }
    }
    if (!done) check(f.vkWaitForFences(dev_.handle(), 1, &fence_, VK_TRUE, UINT64_MAX), "waiting for the GPU");
    if (reused) reused_ns_ = elapsed_ns();
}

namespace {
constexpr size_t kStagingBytes = size_t(32) << 20;
}

void upload(const VulkanDevice& dev, const Buffer& dst, size_t dst_offset, const void* src, size_t bytes) {
    Buffer staging(dev, std::min(bytes, kStagingBytes), Buffer::Kind::HostVisible);
    CommandSequence seq(dev);
    for (size_t done = 0; done < bytes; done += kStagingBytes) {
        const size_t n = std::min(kStagingBytes, bytes - done);
        std::memcpy(staging.mapped(), static_cast<const uint8_t*>(src) + done, n);
        seq.copy(staging, 0, dst, dst_offset + done, n);
        seq.submit_and_wait();
    }
}

void download(const VulkanDevice& dev, const Buffer& src, size_t src_offset, void* dst, size_t bytes) {
    Buffer staging(dev, std::min(bytes, kStagingBytes), Buffer::Kind::HostVisible);
    CommandSequence seq(dev);
    for (size_t done = 0; done < bytes; done += kStagingBytes) {
        const size_t n = std::min(kStagingBytes, bytes - done);
        seq.copy(src, src_offset + done, staging, 0, n);
        seq.submit_and_wait();
        std::memcpy(static_cast<uint8_t*>(dst) + done, staging.mapped(), n);
    }
}

}  // namespace kinglet::vk
