// Decode: y[t][col0 + r] (+)= W[r] . x[t] (+ bias) for a few tokens (t < 4), the rows split in up to
// three parts with their own output and bias (Q|K|V, gate|up: one dispatch where the backend
// stores their weights back to back; a single matrix is one part). Memory-bound: every weight
// byte is read once, so the work is spread to keep many loads in flight. A workgroup of 128
// invocations takes ROWS rows; several lanes share a row, each lane dequantizing whole 32-weight
// sub-blocks (word loads, dequant.glsl) and using them for every token; the lanes' sums
// are then added up. Two builds of this file: matvec.comp (32 lanes per row, summed in shared
// memory; needs no subgroup features) and matvec_subgroup.comp (a subgroup per row, summed
// with subgroupAdd: no barrier where a subgroup is 32 or more wide).
//
// With p.norm the input is rmsnorm(x) * g (the block's norm, g at binding 8), folded in here
// so that a decode step needs no norm dispatch: y = inv_rms * (W (x * g)). The lanes of a row
// read all of x between them, so they add up x * x as they go and get inv_rms with their sums.
// What happens to a row's sum (bias, scale, the FFN activation, rotary embedding and the KV
// cache): matvec_epilogue.glsl.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if MATVEC_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
#if MATVEC_SUBGROUP
// 128 invocations, or 256 where the host gives long rows two subgroups each (KINGLET_VK_MATVEC_WIDE).
layout(local_size_x = 128, local_size_x_id = 2) in;
#else
layout(local_size_x = 128) in;
#endif
layout(binding = 0) readonly buffer W { uint wdata[]; };
// Activations and norm weights are read 4 at a time where whole vec4s are there, else one by one
// through a float view of the same binding (a vec4 that straddles the binding's end may read as 0).
layout(binding = 1) readonly buffer X { vec4 x4[]; };
layout(binding = 1) readonly buffer X1 { float x1[]; };
layout(binding = 2) buffer Y0 { float y0[]; };
layout(binding = 3) buffer Y1 { float y1[]; };
layout(binding = 4) buffer Y2 { float y2[]; };
// With p.rope_head_dim the K and V parts go to the layer's F16 cache (half2 words) instead.
layout(binding = 3) buffer KC { uint kc[]; };
layout(binding = 4) buffer VC { uint vc[]; };
layout(binding = 5) readonly buffer B0 { float b0[]; };  // part k's bias[col0 + row in part] when has_bias
layout(binding = 6) readonly buffer B1 { float b1[]; };
layout(binding = 7) readonly buffer B2 { float b2[]; };
layout(binding = 8) readonly buffer G { vec4 g4[]; };  // the norm's weights when p.norm
layout(binding = 8) readonly buffer G1 { float g1[]; };
layout(binding = 9) readonly buffer F { float inv_freq[]; };  // with p.rope_head_dim: RopeTable's
// pos0 of this batch: positions[pos_slot] (a buffer, so that recorded commands can be reused).
layout(binding = 10) readonly buffer Pos { uint positions[]; };
layout(push_constant) uniform P {
    uint n_in, row_bytes, w_base;  // w_base: byte offset of the first row in the binding
    uint x_off, n_tokens, n_rows, accumulate;
    uint end0, end1;  // rows [0, end0) are part 0, [end0, end1) part 1, the rest part 2
    uint y_off[3], y_stride[3], y_col0[3], has_bias[3];
    float scale;  // y = scale * (W x + bias) (+ y)
    uint norm;    // the input is rmsnorm(x) * g (never with F16 weights: see rows_partial)
    float eps;
    uint glu;     // 0, or ACT_SILU / ACT_GELU: y0 = act(gate) * up (activation.glsl)
    // Q|K|V: 0, or the head size: Q rotated, K rotated and V into the cache (matvec_epilogue.glsl)
    uint rope_head_dim, rope_dim, neox, pos_slot, cache_rows;
    float freq_scale, mscale;
} p;
#include "activation.glsl"
#include "dequant.glsl"
#include "half.glsl"
#include "rope.glsl"

// The weight type, fixed when the pipeline is created (one pipeline per type in use): the
// compiler then drops every other type's code, which keeps registers free for loads in flight.
layout(constant_id = 0) const uint WEIGHT_TYPE = 0u;

// The modes whose code this pipeline holds (bits: 1 the folded norm, 2 the gate|up pairing, 4
// the Q|K|V rotation): the host builds one pipeline per combination it dispatches, so that
// each holds only its own code and registers (7: all, the push constants choosing; the
// switch KINGLET_VK_MATVEC_GENERIC=1 runs every dispatch on that one).
layout(constant_id = 4) const uint MODES = 7u;
bool norm_on() { return (MODES & 1u) != 0u && p.norm != 0u; }
bool glu_on() { return (MODES & 2u) != 0u && p.glu != 0u; }
bool rope_on() { return (MODES & 4u) != 0u && p.rope_head_dim != 0u; }

