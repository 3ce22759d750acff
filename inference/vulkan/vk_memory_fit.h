// Whether a model fits in a Vulkan device's free memory, decided before anything is
// uploaded: a model that clearly cannot fit is refused with a reason the user can act on
// (a smaller model or context, or the CPU), instead of failing half-way through the upload
// or pushing the driver into swapping. No Vulkan headers here.
#pragma once
#include <cstdint>
#include <string>

#include "model/hparams.h"
#include "vulkan/device_info.h"

namespace kinglet {

class Model;

// Device memory the Vulkan backend allocates for a model, in bytes.
struct VulkanMemoryNeed {
    uint64_t weights = 0;      // weights as stored in the file, norms and biases as F32
    uint64_t kv_cache = 0;     // F16 keys and values of every layer (runtime/kv_cache.h)
    uint64_t activations = 0;  // the per-batch activation buffers and split-K's partial sums
    uint64_t total() const { return weights + kv_cache + activations; }
};

// The need for a model of shape `h` whose weights take `weight_bytes` on the device, with a
// KV cache of `kv_bytes` and batches of `max_tokens` tokens. Pure arithmetic.
VulkanMemoryNeed estimate_vulkan_memory(const Hparams& h, uint64_t weight_bytes, uint64_t kv_bytes, int max_tokens);

// The same for a loaded model and a context of n_ctx positions (the cache as kv_cache.h
// sizes it: sliding-window layers keep only their ring).
VulkanMemoryNeed estimate_vulkan_memory(const Model& model, int n_ctx, int max_tokens);

// Empty when `need` fits in `free_bytes`, else the reason, e.g. "needs 9120 MiB of GPU
// memory (weights 7800 MiB, KV cache 1024 MiB, activations 296 MiB), the device has 6000 MiB
// free". The estimate leaves out driver overhead, so a refusal means it clearly cannot fit.
std::string vulkan_memory_refusal(const VulkanMemoryNeed& need, uint64_t free_bytes);

// The free memory to plan with: KINGLET_VK_BUDGET_MB (MiB; for tests and for users who want
// to keep GPU memory for other programs) when set to a number, else info.free_device_memory.
uint64_t vulkan_free_memory(const VulkanDeviceInfo& info);

}  // namespace kinglet
