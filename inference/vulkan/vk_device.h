// VulkanInstance: the loader, a VkInstance and the function table. VulkanDevice: one
// chosen physical device with a compute queue, its capabilities and its memory types.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "vulkan/device_info.h"
#include "vulkan/vk_loader.h"

namespace kinglet::vk {

// Throws kinglet::Error naming the call and its VkResult.
void check(VkResult r, const char* what);

class VulkanInstance {
public:
    // Null with *why_not set when there is no loader or no instance can be made.
    // The process keeps one instance to its end and every call returns it: NVIDIA's driver
    // refuses new instances after a few dozen have been created in one process, and the app
    // needs one for every device listing and model load.
    static std::shared_ptr<VulkanInstance> create(std::string* why_not);
    ~VulkanInstance();
    VulkanInstance(const VulkanInstance&) = delete;
    VulkanInstance& operator=(const VulkanInstance&) = delete;

    const Functions& fn() const { return fn_; }
    VkInstance handle() const { return instance_; }
    uint32_t api_version() const { return api_version_; }
    std::vector<VkPhysicalDevice> physical_devices() const;
    VulkanDeviceInfo describe(VkPhysicalDevice pd, int index) const;

private:
    VulkanInstance() = default;
    static std::shared_ptr<VulkanInstance> create_new(std::string* why_not);
    bool has_device_extension(VkPhysicalDevice pd, const char* name) const;
    bool has_coopmat_f16(VkPhysicalDevice pd) const;
    void read_memory(VkPhysicalDevice pd, VulkanDeviceInfo& info) const;
    Functions fn_;
    VkInstance instance_ = VK_NULL_HANDLE;
    uint32_t api_version_ = VK_API_VERSION_1_1;
};

// Index of the device to use: `selector` (or KINGLET_VK_DEVICE when empty) is an index or a
// case-insensitive name substring; otherwise discrete > integrated > virtual > cpu.
// -1 with *why_not set when nothing matches.
int choose_device(const std::vector<VulkanDeviceInfo>& devices, const std::string& selector, std::string* why_not);

// The most storage buffers any of Kinglet's shaders binds (matvec: weights, input, three
// outputs, three biases, a norm's weights, rotary frequencies, positions); a device must
// allow this many per shader.
constexpr uint32_t kMaxBindings = 11;

// Shared memory of matmul_coopmat.comp: F16 tiles of 128 x 72 weights and 64 x 136
// activations, and eight 16 x 16 F32 results.
constexpr uint32_t kCoopmatSharedBytes = 128 * 72 * 2 + 64 * 136 * 2 + 8 * 256 * 4;

class VulkanDevice {
public:
    VulkanDevice(std::shared_ptr<VulkanInstance> instance, VkPhysicalDevice pd, VulkanDeviceInfo info);
    ~VulkanDevice();
    VulkanDevice(const VulkanDevice&) = delete;
    VulkanDevice& operator=(const VulkanDevice&) = delete;

    const Functions& fn() const { return fn_; }
    VkDevice handle() const { return device_; }
    VkQueue queue() const { return queue_; }
    uint32_t queue_family() const { return queue_family_; }
    const VulkanDeviceInfo& info() const { return info_; }
    // A memory type with all of `required` (and preferably `preferred`) allowed by type_bits.
    uint32_t memory_type(uint32_t type_bits, VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) const;
    // The same choice among given memory types (tests); UINT32_MAX where none has `required`.
    static uint32_t pick_memory_type(const VkPhysicalDeviceMemoryProperties& types, uint32_t type_bits,
                                     VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred);

private:
    std::shared_ptr<VulkanInstance> instance_;
    Functions fn_;  // instance table plus this device's entries
    VkPhysicalDevice physical_ = VK_NULL_HANDLE;
    VkDevice device_ = VK_NULL_HANDLE;
    VkQueue queue_ = VK_NULL_HANDLE;
    uint32_t queue_family_ = 0;
    VulkanDeviceInfo info_;
    VkPhysicalDeviceMemoryProperties memory_{};
};

}  // namespace kinglet::vk
