// What the Vulkan backend's .cpp files share: push-constant blocks, field for field as declared
// in shaders/*.comp (std430: 4-byte scalars), the shaders' fixed sizes, and grid helpers.
// Internal to inference/vulkan (not part of the backend's interface).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "runtime/backend.h"

namespace kinglet::vk {

// matmul.comp's and matmul_coopmat.comp's; k_split > 0: grid z is a slice of K (split-K).
struct MatmulPush {
    uint32_t type, n_in, row_bytes, w_base, x_off, y_off, y_stride, y_col0, n_tokens, n_rows, accumulate, has_bias;
    float scale;
    uint32_t k_split, split_stride;
};
// matvec.glsl's.
struct MatvecPush {
    uint32_t n_in, row_bytes, w_base, x_off, n_tokens, n_rows, accumulate, end0, end1;
    uint32_t y_off[3], y_stride[3], y_col0[3], has_bias[3];
    float scale;
    uint32_t norm;
    float eps;
    uint32_t glu;
    uint32_t rope_head_dim, rope_dim, neox, pos_slot, cache_rows;
    float freq_scale, mscale;
};
struct EmbedPush { uint32_t type, n, row_bytes, w_base, row_begin, row_end, tok_off, out_off; float scale; };
struct RmsPush { uint32_t n, in_off, out_off; float eps; uint32_t accumulate; };
struct MatmulReducePush {
    uint32_t n_splits, split_stride, n_rows, n_tokens, y_off, y_stride, y_col0, accumulate, has_bias;
    float scale;
};
struct RopeStoreKvPush {
    uint32_t n_head, n_head_kv, head_dim, rope_dim, neox, pos_slot, rows;
    float freq_scale, mscale;
    uint32_t q_norm, k_norm;
    float eps;
};
struct AttentionPush { uint32_t n_head, group, head_dim, kv_dim, pos_slot, window; float scale; uint32_t rows; float softcap; };
struct AttentionPromptPush {
    uint32_t n_head, group, head_dim, kv_dim, pos_slot, window;
    float scale;
    uint32_t rows, n_tokens, bq;
    float softcap;
};
struct EltwisePush { uint32_t n, op, x_off, y_off; float cap; };

// eltwise.comp's ops; SiLU and GELU are also matvec.glsl's p.glu (activation.glsl's codes).
constexpr uint32_t kOpAdd = 0, kOpSilu = 1, kOpGelu = 2, kOpSoftcap = 3;
constexpr uint32_t kMaxGroups = 65535;  // the minimum maxComputeWorkGroupCount every device has
constexpr int kMatvecTokens = 4;        // TT in matvec.comp: batches up to this size take the decode kernel
// matvec.glsl's MODES bits: the folded norm, the gate|up pairing, the Q|K|V rotation. A decode
// pipeline's variant is its MODES, plus kMatvecManyTokens where it takes up to kMatvecTokens
// tokens (TOKENS = 4) rather than one.
constexpr uint32_t kMatvecNorm = 1, kMatvecGlu = 2, kMatvecRope = 4, kMatvecAllModes = 7, kMatvecManyTokens = 8;
constexpr uint32_t kTile = 64;          // BM = BN in matmul.comp
// Decode attention over more than kAttnSplitFrom keys is split into pieces, a workgroup each,
// merged by the last piece to finish (attention.comp); up to kAttnMaxPieces per (token, head).
constexpr int kAttnSplitFrom = 128;
constexpr int kAttnMaxPieces = 32;
constexpr int kMaxHeadDim = 512;        // attention.comp holds a query of up to 512 values
// attention_prompt.comp: heads up to 256 values, and the shared memory it declares.
constexpr int kPromptAttnMaxHeadDim = 256;
constexpr uint32_t kPromptAttnShared = (2048 + 32 * 129 + 512) * 4;

inline uint32_t ceil_div(size_t a, size_t b) { return uint32_t((a + b - 1) / b); }

inline uint32_t activation_op(FfnActivation a) { return a == FfnActivation::Gelu ? kOpGelu : kOpSilu; }

// A 1-D grid of `groups` workgroups folded into x/y under the per-dimension limit.
inline void grid_1d(size_t groups, uint32_t& gx, uint32_t& gy) {
    gx = uint32_t(std::min<size_t>(groups, kMaxGroups));
    gy = ceil_div(groups, std::max<uint32_t>(gx, 1));
}

}  // namespace kinglet::vk
