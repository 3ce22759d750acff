#include "vulkan/vk_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace kinglet::vk {

PFN_vkGetInstanceProcAddr load_vulkan_loader(std::string* why_not) {
    static std::once_flag once;
    static PFN_vkGetInstanceProcAddr gipa = nullptr;
    static std::string error;
    std::call_once(once, [] {
        // KINGLET_VK_LOADER lets tests and users point at another loader, or at nothing
        // (to check the CPU fallback).
        const char* custom = std::getenv("KINGLET_VK_LOADER");
        const char* names[] = {custom, "libvulkan.so.1", "libvulkan.so", "libvulkan.1.dylib", "libMoltenVK.dylib"};
        void* lib = nullptr;
        std::string first_error;  // the first name's: the later ones are other platforms' fallbacks
        for (const char* name : names) {
            if (!name) continue;
            lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
            if (!lib && first_error.empty())
                if (const char* e = dlerror()) first_error = e;
            if (lib || custom) break;  // an explicit choice is not second-guessed
        }
        if (!lib) {
            error = std::string("the Vulkan loader (") + (custom ? custom : "libvulkan.so.1") + ") could not be opened" +
                    (first_error.empty() ? "" : ": " + first_error);
            return;
        }
        gipa = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(lib, "vkGetInstanceProcAddr"));
        if (!gipa) error = "the Vulkan loader has no vkGetInstanceProcAddr";
    });
    if (!gipa && why_not) *why_not = error;
    return gipa;
}

void load_global_functions(Functions& f, PFN_vkGetInstanceProcAddr gipa) {
    f.vkGetInstanceProcAddr = gipa;
#define KINGLET_VK_LOAD(name) f.name = reinterpret_cast<PFN_##name>(gipa(VK_NULL_HANDLE, #name));
    KINGLET_VK_GLOBAL_FUNCS(KINGLET_VK_LOAD)
#undef KINGLET_VK_LOAD
}

std::string load_instance_functions(Functions& f, VkInstance instance) {
    std::string missing;
#define KINGLET_VK_LOAD(name)                                                          \
    f.name = reinterpret_cast<PFN_##name>(f.vkGetInstanceProcAddr(instance, #name)); \
    if (!f.name && missing.empty()) missing = #name;
    KINGLET_VK_INSTANCE_FUNCS(KINGLET_VK_LOAD)
#undef KINGLET_VK_LOAD
    return missing;
}

std::string load_device_functions(Functions& f, VkDevice device) {
    std::string missing;
#define KINGLET_VK_LOAD(name)                                                   \
    f.name = reinterpret_cast<PFN_##name>(f.vkGetDeviceProcAddr(device, #name)); \
    if (!f.name && missing.empty()) missing = #name;
    KINGLET_VK_DEVICE_FUNCS(KINGLET_VK_LOAD)
#undef KINGLET_VK_LOAD
    return missing;
}

const char* result_name(VkResult r) {
    switch (r) {
    case VK_SUCCESS: return "VK_SUCCESS";
    case VK_NOT_READY: return "VK_NOT_READY";
    case VK_TIMEOUT: return "VK_TIMEOUT";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
    case VK_ERROR_OUT_OF_POOL_MEMORY: return "VK_ERROR_OUT_OF_POOL_MEMORY";
    default: return "VkResult error";
    }
}

}  // namespace kinglet::vk
