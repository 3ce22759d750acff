#version 450
// X[t] = dequantize(token_embd[tokens[t]]) * scale, for the tokens whose row lies in the
// bound chunk [row_begin, row_end) of the table (big tables are bound chunk by chunk).
// One invocation per 32 values of a row.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 64) in;
layout(binding = 0) readonly buffer W { uint wdata[]; };
layout(binding = 1) readonly buffer T { int tokens[]; };
layout(binding = 2) buffer O { float xo[]; };
layout(push_constant) uniform P {
    uint type, n, row_bytes, w_base, row_begin, row_end, tok_off, out_off;
    float scale;
} p;
#include "dequant.glsl"

void main() {
    const uint s = gl_GlobalInvocationID.x, t = gl_GlobalInvocationID.y;
    if (s * 32u >= p.n) return;
    const uint id = uint(tokens[p.tok_off + t]);
    if (id < p.row_begin || id >= p.row_end) return;
    float v[32];
    const uint n_valid = min(32u, p.n - s * 32u);
    dq32(p.type, p.w_base + (id - p.row_begin) * p.row_bytes, s, n_valid, v);
    const uint o = p.out_off + t * p.n + s * 32u;
    for (uint i = 0u; i < n_valid; ++i) xo[o + i] = v[i] * p.scale;
}
