// Small Vulkan objects, one job each (in the spirit of Kompute):
//   Buffer          a VkBuffer with its own memory, device-local or host-visible (mapped)
//   Pipeline        an embedded shader with its descriptor layout (N storage buffers), push constants
//                   and which of its bindings it writes
//   CommandSequence one command buffer: record dispatches and copies (with a barrier only where a
//                   command touches what an earlier one wrote), submit once, wait on a fence
#pragma once
#include <array>
#include <cstddef>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vulkan/vk_device.h"
#include "vulkan/vk_profiler.h"

namespace kinglet::vk {

class Buffer {
public:
    enum class Kind { DeviceLocal, HostVisible };
    Buffer() = default;
    Buffer(const VulkanDevice& dev, size_t bytes, Kind kind);
    ~Buffer() { reset(); }
    Buffer(Buffer&& o) noexcept { *this = std::move(o); }
    Buffer& operator=(Buffer&& o) noexcept;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    VkBuffer handle() const { return buffer_; }
    size_t size() const { return size_; }
    void* mapped() const { return mapped_; }  // host-visible buffers only

private:
    void reset();
    const VulkanDevice* dev_ = nullptr;
    VkBuffer buffer_ = VK_NULL_HANDLE;
    VkDeviceMemory memory_ = VK_NULL_HANDLE;
    size_t size_ = 0;
    void* mapped_ = nullptr;
};

// A part of a buffer bound to one shader binding.
struct BufferRange {
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceSize offset = 0;
    VkDeviceSize range = VK_WHOLE_SIZE;
};
inline BufferRange whole(const Buffer& b) { return {b.handle(), 0, b.size()}; }

class Pipeline {
public:
    // shader: the name of a shaders/*.comp file without extension. write_mask: bit i set when
    // the shader writes binding i (the others are read-only); by default all are written.
    // spec_value, when given, sets the shader's specialization constant 0 (matvec/matmul: the
    // weight type, so the compiler keeps only that type's dequantization code); it is shown
    // as " <label>" after the shader name in errors and profiles.
    static constexpr uint32_t kNoSpec = ~0u;
    Pipeline(const VulkanDevice& dev, const std::string& shader, uint32_t n_bindings, uint32_t push_bytes,
             uint32_t write_mask = ~0u, uint32_t spec_value = kNoSpec, const std::string& label = "");
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    VkPipeline handle() const { return pipeline_; }
    VkPipelineLayout layout() const { return layout_; }
    VkDescriptorSetLayout set_layout() const { return set_layout_; }
    uint32_t n_bindings() const { return n_bindings_; }
    uint32_t push_bytes() const { return push_bytes_; }
    bool writes(uint32_t binding) const { return (write_mask_ >> binding) & 1u; }
    const std::string& name() const { return name_; }

private:
    const VulkanDevice& dev_;
    std::string name_;
    uint32_t n_bindings_, push_bytes_, write_mask_;
    VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
    VkPipelineLayout layout_ = VK_NULL_HANDLE;
    VkPipeline pipeline_ = VK_NULL_HANDLE;
};

class CommandSequence {
public:
    explicit CommandSequence(const VulkanDevice& dev);
    ~CommandSequence();
    CommandSequence(const CommandSequence&) = delete;
    CommandSequence& operator=(const CommandSequence&) = delete;

    // Records one dispatch, after a barrier when it reads or writes a buffer that an earlier
    // command wrote since the last barrier, or writes one that an earlier command read
    // (so independent dispatches, e.g. the Q, K and V projections, run concurrently).
    // Descriptor sets are cached by their bindings: a forward pass binds the same buffers
    // token after token, so after the first token no set is allocated or written.
    void dispatch(const Pipeline& p, std::initializer_list<BufferRange> bindings, const void* push,
                  uint32_t gx, uint32_t gy = 1, uint32_t gz = 1);
    void copy(const Buffer& src, size_t src_offset, const Buffer& dst, size_t dst_offset, size_t bytes);
    // Submits what was recorded (if anything) and waits for it.
    void submit_and_wait();
    bool empty() const { return !recording_; }
    size_t dispatches() const { return n_dispatches_; }  // since construction, for tests/diagnostics
    size_t barriers() const { return n_barriers_; }      // likewise
    // Drops the cached descriptor sets; call before destroying buffers they may name (a new
    // buffer can reuse a destroyed one's handle).
    void forget_descriptors();

private:
    VkCommandBuffer begin();
    void barrier();
    // Barrier first if accessing `buffer` (written or only read) conflicts with what was
    // recorded since the last barrier.
    void order_access(VkBuffer buffer, bool write);
    void note_access(VkBuffer buffer, bool write);
    VkDescriptorSet descriptor_set(const Pipeline& p, std::initializer_list<BufferRange> bindings);

    static constexpr uint32_t kSetsPerPool = 1024;
    static constexpr size_t kMaxCachedSets = 1 << 16;
    const VulkanDevice& dev_;
    VkCommandPool pool_ = VK_NULL_HANDLE;
    VkCommandBuffer cmd_ = VK_NULL_HANDLE;
    std::vector<VkDescriptorPool> descriptor_pools_;
    uint32_t sets_in_last_pool_ = kSetsPerPool;
    // Key: the set layout, then (buffer, offset, range) per binding; unused entries are 0.
    using SetKey = std::array<uint64_t, 1 + 3 * 8>;
    std::map<SetKey, VkDescriptorSet> sets_;
    std::vector<VkBuffer> written_, read_;  // since the last barrier
    VkFence fence_ = VK_NULL_HANDLE;
    bool recording_ = false;
    size_t n_dispatches_ = 0, n_barriers_ = 0;
    std::unique_ptr<DispatchProfiler> profiler_;  // KINGLET_VK_PROFILE=1 only
};

// Copies host bytes into a buffer through a host-visible staging buffer (weights are
// uploaded once, in chunks so that the staging memory stays small).
void upload(const VulkanDevice& dev, const Buffer& dst, size_t dst_offset, const void* src, size_t bytes);
// Copies device bytes back to the host.
void download(const VulkanDevice& dev, const Buffer& src, size_t src_offset, void* dst, size_t bytes);

}  // namespace kinglet::vk
