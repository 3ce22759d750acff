#include "vulkan/vk_memory_fit.h"

#include <algorithm>
#include <cstdlib>

#include "model/model.h"
#include "runtime/backend.h"
#include "runtime/kv_cache.h"
#include "vulkan/vk_split_k.h"

namespace kinglet {
namespace {

constexpr uint64_t kMiB = uint64_t(1) << 20;
uint64_t mib_up(uint64_t bytes) { return (bytes + kMiB - 1) / kMiB; }
uint64_t mib_nearest(uint64_t bytes) { return (bytes + kMiB / 2) / kMiB; }

}  // namespace

VulkanMemoryNeed estimate_vulkan_memory(const Hparams& h, uint64_t weight_bytes, uint64_t kv_bytes, int max_tokens) {
    VulkanMemoryNeed need;
    need.weights = weight_bytes;
    need.kv_cache = kv_bytes;
    // The activation buffers VulkanBackend::init() makes, each max_tokens rows wide: the
    // residual stream, the normed input, Q, K, V, the attention output, gate and up, the
    // FFN output; and the logits, BackendShape::logit_rows() rows.
    const uint64_t per_token = uint64_t(h.n_embd) + std::max(h.n_embd, h.q_dim()) + uint64_t(h.q_dim()) +
                               uint64_t(h.kv_dim()) + uint64_t(h.v_dim()) + uint64_t(h.n_head) * h.head_dim_v +
                               2 * uint64_t(h.n_ff) + uint64_t(h.n_embd);
    const uint64_t T = uint64_t(std::max(max_tokens, 1));
    const uint64_t logits = uint64_t(BackendShape{max_tokens, 0}.logit_rows()) * uint64_t(h.n_vocab);
    // Plus split-K's partial sums, counted whether or not the device will split products.
    need.activations = (per_token * T + logits +
                        vk::kSplitBuffers * vk::split_k_buffer_floats(std::max(h.n_embd, h.q_dim()), T)) *
                       sizeof(float);
    return need;
}

VulkanMemoryNeed estimate_vulkan_memory(const Model& model, int n_ctx, int max_tokens) {
    const Hparams& h = model.hparams();
    uint64_t weights = 0;
    // Matrices are uploaded as stored; 1-D tensors (norms, biases, RoPE factors) as F32.
    for (const TensorInfo& t : model.file().tensors())
        weights += t.n_dims >= 2 ? uint64_t(t.nbytes) : uint64_t(t.n_elements()) * sizeof(float);
    return estimate_vulkan_memory(h, weights, kv_cache_bytes(h, std::max(n_ctx, 0), max_tokens), max_tokens);
}

std::string vulkan_memory_refusal(const VulkanMemoryNeed& need, uint64_t free_bytes) {
    if (need.total() <= free_bytes) return {};
    // The total rounded up and the free memory down, so the numbers never look like a fit;
    // the parts to the nearest MiB.
    return "needs " + std::to_string(mib_up(need.total())) + " MiB of GPU memory (weights " +
           std::to_string(mib_nearest(need.weights)) + " MiB, KV cache " + std::to_string(mib_nearest(need.kv_cache)) +
           " MiB, activations " + std::to_string(mib_nearest(need.activations)) + " MiB), the device has " +
           std::to_string(free_bytes / kMiB) + " MiB free";
}

uint64_t vulkan_free_memory(const VulkanDeviceInfo& info) {
    if (const char* env = std::getenv("KINGLET_VK_BUDGET_MB"); env && *env) {
        char* end = nullptr;
        const unsigned long long v = std::strtoull(env, &end, 10);
        if (end && *end == '\0' && v < (uint64_t(1) << 44)) return uint64_t(v) << 20;
    }
    return info.free_device_memory;
}

}  // namespace kinglet
