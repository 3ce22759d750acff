#include "runtime/backend_select.h"

#include <algorithm>
#include <cstdlib>

#include "runtime/cpu_backend.h"
#include "util/error.h"
#include "vulkan/vk_backend.h"
#include "vulkan/vk_memory_fit.h"
#include "vulkan/vulkan_backend.h"

namespace kinglet {
namespace {

std::unique_ptr<Transformer> on_cpu(const Model& model, int n_ctx, int n_threads) {
    return std::make_unique<Transformer>(model, n_ctx, std::make_unique<CpuBackend>(n_threads));
}

// The Vulkan transformer, or null with the reason.
std::unique_ptr<Transformer> on_vulkan(const Model& model, int n_ctx, const std::string& device, std::string* why) {
    auto backend = make_vulkan_backend(device, why);
    if (!backend) return nullptr;
    // Refused before any upload when the weights, cache and activations cannot fit.
    if (const auto* vk = dynamic_cast<const VulkanBackend*>(backend.get())) {
        const VulkanMemoryNeed need = estimate_vulkan_memory(model, n_ctx, std::min(Transformer::batch_limit(*backend), n_ctx));
        const std::string refusal = vulkan_memory_refusal(need, vulkan_free_memory(vk->device_info()));
        if (!refusal.empty()) {
            *why = vk->device_info().name + ": the model " + refusal;
            return nullptr;
        }
    }
    try {
        return std::make_unique<Transformer>(model, n_ctx, std::move(backend));
    } catch (const Error& e) {
        *why = e.what();
        return nullptr;
    }
}

}  // namespace

BackendChoice create_transformer(const Model& model, int n_ctx, const BackendRequest& request) {
    std::string kind = request.kind.empty() ? "auto" : request.kind;
    if (kind == "auto")
        if (const char* env = std::getenv("KINGLET_BACKEND"); env && *env) kind = env;

    BackendChoice choice;
    if (kind == "cpu") {
        choice.transformer = on_cpu(model, n_ctx, request.n_threads);
        return choice;
    }
    if (kind == "vulkan") {
        std::string why;
        choice.transformer = on_vulkan(model, n_ctx, request.device, &why);
        if (!choice.transformer) throw Error("cannot run on Vulkan: " + why);
        return choice;
    }
    if (kind != "auto") throw Error("unknown backend '" + kind + "' (use auto, cpu or vulkan)");

    // auto: a software Vulkan device (llvmpipe) is slower than the CPU path, so only a
    // real GPU is used unless the user names a device.
    std::string why;
    auto devices = list_vulkan_devices(&why);
    bool have_gpu = false;
    for (const auto& d : devices) have_gpu |= d.type == "discrete" || d.type == "integrated" || d.type == "virtual";
    if (have_gpu || !request.device.empty()) {
        choice.transformer = on_vulkan(model, n_ctx, request.device, &why);
        if (choice.transformer) return choice;
        choice.note = "GPU not used: " + why;
    } else if (devices.empty()) {
        choice.note = "GPU not used: " + (why.empty() ? std::string("no Vulkan device") : why);
    } else {
        choice.note = "GPU not used: only a software Vulkan device (" + devices.front().name + ")";
    }
    choice.transformer = on_cpu(model, n_ctx, request.n_threads);
    return choice;
}

}  // namespace kinglet
