#version 450
// y[t][col0 + r] = W[r] . x[t] for the rows r of one chunk of a weight. One workgroup per
// weight row and per tile of TT tokens: each sub-block of weights is dequantized once and
// used for TT tokens (decode is TT = 1 effective, prompts reuse the weights 8 times).
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 64) in;
layout(binding = 0) readonly buffer W { uint wdata[]; };
layout(binding = 1) readonly buffer X { float x[]; };
layout(binding = 2) buffer Y { float y[]; };
layout(push_constant) uniform P {
    uint type, n_in, row_bytes, w_base;  // w_base: byte offset of the chunk's first row in the binding
    uint x_off, y_off, y_stride, y_col0, n_tokens;
} p;
#include "dequant.glsl"

const uint TT = 8u;
shared float red[64u * TT];

void main() {
    const uint r = gl_WorkGroupID.x, t0 = gl_WorkGroupID.y * TT, tid = gl_LocalInvocationID.x;
    const uint nt = min(TT, p.n_tokens - t0);
    const uint row = p.w_base + r * p.row_bytes;
    // The CPU path (and llama.cpp) rounds activations to F16 for F16 weights; do the same.
    const bool f16_act = p.type == T_F16;
    float acc[TT];
    for (uint t = 0u; t < TT; ++t) acc[t] = 0.0;
    const uint nsub = (p.n_in + 31u) / 32u;
    for (uint s = tid; s < nsub; s += 64u) {
        float w[32];
        const uint n_valid = min(32u, p.n_in - s * 32u);
        dq32(p.type, row, s, n_valid, w);
        for (uint t = 0u; t < nt; ++t) {
            const uint xb = p.x_off + (t0 + t) * p.n_in + s * 32u;
            float a = 0.0;
            for (uint i = 0u; i < n_valid; ++i) {
                float xv = x[xb + i];
                if (f16_act) xv = unpackHalf2x16(packHalf2x16(vec2(xv, 0.0))).x;
                a += w[i] * xv;
            }
            acc[t] += a;
        }
    }
    for (uint t = 0u; t < TT; ++t) red[t * 64u + tid] = acc[t];
    barrier();
    for (uint stride = 32u; stride > 0u; stride >>= 1) {
        if (tid < stride)
            for (uint t = 0u; t < TT; ++t) red[t * 64u + tid] += red[t * 64u + tid + stride];
        barrier();
    }
    if (tid < nt) y[p.y_off + (t0 + tid) * p.y_stride + p.y_col0 + r] = red[tid * 64u];
}