const uint TT = 4u;
// Tokens a dispatch of this pipeline takes at most: TT, or 1 for a decode step's pipelines,
// whose per-token sums and loops then shrink to one (registers, and no loop over tokens).
layout(constant_id = 5) const uint TOKENS = 4u;
#if MATVEC_SUBGROUP
// Rows per workgroup: a group of GROUP rows (below) per subgroup where subgroups are narrower
// than 32 (chosen by the host from the device's subgroup size), so that no row's lanes meet in
// shared memory.
layout(constant_id = 1) const uint ROWS = 4u;
#else
const uint ROWS = 4u;
#endif

// Activations x[xb + 4q .. xb + 4q + 4] as a vec4, zero past n. With `whole` (the values are
// 4-aligned and all valid: every real model, whose rows are multiples of 32 and bindings
// 16-byte aligned) one vec4 load.
vec4 x_quad(uint xb, uint q, uint n, bool whole) {
    if (whole) return x4[(xb >> 2) + q];
    vec4 v;
    for (uint j = 0u; j < 4u; ++j) {
        const uint e = xb + 4u * q + j;
        v[j] = 4u * q + j < n ? x1[e] : 0.0;
    }
    return v;
}

// The norm's weights g[s * 32 + 4q ..] (bound from its start, so 4-aligned), zero past n.
vec4 g_quad(uint s, uint q, uint n) {
    if (n == 32u) return g4[s * 8u + q];
    vec4 v;
    for (uint j = 0u; j < 4u; ++j) {
        const uint e = s * 32u + 4u * q + j;
        v[j] = 4u * q + j < n ? g1[e] : 0.0;
    }
    return v;
}

// Rows a subgroup sums together (KINGLET_VK_MATVEC_GROUP): each lane dequantizes the same
// sub-block of each of them and reads that sub-block's activations once for all of them, so
// a group of 4 rows reads x a quarter as often and has 4 rows' weight loads in flight at once.
// The shared-memory build takes one row at a time.
const uint GROUP_MAX = 4u;
#if MATVEC_SUBGROUP
layout(constant_id = 3) const uint GROUP = 1u;
#else
const uint GROUP = 1u;
#endif

// This lane's share of rows r[0 .. GROUP): sub-blocks lane, lane + n_lanes, ... of each, summed
// into acc[i][t] per row and token, and with p.norm the squares of the x it read into ss[t]. The
// CPU path (and llama.cpp) rounds activations to F16 for F16 weights; so do we. The host folds
// no norm into F16 weights: their rounding is of the normalised values, known only once
// inv_rms is.
void rows_partial(uint r[GROUP_MAX], uint lane, uint n_lanes, uint nt, out float acc[GROUP_MAX][TT], out float ss[TT]) {
    const bool f16_act = WEIGHT_TYPE == T_F16, norm = norm_on();
    for (uint t = 0u; t < TOKENS; ++t) {
        ss[t] = 0.0;
        [[unroll]] for (uint i = 0u; i < GROUP_MAX; ++i) acc[i][t] = 0.0;
    }
    const uint nsub = (p.n_in + 31u) / 32u;
    for (uint s = lane; s < nsub; s += n_lanes) {
        float w[GROUP_MAX][32];
        const uint n_valid = min(32u, p.n_in - s * 32u);
        [[unroll]] for (uint i = 0u; i < GROUP; ++i) dq32(WEIGHT_TYPE, p.w_base + r[i] * p.row_bytes, s, n_valid, w[i]);
        // The products are written out here rather than in a function taking w: an array passed
        // by value is copied, and some compilers (llvmpipe's) then keep it in memory, which
        // made decode ten times slower there.
        for (uint t = 0u; t < TOKENS; ++t) {
            if (t >= nt) break;
            const uint xb = p.x_off + t * p.n_in + s * 32u;
            const bool whole = (xb & 3u) == 0u && n_valid == 32u;
            float a[GROUP_MAX], sq = 0.0;
            [[unroll]] for (uint i = 0u; i < GROUP_MAX; ++i) a[i] = 0.0;
            for (uint q = 0u; q < 8u; ++q) {
                vec4 xv = x_quad(xb, q, n_valid, whole);
                if (norm) {
                    sq += dot(xv, xv);
                    xv *= g_quad(s, q, n_valid);
                }
                if (f16_act) xv = round_half(xv);
                [[unroll]] for (uint i = 0u; i < GROUP; ++i)
                    a[i] += w[i][4u * q] * xv.x + w[i][4u * q + 1u] * xv.y + w[i][4u * q + 2u] * xv.z +
                            w[i][4u * q + 3u] * xv.w;
            }
            [[unroll]] for (uint i = 0u; i < GROUP; ++i) acc[i][t] += a[i];
            ss[t] += sq;
        }
    }
}

// A row's sum for token t, given its lanes' sums of W (x * g) and of x * x.
float finish(float acc, float ss) { return norm_on() ? acc / sqrt(ss / float(p.n_in) + p.eps) : acc; }

#include "matvec_epilogue.glsl"

