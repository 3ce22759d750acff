// Decode: y[t][col0 + r] (+)= W[r] . x[t] (+ bias) for a few tokens (t < 4), the rows split in up to
// three parts with their own output and bias (Q|K|V, gate|up: one dispatch where the backend
// stores their weights back to back; a single matrix is one part). Memory-bound: every weight
// byte is read once, so the work is spread to keep many loads in flight. A workgroup of 128
// invocations takes 4 rows; several lanes share a row, each lane dequantizing whole 32-weight
// sub-blocks (word loads, dequant_fast.glsl) and using them for every token; the lanes' sums
// are then added up. Two builds of this file: matvec.comp (32 lanes per row, summed in shared
// memory; needs no subgroup features) and matvec_subgroup.comp (a subgroup per row, summed
// with subgroupAdd: no barrier where a subgroup is 32 or more wide).
#extension GL_GOOGLE_include_directive : require
#if MATVEC_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
layout(local_size_x = 128) in;
layout(binding = 0) readonly buffer W { uint wdata[]; };
layout(binding = 1) readonly buffer X { vec4 x4[]; };  // read 4 at a time: see dot32
layout(binding = 2) buffer Y0 { float y0[]; };
layout(binding = 3) buffer Y1 { float y1[]; };
layout(binding = 4) buffer Y2 { float y2[]; };
layout(binding = 5) readonly buffer B0 { float b0[]; };  // part k's bias[col0 + row in part] when has_bias
layout(binding = 6) readonly buffer B1 { float b1[]; };
layout(binding = 7) readonly buffer B2 { float b2[]; };
layout(push_constant) uniform P {
    uint n_in, row_bytes, w_base;  // w_base: byte offset of the first row in the binding
    uint x_off, n_tokens, n_rows, accumulate;
    uint end0, end1;  // rows [0, end0) are part 0, [end0, end1) part 1, the rest part 2
    uint y_off[3], y_stride[3], y_col0[3], has_bias[3];
} p;
#include "dequant.glsl"
#include "dequant_fast.glsl"

// The weight type, fixed when the pipeline is created (one pipeline per type in use): the
// compiler then drops every other type's code, which keeps registers free for loads in flight.
layout(constant_id = 0) const uint WEIGHT_TYPE = 0u;

const uint ROWS = 4u, TT = 4u;

// w . x[xb .. xb + n], with whole vec4 loads when the 32 values are 4-aligned (every real
// model: rows are multiples of 32 and bindings 16-byte aligned).
float dot32(const float w[32], uint xb, uint n, bool f16_act) {
    float a = 0.0;
    if ((xb & 3u) == 0u && n == 32u && !f16_act) {
        for (uint i = 0u; i < 8u; ++i) {
            const vec4 xv = x4[(xb >> 2) + i];
            a += w[4u * i] * xv.x + w[4u * i + 1u] * xv.y + w[4u * i + 2u] * xv.z + w[4u * i + 3u] * xv.w;
        }
        return a;
    }
    // Constant bounds: a loop over n would index w dynamically and push it out of registers.
    for (uint i = 0u; i < 32u; ++i) {
        if (i >= n) break;
        float xv = x4[(xb + i) >> 2][(xb + i) & 3u];
        // The CPU path (and llama.cpp) rounds activations to F16 for F16 weights; do the same.
        if (f16_act) xv = unpackHalf2x16(packHalf2x16(vec2(xv, 0.0))).x;
        a += w[i] * xv;
    }
    return a;
}

// This lane's share of row r: sub-blocks lane, lane + n_lanes, ... summed into acc[t] per token.
void row_partial(uint r, uint lane, uint n_lanes, uint nt, out float acc[TT]) {
    const uint row = p.w_base + r * p.row_bytes;
    const bool f16_act = WEIGHT_TYPE == T_F16;
    for (uint t = 0u; t < TT; ++t) acc[t] = 0.0;
    const uint nsub = (p.n_in + 31u) / 32u;
    for (uint s = lane; s < nsub; s += n_lanes) {
        float w[32];
        const uint n_valid = min(32u, p.n_in - s * 32u);
        dq32_any(WEIGHT_TYPE, row, s, n_valid, w);
        for (uint t = 0u; t < TT; ++t)
            if (t < nt) acc[t] += dot32(w, p.x_off + t * p.n_in + s * 32u, n_valid, f16_act);
    }
}

