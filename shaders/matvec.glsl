// Decode: y[t][col0 + r] (+)= W[r] . x[t] (+ bias) for a few tokens (t < 4), the rows split in up to
// three parts with their own output and bias (Q|K|V, gate|up: one dispatch where the backend
// stores their weights back to back; a single matrix is one part). Memory-bound: every weight
// byte is read once, so the work is spread to keep many loads in flight. A workgroup of 128
// invocations takes ROWS rows; several lanes share a row, each lane dequantizing whole 32-weight
// sub-blocks (word loads, dequant.glsl) and using them for every token; the lanes' sums
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
    float scale;  // y = scale * (W x + bias) (+ y)
} p;
#include "dequant.glsl"
#include "half.glsl"

// The weight type, fixed when the pipeline is created (one pipeline per type in use): the
// compiler then drops every other type's code, which keeps registers free for loads in flight.
layout(constant_id = 0) const uint WEIGHT_TYPE = 0u;

const uint TT = 4u;
#if MATVEC_SUBGROUP
// Rows per workgroup: one per subgroup where subgroups are narrower than 32 (chosen by the
// host from the device's subgroup size), so that no row's lanes meet in shared memory.
layout(constant_id = 1) const uint ROWS = 4u;
#else
const uint ROWS = 4u;
#endif

// Activations x[xb + 4q .. xb + 4q + 4] as a vec4, zero past n. With `whole` (the values are
// 4-aligned and all valid: every real model, whose rows are multiples of 32 and bindings
// 16-byte aligned) one vec4 load. The CPU path (and llama.cpp) rounds activations to F16 for
// F16 weights; so do we.
vec4 x_quad(uint xb, uint q, uint n, bool whole, bool f16_act) {
    vec4 v;
    if (whole) {
        v = x4[(xb >> 2) + q];
    } else {
        for (uint j = 0u; j < 4u; ++j) {
            const uint e = xb + 4u * q + j;
            v[j] = 4u * q + j < n ? x4[e >> 2][e & 3u] : 0.0;
        }
    }
    if (f16_act) v = round_half(v);
    return v;
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
        dq32(WEIGHT_TYPE, row, s, n_valid, w);
        // The products are written out here rather than in a function taking w: an array passed
        // by value is copied, and some compilers (llvmpipe's) then keep it in memory, which
        // made decode ten times slower there.
        for (uint t = 0u; t < TT; ++t) {
            if (t >= nt) break;
            const uint xb = p.x_off + t * p.n_in + s * 32u;
            const bool whole = (xb & 3u) == 0u && n_valid == 32u;
            float a = 0.0;
            for (uint q = 0u; q < 8u; ++q) {
                const vec4 xv = x_quad(xb, q, n_valid, whole, f16_act);
                a += w[4u * q] * xv.x + w[4u * q + 1u] * xv.y + w[4u * q + 2u] * xv.z + w[4u * q + 3u] * xv.w;
            }
            acc[t] += a;
        }
    }
}

void store(uint r, uint t, float v) {
    const uint k = r < p.end0 ? 0u : r < p.end1 ? 1u : 2u;
    const uint c = p.y_col0[k] + r - (k == 0u ? 0u : k == 1u ? p.end0 : p.end1);
    const uint o = p.y_off[k] + t * p.y_stride[k] + c;
    const bool acc = p.accumulate != 0u, add_bias = p.has_bias[k] != 0u;
    if (k == 0u) y0[o] = p.scale * (v + (add_bias ? b0[c] : 0.0)) + (acc ? y0[o] : 0.0);
    else if (k == 1u) y1[o] = p.scale * (v + (add_bias ? b1[c] : 0.0)) + (acc ? y1[o] : 0.0);
    else y2[o] = p.scale * (v + (add_bias ? b2[c] : 0.0)) + (acc ? y2[o] : 0.0);
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
// Row g of the workgroup's ROWS belongs to subgroup g (and g + ROWS, g + 2 ROWS, ... where
// there are more subgroups than rows, e.g. when the device runs narrower subgroups than it
// reported: their shares of the row meet in shared memory); with fewer subgroups than rows
// (64-wide ones) each takes several rows in turn. Lanes are numbered with the subgroup's own
// size, so any size works; 128 invocations make whole subgroups of any power-of-two size.
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
