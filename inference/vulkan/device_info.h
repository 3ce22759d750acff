// What the engine knows about one Vulkan device: enough to choose it, to tell the user
// (`kinglet-cli devices`) and to pick shader paths. No Vulkan headers here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace kinglet {

struct VulkanDeviceInfo {
    int index = 0;             // position in vkEnumeratePhysicalDevices (KINGLET_VK_DEVICE=<index>)
    std::string name;          // e.g. "llvmpipe (LLVM 15.0.7, 256 bits)"
    std::string type;          // "discrete", "integrated", "virtual", "cpu", "other"
    std::string api_version;   // "1.3.230"
    uint32_t vendor_id = 0;
    bool storage_16bit = false;     // storageBuffer16BitAccess
    bool shader_float16 = false;    // shaderFloat16
    bool shader_int8 = false;       // shaderInt8
    uint32_t subgroup_size = 0;
    // Streaming multiprocessors (NVIDIA, VK_NV_shader_sm_builtins) or compute units (AMD,
    // VK_AMD_shader_core_properties); 0 where the driver does not say. Prompt matrices with
    // fewer tiles than that are split along K (vk_split_k.h).
    uint32_t compute_units = 0;
    // Compute shaders may sum across a subgroup (subgroupAdd): the decode kernel then
    // reduces without shared memory or barriers.
    bool subgroup_arithmetic = false;
    // Tensor cores usable for prompts: VK_NV_cooperative_matrix with 16x16x16 F16 x F16 -> F32
    // products at subgroup scope, 32-wide subgroups, shaderFloat16, the Vulkan memory model and
    // the shared memory matmul_coopmat.comp needs. The device is then created with them enabled.
    bool coopmat_f16 = false;
    uint64_t max_storage_buffer_range = 0;  // bytes one storage-buffer binding may span
    uint32_t max_shared_memory = 0;         // bytes of shared memory per workgroup
    uint32_t max_storage_buffers = 0;       // storage buffers one shader may bind (maxPerStageDescriptorStorageBuffers)
    uint32_t min_storage_offset_alignment = 0;
    float timestamp_period_ns = 0;  // 0: the compute queue cannot time commands (no profiling)
    uint64_t device_local_bytes = 0;        // largest device-local heap
    // Bytes of that heap this process may still allocate: the driver's budget minus what is
    // in use (VK_EXT_memory_budget, which counts other programs' use too), or the heap size
    // when the driver does not report a budget.
    uint64_t free_device_memory = 0;
    bool memory_budget = false;             // free_device_memory came from VK_EXT_memory_budget
    std::vector<std::pair<uint64_t, bool>> heaps;  // (bytes, device-local)

    std::string summary() const;  // one line for logs and the CLI
};

}  // namespace kinglet
