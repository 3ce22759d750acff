// Split-K for prompt matrix products: how many slices of K a tiled product's workgroups
// take, so that a matrix with few 64 x 64 output tiles still keeps the GPU busy.
//
// A 256-token batch of a 896-row matrix is 14 x 4 = 56 tiles. On a GPU with 132 compute
// units (an H100/H200) that leaves most of them idle while each tile walks all of K: the
// 0.5B shape's down projection (K = 4864) was its costliest prompt dispatch. With K cut into
// slices, each slice's workgroups write partial sums and one more dispatch adds them up
// (in a fixed order, so results do not vary from run to run).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace kinglet::vk {

struct SplitK {
    uint32_t splits = 1;       // slices of K (1: no split)
    uint32_t k_per_split = 0;  // values of K per slice, a multiple of kSplitKStep
};

constexpr uint32_t kSplitKStep = 128;      // one stage of matmul_coopmat.comp, four of matmul.comp
constexpr uint32_t kMaxSplits = 8;
constexpr uint32_t kMinStagesPerSplit = 4;  // shorter slices cost more in partial sums than they gain
constexpr uint32_t kTilesPerComputeUnit = 2;
constexpr size_t kMaxSplitBytes = size_t(64) << 20;  // the partial sums' buffers at most, in all

constexpr size_t kSplitBuffers = 3;  // taken in turn, so that independent split products run side by side

// Floats each partial-sum buffer holds for batches of max_tokens: kMaxSplits slices of the
// widest of the residual stream and Q (`width`: the matrices with few rows), within
// kMaxSplitBytes in all.
inline size_t split_k_buffer_floats(size_t width, size_t max_tokens) {
    return std::min(size_t(kMaxSplits) * max_tokens * width, kMaxSplitBytes / kSplitBuffers / 4);
}

// rows x tokens outputs over n_in values of K, in tiles of `tile` x `tile`. compute_units: the
// device's (0 where unknown: no split). forced > 0 (KINGLET_VK_SPLIT_K, for tests and A/B runs)
// asks for that many slices whatever the device, down to one stage each. The partial sums
// (splits x rows x tokens floats) must fit scratch_floats.
inline SplitK plan_split_k(int64_t rows, int64_t tokens, int64_t n_in, uint32_t tile, uint32_t compute_units,
                           uint32_t forced, size_t scratch_floats) {
    if (rows <= 0 || tokens <= 0 || n_in <= 0) return {};
    const uint64_t stages = (uint64_t(n_in) + kSplitKStep - 1) / kSplitKStep;
    const uint64_t tiles = ((uint64_t(rows) + tile - 1) / tile) * ((uint64_t(tokens) + tile - 1) / tile);
    uint64_t want;
    if (forced > 0) {
        want = std::min<uint64_t>(forced, stages);
    } else {
        if (compute_units == 0) return {};
        const uint64_t target = uint64_t(compute_units) * kTilesPerComputeUnit;
        want = std::min<uint64_t>((target + tiles - 1) / tiles, stages / kMinStagesPerSplit);
    }
    want = std::min<uint64_t>({want, kMaxSplits, scratch_floats / (uint64_t(rows) * uint64_t(tokens))});
    if (want < 2) return {};
    const uint64_t stages_per_split = (stages + want - 1) / want;
    SplitK s;
    s.k_per_split = uint32_t(stages_per_split * kSplitKStep);
    s.splits = uint32_t((stages + stages_per_split - 1) / stages_per_split);
    return s.splits < 2 ? SplitK{} : s;
}

}  // namespace kinglet::vk
