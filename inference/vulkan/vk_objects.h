// Small Vulkan objects, one job each (in the spirit of Kompute):
//   Buffer          a VkBuffer with its own memory, device-local or host-visible (mapped)
//   Pipeline        an embedded shader with its descriptor layout (N storage buffers) and push constants
//   CommandSequence one command buffer: record dispatches (each followed by a barrier) and copies,
//                   submit once, wait on a fence
#pragma once
#include <cstddef>
#include <initializer_list>
#include <string>

#include "vulkan/vk_device.h"

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
    // shader: the name of a shaders/*.comp file without extension.
    Pipeline(const VulkanDevice& dev, const std::string& shader, uint32_t n_bindings, uint32_t push_bytes);
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    VkPipeline handle() const { return pipeline_; }
    VkPipelineLayout layout() const { return layout_; }
    VkDescriptorSetLayout set_layout() const { return set_layout_; }
    uint32_t n_bindings() const { return n_bindings_; }
    uint32_t push_bytes() const { return push_bytes_; }
    const std::string& name() const { return name_; }

private:
    const VulkanDevice& dev_;
    std::string name_;
    uint32_t n_bindings_, push_bytes_;
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

    // Records one dispatch and a barrier that makes its writes visible to everything after.
    // When the descriptor pool is full, the work so far is submitted and waited for first.
    void dispatch(const Pipeline& p, std::initializer_list<BufferRange> bindings, const void* push,
                  uint32_t gx, uint32_t gy = 1, uint32_t gz = 1);
    void copy(const Buffer& src, size_t src_offset, const Buffer& dst, size_t dst_offset, size_t bytes);
    // Submits what was recorded (if anything) and waits for it.
    void submit_and_wait();
    bool empty() const { return !recording_; }
    size_t dispatches() const { return n_dispatches_; }  // since construction, for tests/diagnostics

private:
    VkCommandBuffer begin();
    void barrier();

    static constexpr uint32_t kMaxSets = 1024;
    const VulkanDevice& dev_;
    VkCommandPool pool_ = VK_NULL_HANDLE;
    VkCommandBuffer cmd_ = VK_NULL_HANDLE;
    VkDescriptorPool descriptors_ = VK_NULL_HANDLE;
    VkFence fence_ = VK_NULL_HANDLE;
    bool recording_ = false;
    uint32_t sets_used_ = 0;
    size_t n_dispatches_ = 0;
};

// Copies host bytes into a buffer through a host-visible staging buffer (weights are
// uploaded once, in chunks so that the staging memory stays small).
void upload(const VulkanDevice& dev, const Buffer& dst, size_t dst_offset, const void* src, size_t bytes);
// Copies device bytes back to the host.
void download(const VulkanDevice& dev, const Buffer& src, size_t src_offset, void* dst, size_t bytes);

}  // namespace kinglet::vk
