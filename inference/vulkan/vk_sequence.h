// CommandSequence: the work of one submission. Dispatches and copies are collected as a list
// of commands (with a barrier only where a command touches what an earlier one wrote) and
// recorded into the command buffer at submit time, unless the list equals the one already
// recorded there: then the command buffer is submitted again as it is. A decode step is the
// same list token after token (positions come from a buffer, not from push constants), so
// it is recorded once and reused.
#pragma once
#include <array>
#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <map>
#include <memory>
#include <vector>

#include "vulkan/vk_objects.h"
#include "vulkan/vk_profiler.h"

namespace kinglet::vk {

class CommandSequence {
public:
    explicit CommandSequence(const VulkanDevice& dev);
    ~CommandSequence();
    CommandSequence(const CommandSequence&) = delete;
    CommandSequence& operator=(const CommandSequence&) = delete;

    // Adds one dispatch, after a barrier when it reads or writes a buffer that an earlier
    // command wrote since the last barrier, or writes one that an earlier command read
    // (so independent dispatches, e.g. the Q, K and V projections, run concurrently).
    // Descriptor sets are cached by their bindings: a forward pass binds the same buffers
    // token after token, so after the first token no set is allocated or written.
    void dispatch(const Pipeline& p, std::initializer_list<BufferRange> bindings, const void* push,
                  uint32_t gx, uint32_t gy = 1, uint32_t gz = 1);
    void copy(const Buffer& src, size_t src_offset, const Buffer& dst, size_t dst_offset, size_t bytes);
    // Submits what was added (if anything) and waits for it.
    void submit_and_wait();
    bool empty() const { return pending_.empty(); }
    size_t dispatches() const { return n_dispatches_; }  // since construction, for tests/diagnostics
    size_t barriers() const { return n_barriers_; }      // added before dispatches, since construction
    size_t recordings() const { return n_recordings_; }  // command buffers recorded (not reused)
    size_t submits() const { return n_submits_; }
    size_t hybrid_waits() const { return n_hybrid_waits_; }  // waits done the hybrid way (wait_for_fence)
    // Host time from the return of a reused submission's submit_and_wait (its fence seen) to
    // the next reused submission: a decode step's share that the GPU idles through (reading
    // the logits, choosing a token, walking the graph again). Summed, and how many such gaps.
    int64_t host_gap_ns() const { return host_gap_ns_; }
    size_t host_gaps() const { return n_host_gaps_; }
    // Drops the cached descriptor sets (and the recorded commands that use them); call before
    // destroying buffers they may name (a new buffer can reuse a destroyed one's handle).
    void forget_descriptors();

private:
    struct Command {
        bool barrier_before = false;
        const Pipeline* pipeline = nullptr;  // null: a copy
        VkDescriptorSet set = VK_NULL_HANDLE;
        std::array<uint8_t, 128> push{};  // the minimum maxPushConstantsSize
        uint32_t groups[3] = {0, 0, 0};
        VkBuffer src = VK_NULL_HANDLE, dst = VK_NULL_HANDLE;
        VkBufferCopy region{};
        bool operator==(const Command& o) const;
    };
    // Marks a barrier before the next command if accessing `buffer` (written or only read)
    // conflicts with what was added since the last barrier.
    void order_access(VkBuffer buffer, bool write);
    void note_access(VkBuffer buffer, bool write);
    VkDescriptorSet descriptor_set(const Pipeline& p, std::initializer_list<BufferRange> bindings);
    void record();  // pending_ into cmd_
    // Waits for fence_ after a submission; `reused`: cmd_ was submitted as it was last time.
    void wait_for_fence(bool reused);

    static constexpr uint32_t kSetsPerPool = 1024;
    static constexpr size_t kMaxCachedSets = 1 << 16;
    const VulkanDevice& dev_;
    VkCommandPool pool_ = VK_NULL_HANDLE;
    VkCommandBuffer cmd_ = VK_NULL_HANDLE;
    std::vector<VkDescriptorPool> descriptor_pools_;
    uint32_t sets_in_last_pool_ = kSetsPerPool;
    // Key: the set layout, then (buffer, offset, range) per binding; unused entries are 0.
    using SetKey = std::array<uint64_t, 1 + 3 * kMaxBindings>;
    std::map<SetKey, VkDescriptorSet> sets_;
    std::vector<Command> pending_;   // added since the last submit
    std::vector<Command> recorded_;  // what cmd_ holds now
    std::vector<VkBuffer> written_, read_;  // since the last barrier
    bool barrier_next_ = false;
    VkFence fence_ = VK_NULL_HANDLE;
    size_t n_dispatches_ = 0, n_barriers_ = 0, n_recordings_ = 0, n_submits_ = 0, n_hybrid_waits_ = 0;
    // Hybrid waits (wait_for_fence): on unless the device is CPU-type (KINGLET_VK_FENCE_SPIN=0|1
    // overrides), and how long the last submission of a reused command buffer took (0: unknown).
    bool spin_ = false;
    bool full_barriers_ = false;  // KINGLET_VK_FULL_BARRIERS=1
    bool drop_barriers_ = false;  // KINGLET_VK_TEST_DROP_BARRIERS=1 (tests only)
    int64_t reused_ns_ = 0;
    // When the last submission's submit_and_wait returned, if it was a reused one (else unset).
    std::chrono::steady_clock::time_point reused_done_at_{};
    int64_t host_gap_ns_ = 0;
    size_t n_host_gaps_ = 0;
    size_t lose_at_submit_ = 0;  // KINGLET_VK_LOSE_DEVICE_AT_SUBMIT (tests); 0: never
    std::unique_ptr<DispatchProfiler> profiler_;  // KINGLET_VK_PROFILE=1 only
};

// Copies host bytes into a buffer through a host-visible staging buffer (weights are
// uploaded once, in chunks so that the staging memory stays small).
void upload(const VulkanDevice& dev, const Buffer& dst, size_t dst_offset, const void* src, size_t bytes);
// Copies device bytes back to the host.
void download(const VulkanDevice& dev, const Buffer& src, size_t src_offset, void* dst, size_t bytes);

}  // namespace kinglet::vk
