#version 450
// Prompts: Y[t][col0 + r] (+)= W[r] . X[t] (+ bias) as a tiled matrix product. A workgroup of 256
// invocations computes a 64-row x 64-token tile, each invocation 4 x 4 outputs. K is walked
// one 32-weight sub-block at a time: 64 invocations dequantize the tile's 64 rows into shared
// memory while all 256 load the 64 tokens' activations, then every invocation does 32 x 16
// multiply-adds from shared memory (meanwhile the next sub-block is fetched). Each weight is
// dequantized once per 64 tokens.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(binding = 0) readonly buffer W { uint wdata[]; };
layout(binding = 1) readonly buffer X { float x[]; };
layout(binding = 2) buffer Y { float y[]; };
layout(binding = 3) readonly buffer B { float bias[]; };  // bias[col0 + r] when has_bias
layout(push_constant) uniform P {
    uint type_unused, n_in, row_bytes, w_base;
    uint x_off, y_off, y_stride, y_col0, n_tokens, n_rows, accumulate, has_bias;
    float scale;  // Y = scale * (W X + bias) (+ Y)
    // Split-K (vk_split_k.h): workgroup z sums K values z * k_split ... + k_split - 1 only and
    // writes z * split_stride further on (the backend then asks for plain partial sums:
    // scale 1, no bias, no accumulate). k_split 0: all of K.
    uint k_split, split_stride;
} p;
#include "dequant.glsl"
#include "half.glsl"

// The weight type, fixed when the pipeline is created (one pipeline per type in use): the
// compiler then drops every other type's code, which keeps registers free for loads in flight.
layout(constant_id = 0) const uint WEIGHT_TYPE = 0u;

const uint BM = 64u, BN = 64u, BK = 32u;
// 16 KiB in all, the least shared memory Vulkan guarantees. Weights [k][row / 4] as vec4: an
// invocation reads its 4 rows in one load and 16 invocations read 16 consecutive vec4s;
// activations [token][k]: written k-fastest (no bank conflicts), read as broadcasts.
shared vec4 ws4[BK][BM / 4u];
shared float xs[BN][BK];

// Sub-block s of the tile's weights and activations, into registers: this invocation's
// row (the first 64 invocations) and its 8 activation values.
void load_step(uint s, uint tid, uint r0, uint t0, out float w[32], out float xr[8]) {
    const uint n_valid = min(BK, p.n_in - s * BK);
    if (tid < BM) {
        const uint r = r0 + tid;
        if (r < p.n_rows) {
            dq32(WEIGHT_TYPE, p.w_base + r * p.row_bytes, s, n_valid, w);  // zero past n_valid
        } else {
            for (uint k = 0u; k < BK; ++k) w[k] = 0.0;
        }
    }
    // 64 tokens x 32 values: 8 per invocation, consecutive invocations on consecutive values.
    for (uint i = 0u; i < 8u; ++i) {
        const uint e = tid + 256u * i, t = e / BK, k = e % BK;
        float xv = 0.0;
        if (t0 + t < p.n_tokens && k < n_valid) xv = x[p.x_off + (t0 + t) * p.n_in + s * BK + k];
        // The CPU path (and llama.cpp) rounds activations to F16 for F16 weights; do the same.
        if (WEIGHT_TYPE == T_F16) xv = round_half(xv);
        xr[i] = xv;
    }
}

void store_step(uint tid, const float w[32], const float xr[8]) {
    if (tid < BM)
        for (uint k = 0u; k < BK; ++k) ws4[k][tid >> 2][tid & 3u] = w[k];
    for (uint i = 0u; i < 8u; ++i) {
        const uint e = tid + 256u * i;
        xs[e / BK][e % BK] = xr[i];
    }
}

void main() {
    const uint tid = gl_LocalInvocationID.x;
    const uint r0 = gl_WorkGroupID.x * BM, t0 = gl_WorkGroupID.y * BN;
    const uint tr = (tid % 16u) * 4u, tt = (tid / 16u) * 4u;  // this invocation's 4 rows, 4 tokens
    float acc[4][4];
    for (uint i = 0u; i < 4u; ++i)
        for (uint j = 0u; j < 4u; ++j) acc[i][j] = 0.0;

    // Software pipelined: sub-block s + 1 is fetched into registers before the products of
    // sub-block s, so its loads are in flight while the other invocations multiply.
    const uint k0 = gl_WorkGroupID.z * p.k_split;
    const uint k_end = p.k_split == 0u ? p.n_in : min(p.n_in, k0 + p.k_split);
    const uint sub0 = k0 / BK, nsub = (k_end + BK - 1u) / BK;
    float w[32], xr[8];
    load_step(sub0, tid, r0, t0, w, xr);
    store_step(tid, w, xr);
    barrier();
    for (uint s = sub0; s < nsub; ++s) {
        if (s + 1u < nsub) load_step(s + 1u, tid, r0, t0, w, xr);
        for (uint k = 0u; k < BK; ++k) {
            const vec4 a = ws4[k][tid % 16u];
            float b[4];
            for (uint j = 0u; j < 4u; ++j) b[j] = xs[tt + j][k];
            for (uint i = 0u; i < 4u; ++i)
                for (uint j = 0u; j < 4u; ++j) acc[i][j] += a[i] * b[j];
        }
        barrier();
        if (s + 1u < nsub) {
            store_step(tid, w, xr);
            barrier();
        }
    }
    for (uint j = 0u; j < 4u; ++j) {
        const uint t = t0 + tt + j;
        if (t >= p.n_tokens) break;
        for (uint i = 0u; i < 4u; ++i) {
            const uint r = r0 + tr + i;
            if (r >= p.n_rows) break;
            const uint o = p.y_off + gl_WorkGroupID.z * p.split_stride + t * p.y_stride + p.y_col0 + r;
            const float v = p.scale * (acc[i][j] + (p.has_bias != 0u ? bias[p.y_col0 + r] : 0.0));
            y[o] = p.accumulate != 0u ? y[o] + v : v;
        }
    }
}
