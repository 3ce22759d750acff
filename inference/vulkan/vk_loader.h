// Vulkan is loaded at run time (dlopen of the loader library), so the program starts and the
// CPU path works on machines without Vulkan. Every entry point the backend uses goes through
// this table; prototypes are disabled so nothing links against libvulkan.
#pragma once
#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan.h>

#include <string>

namespace kinglet::vk {

#define KINGLET_VK_GLOBAL_FUNCS(X) X(vkCreateInstance) X(vkEnumerateInstanceVersion)

#define KINGLET_VK_INSTANCE_FUNCS(X)                                                          \
    X(vkDestroyInstance) X(vkEnumeratePhysicalDevices) X(vkGetPhysicalDeviceProperties)       \
    X(vkGetPhysicalDeviceProperties2) X(vkGetPhysicalDeviceFeatures2)                         \
    X(vkGetPhysicalDeviceMemoryProperties) X(vkGetPhysicalDeviceQueueFamilyProperties)        \
    X(vkGetPhysicalDeviceMemoryProperties2) X(vkEnumerateDeviceExtensionProperties)           \
    X(vkCreateDevice) X(vkGetDeviceProcAddr)

#define KINGLET_VK_DEVICE_FUNCS(X)                                                            \
    X(vkDestroyDevice) X(vkGetDeviceQueue) X(vkCreateBuffer) X(vkDestroyBuffer)               \
    X(vkGetBufferMemoryRequirements) X(vkAllocateMemory) X(vkFreeMemory) X(vkBindBufferMemory) \
    X(vkMapMemory) X(vkUnmapMemory) X(vkCreateShaderModule) X(vkDestroyShaderModule)          \
    X(vkCreateDescriptorSetLayout) X(vkDestroyDescriptorSetLayout) X(vkCreatePipelineLayout)  \
    X(vkDestroyPipelineLayout) X(vkCreateComputePipelines) X(vkDestroyPipeline)               \
    X(vkCreateDescriptorPool) X(vkDestroyDescriptorPool) X(vkResetDescriptorPool)             \
    X(vkAllocateDescriptorSets) X(vkUpdateDescriptorSets) X(vkCreateCommandPool)              \
    X(vkDestroyCommandPool) X(vkAllocateCommandBuffers) X(vkResetCommandBuffer)               \
    X(vkBeginCommandBuffer) X(vkEndCommandBuffer) X(vkCmdBindPipeline)                        \
    X(vkCmdBindDescriptorSets) X(vkCmdPushConstants) X(vkCmdDispatch) X(vkCmdPipelineBarrier) \
    X(vkCmdCopyBuffer) X(vkCmdFillBuffer) X(vkQueueSubmit) X(vkCreateFence) X(vkDestroyFence) \
    X(vkWaitForFences) X(vkGetFenceStatus) X(vkResetFences) X(vkDeviceWaitIdle) X(vkCreateQueryPool) \
    X(vkDestroyQueryPool) X(vkCmdResetQueryPool) X(vkCmdWriteTimestamp) X(vkGetQueryPoolResults)

#define KINGLET_VK_DECLARE(name) PFN_##name name = nullptr;
struct Functions {
    PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
    KINGLET_VK_GLOBAL_FUNCS(KINGLET_VK_DECLARE)
    KINGLET_VK_INSTANCE_FUNCS(KINGLET_VK_DECLARE)
    KINGLET_VK_DEVICE_FUNCS(KINGLET_VK_DECLARE)
};
#undef KINGLET_VK_DECLARE

// Opens the loader (once per process; the library stays loaded). Returns null and sets
// *why_not when there is no loader or it lacks vkGetInstanceProcAddr.
PFN_vkGetInstanceProcAddr load_vulkan_loader(std::string* why_not);
// Fills the global-level entries of f from the loader.
void load_global_functions(Functions& f, PFN_vkGetInstanceProcAddr gipa);
// Fills the instance-level entries; returns the name of the first one missing, or "".
std::string load_instance_functions(Functions& f, VkInstance instance);
// Fills the device-level entries (through vkGetDeviceProcAddr: no loader trampoline).
std::string load_device_functions(Functions& f, VkDevice device);

// "VK_ERROR_OUT_OF_DEVICE_MEMORY" etc., for error messages.
const char* result_name(VkResult r);

}  // namespace kinglet::vk