#if !MATVEC_SUBGROUP
const uint LANES = 32u;
shared float red[TT * 128u], red_ss[TT * 128u];

void main() {
    const uint tid = gl_LocalInvocationID.x, lane = tid % LANES, g = tid / LANES;
    const uint r = row_of(g);
    const uint nt = min(TOKENS, p.n_tokens);
    float acc[GROUP_MAX][TT], ss[TT];
    const uint rs[GROUP_MAX] = uint[GROUP_MAX](r, 0u, 0u, 0u);
    if (r < p.n_rows) rows_partial(rs, lane, LANES, nt, acc, ss);
    else for (uint t = 0u; t < TOKENS; ++t) acc[0][t] = ss[t] = 0.0;
    for (uint t = 0u; t < TOKENS; ++t) {
        red[t * 128u + tid] = acc[0][t];
        red_ss[t * 128u + tid] = ss[t];
    }
    barrier();
    for (uint stride = LANES / 2u; stride > 0u; stride >>= 1) {
        if (lane < stride)
            for (uint t = 0u; t < TOKENS; ++t)
                if (t < nt) {
                    red[t * 128u + tid] += red[t * 128u + tid + stride];
                    red_ss[t * 128u + tid] += red_ss[t * 128u + tid + stride];
                }
        barrier();
    }
    const uint first = lane * 128u + g * LANES;
    if (r < p.n_rows && lane < nt) emit(g, r, lane, finish(red[first], red_ss[first]));
    epilogue_finish(nt);
}
#else
// The workgroup's ROWS rows are taken in groups of GROUP (rows g0 .. g0 + GROUP - 1, g0 a
// multiple of GROUP): group k belongs to subgroup k (and k + groups, k + 2 groups, ... where
// there are more subgroups than groups, e.g. when the device runs narrower subgroups than it
// reported: their shares of the rows meet in shared memory); with fewer subgroups than groups
// (64-wide ones) each takes several groups in turn. Lanes are numbered with the subgroup's own
// size, so any size works; 128 or 256 invocations make whole subgroups of any power-of-two size.
shared float share_sum[128u * TT], share_ss[128u * TT];

void main() {
    const uint sg = gl_SubgroupID, n_sg = gl_NumSubgroups, width = gl_SubgroupSize;
    // At most 128 / ROWS shares of a row (share_sum's size); further subgroups sit out (only
    // narrow subgroups with big groups get there: 4-wide ones, 256 invocations, groups of 4).
    const uint groups = ROWS / GROUP;
    const uint shares = clamp(n_sg / groups, 1u, 128u / ROWS), share = sg / groups;
    const uint nt = min(TOKENS, p.n_tokens);
    if (share < shares) {
        for (uint k = sg % groups; k < groups; k += min(n_sg, groups)) {
            // Rows past the end (a ragged last group) read the last row again and are dropped.
            uint rs[GROUP_MAX], rl[GROUP_MAX];
            bool any = false;
            [[unroll]] for (uint i = 0u; i < GROUP_MAX; ++i) {
                rs[i] = i < GROUP ? row_of(k * GROUP + i) : p.n_rows;
                rl[i] = min(rs[i], p.n_rows - 1u);
                any = any || rs[i] < p.n_rows;
            }
            if (!any) continue;  // the same for the whole subgroup
            float acc[GROUP_MAX][TT], ss[TT];
            rows_partial(rl, share * width + gl_SubgroupInvocationID, shares * width, nt, acc, ss);
            for (uint t = 0u; t < TOKENS; ++t)
                if (t < nt) {
                    [[unroll]] for (uint i = 0u; i < GROUP; ++i) acc[i][t] = subgroupAdd(acc[i][t]);
                    if (norm_on()) ss[t] = subgroupAdd(ss[t]);
                }
            if (subgroupElect()) {
                [[unroll]] for (uint i = 0u; i < GROUP; ++i) {
                    const uint g = k * GROUP + i;
                    if (rs[i] >= p.n_rows) continue;
                    if (shares == 1u) {
                        for (uint t = 0u; t < TOKENS; ++t)
                            if (t < nt) emit(g, rs[i], t, finish(acc[i][t], ss[t]));
                    } else {
                        for (uint t = 0u; t < TOKENS; ++t) {
                            share_sum[(g * shares + share) * TT + t] = acc[i][t];
                            share_ss[(g * shares + share) * TT + t] = ss[t];
                        }
                    }
                }
            }
        }
    }
    if (shares > 1u) {  // the same in the whole workgroup
        barrier();
        const uint tid = gl_LocalInvocationID.x, g = tid / TT, t = tid % TT;
        const uint r = row_of(g);
        if (g < ROWS && t < nt && r < p.n_rows) {
            float v = 0.0, sq = 0.0;
            for (uint k = 0u; k < shares; ++k) {
                v += share_sum[(g * shares + k) * TT + t];
                sq += share_ss[(g * shares + k) * TT + t];
            }
            emit(g, r, t, finish(v, sq));
        }
    }
    epilogue_finish(nt);
}
#endif
