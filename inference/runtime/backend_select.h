// Choosing where a model runs: "cpu", "vulkan" (a given or the best Vulkan device), or
// "auto" — a real GPU when there is one that can run the model, otherwise the CPU, with
// the reason recorded so the user is always told why the GPU is not used.
#pragma once
#include <memory>
#include <string>

#include "model/model.h"
#include "runtime/transformer.h"

namespace kinglet {

struct BackendRequest {
    std::string kind = "auto";  // "auto", "cpu" or "vulkan"; KINGLET_BACKEND overrides "auto"
    std::string device;         // Vulkan device index or name substring; empty: best
    int n_threads = 0;          // CPU threads (0: all cores)
};

struct BackendChoice {
    std::unique_ptr<Transformer> transformer;
    std::string note;  // why the CPU was used instead of a GPU (empty when nothing to say)
};

// Throws kinglet::Error when an explicitly requested backend cannot run the model.
BackendChoice create_transformer(const Model& model, int n_ctx, const BackendRequest& request);

}  // namespace kinglet