void store(uint r, uint t, float v) {
    const uint k = r < p.end0 ? 0u : r < p.end1 ? 1u : 2u;
    const uint c = p.y_col0[k] + r - (k == 0u ? 0u : k == 1u ? p.end0 : p.end1);
    const uint o = p.y_off[k] + t * p.y_stride[k] + c;
    const bool acc = p.accumulate != 0u, add_bias = p.has_bias[k] != 0u;
    if (k == 0u) y0[o] = v + (add_bias ? b0[c] : 0.0) + (acc ? y0[o] : 0.0);
    else if (k == 1u) y1[o] = v + (add_bias ? b1[c] : 0.0) + (acc ? y1[o] : 0.0);
    else y2[o] = v + (add_bias ? b2[c] : 0.0) + (acc ? y2[o] : 0.0);
}

uint first_row() { return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * ROWS; }

#if !MATVEC_SUBGROUP
const uint LANES = 32u;
shared float red[TT * 128u];

void main() {
    const uint tid = gl_LocalInvocationID.x, lane = tid % LANES, g = tid / LANES;
    const uint r = first_row() + g;
    const uint nt = min(TT, p.n_tokens);
    float acc[TT];
    if (r < p.n_rows) row_partial(r, lane, LANES, nt, acc);
    else for (uint t = 0u; t < TT; ++t) acc[t] = 0.0;
    for (uint t = 0u; t < TT; ++t) red[t * 128u + tid] = acc[t];
    barrier();
    for (uint stride = LANES / 2u; stride > 0u; stride >>= 1) {
        if (lane < stride)
            for (uint t = 0u; t < TT; ++t)
                if (t < nt) red[t * 128u + tid] += red[t * 128u + tid + stride];
        barrier();
    }
    if (r < p.n_rows && lane < nt) store(r, lane, red[lane * 128u + g * LANES]);
}
#else
// Row g of the workgroup's 4 belongs to subgroup g (and g + 4, g + 8, ... where subgroups are
// narrower than 32: their shares of the row meet in shared memory); with fewer than 4
// subgroups (64-wide ones) each takes several rows in turn. Lanes are numbered with the
// subgroup's own size, so any size works; 128 invocations make whole subgroups of any
// power-of-two size.
shared float share_sum[128u * TT];

void main() {
    const uint sg = gl_SubgroupID, n_sg = gl_NumSubgroups, width = gl_SubgroupSize;
    const uint shares = max(1u, n_sg / ROWS), share = sg / ROWS;
    const uint nt = min(TT, p.n_tokens);
    if (share < shares) {
        for (uint g = sg % ROWS; g < ROWS; g += min(n_sg, ROWS)) {
            const uint r = first_row() + g;
            if (r >= p.n_rows) break;  // the same for the whole subgroup
            float acc[TT];
            row_partial(r, share * width + gl_SubgroupInvocationID, shares * width, nt, acc);
            for (uint t = 0u; t < TT; ++t)
                if (t < nt) acc[t] = subgroupAdd(acc[t]);
            if (subgroupElect()) {
                if (shares == 1u) {
                    for (uint t = 0u; t < TT; ++t)
                        if (t < nt) store(r, t, acc[t]);
                } else {
                    for (uint t = 0u; t < TT; ++t) share_sum[(g * shares + share) * TT + t] = acc[t];
                }
            }
        }
    }
    if (shares > 1u) {  // the same in the whole workgroup
        barrier();
        const uint tid = gl_LocalInvocationID.x, g = tid / TT, t = tid % TT;
        const uint r = first_row() + g;
        if (g < ROWS && t < nt && r < p.n_rows) {
            float v = 0.0;
            for (uint k = 0u; k < shares; ++k) v += share_sum[(g * shares + k) * TT + t];
            store(r, t, v);
        }
    }
}
#endif
