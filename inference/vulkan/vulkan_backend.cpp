#include "vulkan/vulkan_backend.h"

#include <exception>

#include "vulkan/vk_backend.h"

namespace kinglet {

std::vector<VulkanDeviceInfo> list_vulkan_devices(std::string* why_not) {
    auto instance = vk::VulkanInstance::create(why_not);
    if (!instance) return {};
    std::vector<VulkanDeviceInfo> out;
    const auto devices = instance->physical_devices();
    for (size_t i = 0; i < devices.size(); ++i) out.push_back(instance->describe(devices[i], int(i)));
    if (out.empty() && why_not) *why_not = "no Vulkan device found";
    return out;
}

std::unique_ptr<Backend> make_vulkan_backend(const std::string& device_selector, std::string* why_not) {
    try {
        auto instance = vk::VulkanInstance::create(why_not);
        if (!instance) return nullptr;
        const auto physical = instance->physical_devices();
        std::vector<VulkanDeviceInfo> infos;
        for (size_t i = 0; i < physical.size(); ++i) infos.push_back(instance->describe(physical[i], int(i)));
        const int chosen = vk::choose_device(infos, device_selector, why_not);
        if (chosen < 0) return nullptr;
        auto device = std::make_unique<vk::VulkanDevice>(instance, physical[chosen], infos[chosen]);
        return std::make_unique<VulkanBackend>(std::move(device));
    } catch (const std::exception& e) {
        if (why_not) *why_not = e.what();
        return nullptr;
    }
}

}  // namespace kinglet
