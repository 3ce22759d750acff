// The compute shaders of shaders/*.comp as SPIR-V, embedded at build time
// (shaders/embed_spirv.cmake writes the table).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kinglet::vk {

struct SpirvBlob {
    const char* name;  // file name without .comp
    const uint32_t* words;
    size_t n_words;
};

extern const SpirvBlob kSpirvBlobs[];
extern const size_t kSpirvBlobCount;

inline const SpirvBlob* find_spirv(std::string_view name) {
    for (size_t i = 0; i < kSpirvBlobCount; ++i)
        if (name == kSpirvBlobs[i].name) return &kSpirvBlobs[i];
    return nullptr;
}

}  // namespace kinglet::vk
