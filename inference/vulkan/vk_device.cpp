#include "vulkan/vk_device.h"

// Vulkan structs are written as {sType} with the other members zeroed on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <algorithm>
#include <mutex>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "util/env_flag.h"
#include "util/error.h"

namespace kinglet {

std::string VulkanDeviceInfo::summary() const {
    auto mib = [](uint64_t b) { return std::to_string(b >> 20) + " MiB"; };
    std::string s = std::string("#") + std::to_string(index) + " " + name + " (" + type + ", Vulkan " + api_version + ", " +
                    mib(device_local_bytes) + " device-local, " + mib(free_device_memory) + " free" +
                    (memory_budget ? "" : " (no budget reported: heap size)");
    s += std::string(", fp16 ") + (shader_float16 ? "yes" : "no") + ", 16-bit storage " + (storage_16bit ? "yes" : "no") +
         ", int8 " + (shader_int8 ? "yes" : "no") + ", subgroup " + std::to_string(subgroup_size);
    if (subgroup_arithmetic) s += " (arithmetic)";
    if (compute_units) s += ", " + std::to_string(compute_units) + " compute units";
    if (coopmat_f16) s += ", tensor cores (cooperative matrix)";
    s += ", binding max " + mib(max_storage_buffer_range) + ", shared " + std::to_string(max_shared_memory / 1024) +
         " KiB)";
    return s;
}

namespace vk {

void check(VkResult r, const char* what) {
    if (r == VK_SUCCESS) return;
    const std::string message = std::string("Vulkan: ") + what + " failed (" + result_name(r) + ")";
    if (r == VK_ERROR_DEVICE_LOST) throw DeviceLost(message);
    throw Error(message);
}

std::shared_ptr<VulkanInstance> VulkanInstance::create(std::string* why_not) {
    static std::mutex mutex;
    // Never destroyed: at exit, static destructors run after the driver's own teardown
    // (loaded later, torn down first), and vkDestroyInstance then crashes inside NVIDIA's
    // driver. Devices and buffers are still released when their owners go; the OS reclaims
    // the instance. A failure is not kept: a later call tries again.
    static auto* shared = new std::shared_ptr<VulkanInstance>();
    std::lock_guard<std::mutex> lock(mutex);
    if (!*shared) *shared = create_new(why_not);
    return *shared;
}

std::shared_ptr<VulkanInstance> VulkanInstance::create_new(std::string* why_not) {
    PFN_vkGetInstanceProcAddr gipa = load_vulkan_loader(why_not);
    if (!gipa) return nullptr;
    std::shared_ptr<VulkanInstance> inst(new VulkanInstance());
    load_global_functions(inst->fn_, gipa);
    if (!inst->fn_.vkCreateInstance) {
        if (why_not) *why_not = "the Vulkan loader has no vkCreateInstance";
        return nullptr;
    }
    uint32_t version = VK_API_VERSION_1_0;
    if (inst->fn_.vkEnumerateInstanceVersion) inst->fn_.vkEnumerateInstanceVersion(&version);
    if (version < VK_API_VERSION_1_1) {
        if (why_not) *why_not = "the Vulkan loader supports only Vulkan 1.0 (1.1 or newer is needed)";
        return nullptr;
    }
    inst->api_version_ = std::min<uint32_t>(version, VK_API_VERSION_1_2);
    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "Kinglet";
    app.pEngineName = "Kinglet";
    app.apiVersion = inst->api_version_;
    VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    ci.pApplicationInfo = &app;
    const VkResult r = inst->fn_.vkCreateInstance(&ci, nullptr, &inst->instance_);
    if (r != VK_SUCCESS) {
        if (why_not) *why_not = std::string("vkCreateInstance failed (") + result_name(r) + "): no usable Vulkan driver";
        return nullptr;
    }
    const std::string missing = load_instance_functions(inst->fn_, inst->instance_);
    if (!missing.empty()) {
        if (why_not) *why_not = "the Vulkan loader lacks " + missing;
        return nullptr;  // the destructor still destroys the instance when vkDestroyInstance exists
    }
    return inst;
}

VulkanInstance::~VulkanInstance() {
    if (instance_ && fn_.vkDestroyInstance) fn_.vkDestroyInstance(instance_, nullptr);
}

std::vector<VkPhysicalDevice> VulkanInstance::physical_devices() const {
    uint32_t n = 0;
    if (fn_.vkEnumeratePhysicalDevices(instance_, &n, nullptr) != VK_SUCCESS) return {};
    std::vector<VkPhysicalDevice> devices(n);
    if (fn_.vkEnumeratePhysicalDevices(instance_, &n, devices.data()) < 0) return {};
    devices.resize(n);
    return devices;
}

VulkanDeviceInfo VulkanInstance::describe(VkPhysicalDevice pd, int index) const {
    VulkanDeviceInfo info;
    info.index = index;
    VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    props2.pNext = &subgroup;
    // The number of compute units, where the vendor's extension tells it (a struct may be
    // chained only when the device has its extension).
    VkPhysicalDeviceShaderSMBuiltinsPropertiesNV nv_sms{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_PROPERTIES_NV};
    VkPhysicalDeviceShaderCorePropertiesAMD amd_cores{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CORE_PROPERTIES_AMD};
    if (has_device_extension(pd, VK_NV_SHADER_SM_BUILTINS_EXTENSION_NAME)) {
        nv_sms.pNext = props2.pNext;
        props2.pNext = &nv_sms;
    }
    if (has_device_extension(pd, VK_AMD_SHADER_CORE_PROPERTIES_EXTENSION_NAME)) {
        amd_cores.pNext = props2.pNext;
        props2.pNext = &amd_cores;
    }
    fn_.vkGetPhysicalDeviceProperties2(pd, &props2);
    info.compute_units = nv_sms.shaderSMCount ? nv_sms.shaderSMCount
                                              : amd_cores.shaderEngineCount * amd_cores.shaderArraysPerEngineCount *
                                                    amd_cores.computeUnitsPerShaderArray;
    const VkPhysicalDeviceProperties& p = props2.properties;
    info.name = p.deviceName;
    switch (p.deviceType) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: info.type = "discrete"; break;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: info.type = "integrated"; break;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: info.type = "virtual"; break;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: info.type = "cpu"; break;
    default: info.type = "other"; break;
    }
    info.api_version = std::to_string(VK_API_VERSION_MAJOR(p.apiVersion)) + "." +
                       std::to_string(VK_API_VERSION_MINOR(p.apiVersion)) + "." +
                       std::to_string(VK_API_VERSION_PATCH(p.apiVersion));
    info.vendor_id = p.vendorID;
    info.subgroup_size = subgroup.subgroupSize;
    info.subgroup_arithmetic = (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                               (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT) &&
                               (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
    info.max_storage_buffer_range = p.limits.maxStorageBufferRange;
    info.max_shared_memory = p.limits.maxComputeSharedMemorySize;
    info.max_storage_buffers = p.limits.maxPerStageDescriptorStorageBuffers;
    info.min_storage_offset_alignment = uint32_t(p.limits.minStorageBufferOffsetAlignment);
    info.timestamp_period_ns = p.limits.timestampComputeAndGraphics ? p.limits.timestampPeriod : 0.0f;

    // The 1.1/1.2 feature structs exist only on 1.2 devices; older ones report no features.
    if (p.apiVersion >= VK_API_VERSION_1_2) {
        VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
        VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
        f11.pNext = &f12;
        VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
        f2.pNext = &f11;
        fn_.vkGetPhysicalDeviceFeatures2(pd, &f2);
        info.storage_16bit = f11.storageBuffer16BitAccess;
        info.shader_float16 = f12.shaderFloat16;
        info.shader_int8 = f12.shaderInt8;
        info.coopmat_f16 = f12.shaderFloat16 && f12.vulkanMemoryModel && api_version_ >= VK_API_VERSION_1_2 &&
                           info.subgroup_size == 32 && info.max_shared_memory >= kCoopmatSharedBytes &&
                           has_coopmat_f16(pd);
    }
    read_memory(pd, info);
    return info;
}

bool VulkanInstance::has_device_extension(VkPhysicalDevice pd, const char* name) const {
    uint32_t n = 0;
    if (fn_.vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr) != VK_SUCCESS) return false;
    std::vector<VkExtensionProperties> ext(n);
    if (fn_.vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, ext.data()) < 0) return false;
    for (uint32_t i = 0; i < n; ++i)
        if (std::strcmp(ext[i].extensionName, name) == 0) return true;
    return false;
}

// VK_NV_cooperative_matrix with the one shape matmul_coopmat.comp uses (16x16x16, F16 inputs,
// F32 sums, subgroup scope), and its feature on.
bool VulkanInstance::has_coopmat_f16(VkPhysicalDevice pd) const {
    if (!has_device_extension(pd, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME)) return false;
    auto props = reinterpret_cast<PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV>(
        fn_.vkGetInstanceProcAddr(instance_, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV"));
    if (!props) return false;
    VkPhysicalDeviceCooperativeMatrixFeaturesNV coop{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
    VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    f2.pNext = &coop;
    fn_.vkGetPhysicalDeviceFeatures2(pd, &f2);
    if (!coop.cooperativeMatrix) return false;
    uint32_t n = 0;
    if (props(pd, &n, nullptr) != VK_SUCCESS) return false;
    std::vector<VkCooperativeMatrixPropertiesNV> shapes(n, {VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV});
    if (props(pd, &n, shapes.data()) < 0) return false;
    shapes.resize(n);
    return std::any_of(shapes.begin(), shapes.end(), [](const VkCooperativeMatrixPropertiesNV& m) {
        return m.MSize == 16 && m.NSize == 16 && m.KSize == 16 && m.AType == VK_COMPONENT_TYPE_FLOAT16_NV &&
               m.BType == VK_COMPONENT_TYPE_FLOAT16_NV && m.CType == VK_COMPONENT_TYPE_FLOAT32_NV &&
               m.DType == VK_COMPONENT_TYPE_FLOAT32_NV && m.scope == VK_SCOPE_SUBGROUP_NV;
    });
}

// The heaps, the largest device-local one, and how much of it is free. The budget is
// read afresh on every call (describe() runs when a backend is created), so it reflects
// what other programs hold at load time.
void VulkanInstance::read_memory(VkPhysicalDevice pd, VulkanDeviceInfo& info) const {
    VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
    VkPhysicalDeviceMemoryProperties2 mem2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2};
    info.memory_budget = has_device_extension(pd, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
    if (info.memory_budget) mem2.pNext = &budget;
    fn_.vkGetPhysicalDeviceMemoryProperties2(pd, &mem2);
    const VkPhysicalDeviceMemoryProperties& mem = mem2.memoryProperties;
    int largest = -1;
    for (uint32_t i = 0; i < mem.memoryHeapCount; ++i) {
        const bool local = mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT;
        info.heaps.emplace_back(mem.memoryHeaps[i].size, local);
        if (local && mem.memoryHeaps[i].size > info.device_local_bytes) {
            info.device_local_bytes = mem.memoryHeaps[i].size;
            largest = int(i);
        }
    }
    info.free_device_memory = info.device_local_bytes;
    // A driver that reports no budget for the heap (0) is treated as having none.
    if (info.memory_budget && largest >= 0 && budget.heapBudget[largest] > 0) {
        const VkDeviceSize b = budget.heapBudget[largest], used = budget.heapUsage[largest];
        info.free_device_memory = b > used ? b - used : 0;
    } else {
        info.memory_budget = false;
    }
}

int choose_device(const std::vector<VulkanDeviceInfo>& devices, const std::string& selector_in, std::string* why_not) {
    if (devices.empty()) {
        if (why_not) *why_not = "no Vulkan device found";
        return -1;
    }
    std::string selector = selector_in;
    if (selector.empty())
        if (const char* env = std::getenv("KINGLET_VK_DEVICE")) selector = env;
    if (!selector.empty()) {
        if (std::all_of(selector.begin(), selector.end(), [](unsigned char c) { return std::isdigit(c); })) {
            const int i = std::atoi(selector.c_str());
            if (i < int(devices.size())) return i;
            if (why_not)
                *why_not = "Vulkan device " + selector + " does not exist (" + std::to_string(devices.size()) + " found)";
            return -1;
        }
        auto lower = [](std::string s) {
            for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
            return s;
        };
        for (const auto& d : devices)
            if (lower(d.name).find(lower(selector)) != std::string::npos) return d.index;
        if (why_not) *why_not = "no Vulkan device named like \"" + selector + "\"";
        return -1;
    }
    auto rank = [](const std::string& type) {
        return type == "discrete" ? 0 : type == "integrated" ? 1 : type == "virtual" ? 2 : type == "cpu" ? 3 : 4;
    };
    int best = 0;
    for (size_t i = 1; i < devices.size(); ++i)
        if (rank(devices[i].type) < rank(devices[best].type)) best = int(i);
    return best;
}

VulkanDevice::VulkanDevice(std::shared_ptr<VulkanInstance> instance, VkPhysicalDevice pd, VulkanDeviceInfo info)
    : instance_(std::move(instance)), fn_(instance_->fn()), physical_(pd), info_(std::move(info)) {
    // Vulkan promises only 4; the decode kernel binds 11 (vk_device.h). Every GPU known allows far more, but a device that does not is refused
    // here, with the reason, rather than failing inside the driver.
    if (info_.max_storage_buffers < kMaxBindings)
        throw Error("Vulkan device " + info_.name + " lets a shader bind " + std::to_string(info_.max_storage_buffers) +
                    " storage buffers; Kinglet's shaders need " + std::to_string(kMaxBindings));
    uint32_t n = 0;
    fn_.vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, nullptr);
    std::vector<VkQueueFamilyProperties> families(n);
    fn_.vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, families.data());
    // Prefer a compute-only family (async compute on discrete GPUs), else any with compute.
    int family = -1;
    for (uint32_t i = 0; i < n; ++i)
        if ((families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) && !(families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) family = int(i);
    for (uint32_t i = 0; i < n && family < 0; ++i)
        if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) family = int(i);
    if (family < 0) throw Error("Vulkan device " + info_.name + " has no compute queue");
    queue_family_ = uint32_t(family);
    if (families[family].timestampValidBits == 0) info_.timestamp_period_ns = 0;

    const float priority = 1.0f;
    VkDeviceQueueCreateInfo qci{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    qci.queueFamilyIndex = queue_family_;
    qci.queueCount = 1;
    qci.pQueuePriorities = &priority;
    VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    dci.queueCreateInfoCount = 1;
    dci.pQueueCreateInfos = &qci;
    // The tensor-core prompt shader needs its extension and features enabled; everything else
    // runs on a device created with none. KINGLET_VK_NO_COOPMAT=1 leaves them off (A/B runs).
    if (env_flag("KINGLET_VK_NO_COOPMAT")) info_.coopmat_f16 = false;
    VkPhysicalDeviceCooperativeMatrixFeaturesNV coop{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    const char* coop_ext = VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME;
    if (info_.coopmat_f16) {
        coop.cooperativeMatrix = VK_TRUE;
        f12.shaderFloat16 = VK_TRUE;
        f12.vulkanMemoryModel = VK_TRUE;
        f12.pNext = &coop;
        dci.pNext = &f12;
        dci.enabledExtensionCount = 1;
        dci.ppEnabledExtensionNames = &coop_ext;
        if (fn_.vkCreateDevice(pd, &dci, nullptr, &device_) != VK_SUCCESS) {
            // Advertised but refused: run without tensor cores rather than not at all.
            info_.coopmat_f16 = false;
            dci.pNext = nullptr;
            dci.enabledExtensionCount = 0;
            device_ = VK_NULL_HANDLE;
        }
    }
    if (!device_) check(fn_.vkCreateDevice(pd, &dci, nullptr, &device_), "vkCreateDevice");
    const std::string missing = load_device_functions(fn_, device_);
    if (!missing.empty()) {
        if (fn_.vkDestroyDevice) fn_.vkDestroyDevice(device_, nullptr);
        throw Error("Vulkan driver lacks " + missing);
    }
    fn_.vkGetDeviceQueue(device_, queue_family_, 0, &queue_);
    fn_.vkGetPhysicalDeviceMemoryProperties(pd, &memory_);
}

VulkanDevice::~VulkanDevice() {
    if (device_) {
        fn_.vkDeviceWaitIdle(device_);
        fn_.vkDestroyDevice(device_, nullptr);
    }
}

uint32_t VulkanDevice::pick_memory_type(const VkPhysicalDeviceMemoryProperties& types, uint32_t type_bits,
                                        VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) {
    for (int pass = 0; pass < 2; ++pass) {
        const VkMemoryPropertyFlags want = pass == 0 ? (required | preferred) : required;
        for (uint32_t i = 0; i < std::min<uint32_t>(types.memoryTypeCount, VK_MAX_MEMORY_TYPES); ++i)
            if ((type_bits & (1u << i)) && (types.memoryTypes[i].propertyFlags & want) == want) return i;
    }
    return UINT32_MAX;
}

uint32_t VulkanDevice::memory_type(uint32_t type_bits, VkMemoryPropertyFlags required,
                                   VkMemoryPropertyFlags preferred) const {
    const uint32_t i = pick_memory_type(memory_, type_bits, required, preferred);
    if (i == UINT32_MAX) throw Error("Vulkan device " + info_.name + " has no suitable memory type");
    return i;
}

}  // namespace vk
}  // namespace kinglet
