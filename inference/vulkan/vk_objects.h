// Small Vulkan objects, one job each (in the spirit of Kompute):
//   Buffer          a VkBuffer with its own memory: device-local, or mapped for the host (read
//                   back by it, or written by it and read by shaders)
//   Pipeline        an embedded shader with its descriptor layout (N storage buffers), push constants
//                   and which of its bindings it writes
// (CommandSequence, which records and submits them, is in vk_sequence.h.)
#pragma once
#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "vulkan/vk_device.h"

namespace kinglet::vk {

class Buffer {
public:
    // HostVisible: mapped, host-cached where the device offers it (results the host reads back,
    // staging). HostWritten: mapped, in device memory where the device maps some (NVIDIA's and
    // AMD's BAR; else host memory), for small inputs that the host writes and every dispatch
    // reads (token ids, positions): each read then stays off the PCIe bus.
    enum class Kind { DeviceLocal, HostVisible, HostWritten };
    // The memory properties a kind needs, and those it prefers.
    static std::pair<VkMemoryPropertyFlags, VkMemoryPropertyFlags> memory_properties(Kind kind);
    Buffer() = default;
    Buffer(const VulkanDevice& dev, size_t bytes, Kind kind);
    ~Buffer() { reset(); }
    Buffer(Buffer&& o) noexcept { *this = std::move(o); }
    Buffer& operator=(Buffer&& o) noexcept;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    VkBuffer handle() const { return buffer_; }
    size_t size() const { return size_; }
    void* mapped() const { return mapped_; }  // HostVisible and HostWritten buffers only

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
    // spec[i] sets the shader's specialization constant i (matvec/matmul: 0 is the weight type,
    // so the compiler keeps only that type's dequantization code); `label` is shown after the
    // shader name in errors and profiles.
    Pipeline(const VulkanDevice& dev, const std::string& shader, uint32_t n_bindings, uint32_t push_bytes,
             uint32_t write_mask = ~0u, const std::vector<uint32_t>& spec = {}, const std::string& label = "");
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

}  // namespace kinglet::vk
