// kinglet-cli devices: the Vulkan devices Kinglet can run on, and why none when none.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common.h"
#include "vulkan/vulkan_backend.h"

namespace kinglet::cli {

int cmd_devices(const ArgList& argv) {
    Args args(argv, {}, {"--json"});
    std::string why;
    auto devices = list_vulkan_devices(&why);
    if (args.flag("--json")) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& d : devices)
            list.push_back({{"index", d.index}, {"name", d.name}, {"type", d.type}, {"api_version", d.api_version},
                            {"device_local_bytes", d.device_local_bytes},
                            {"free_device_memory", d.free_device_memory}, {"memory_budget", d.memory_budget},
                            {"fp16", d.shader_float16},
                            {"int8", d.shader_int8}, {"storage_16bit", d.storage_16bit},
                            {"subgroup_size", d.subgroup_size},
                            {"subgroup_arithmetic", d.subgroup_arithmetic},
                            {"tensor_cores", d.coopmat_f16},
                            {"compute_units", d.compute_units},
                            {"max_storage_buffer_range", d.max_storage_buffer_range},
                            {"max_shared_memory", d.max_shared_memory},
                            {"max_storage_buffers", d.max_storage_buffers}});
        nlohmann::json j = {{"vulkan", list}};
        if (devices.empty()) j["reason"] = why;
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("CPU: always available\n");
    if (devices.empty()) std::printf("Vulkan: none (%s)\n", why.c_str());
    for (const auto& d : devices) std::printf("Vulkan %d: %s\n", d.index, d.summary().c_str());
    return 0;
}

}  // namespace kinglet::cli
