#version 450
// One dispatch per layer for what follows the Q/K/V projections: rotary position embedding
// of Q (in place) and K, and the batch's K, V rows into this layer's F16 cache. One
// workgroup per head and token: x runs over the Q heads, then the K heads (with their V);
// y is the token. Where the model has them (Qwen3, Gemma 3), the head is RMS-normalised
// first (q_norm, k_norm), so that those norms need no dispatches of their own.
//
// Rotation: the first rope_dim values of each head, normal (adjacent pairs) or NEOX
// (halves); inv_freq already includes any frequency factors (RopeTable); the angle: rope.glsl.
// Decode steps without head norms do this in the Q|K|V dispatch instead (matvec_epilogue.glsl).
//
// Cache: F16 pairs packed in uints (needs no 16-bit storage feature), rounded as the CPU
// rounds them (half.glsl). The cache has `rows` rows: position pos goes to row pos % rows (a
// ring on sliding-window layers, see runtime/kv_cache.h; rows = n_ctx elsewhere).
#extension GL_GOOGLE_include_directive : require
#include "half.glsl"
#include "rope.glsl"
layout(local_size_x = 64) in;
layout(binding = 0) buffer Qb { float q[]; };
layout(binding = 1) readonly buffer Kb { float k[]; };
layout(binding = 2) readonly buffer Vb { float v[]; };
layout(binding = 3) buffer KC { uint kc[]; };
layout(binding = 4) buffer VC { uint vc[]; };
layout(binding = 5) readonly buffer F { float inv_freq[]; };
// pos0 of this batch: positions[pos_slot] (a buffer, so that recorded commands can be reused).
layout(binding = 6) readonly buffer Pos { uint positions[]; };
layout(binding = 7) readonly buffer QN { float q_norm_w[]; };  // with p.q_norm
layout(binding = 8) readonly buffer KN { float k_norm_w[]; };  // with p.k_norm
layout(push_constant) uniform P {
    uint n_head, n_head_kv, head_dim, rope_dim, neox, pos_slot, rows;
    float freq_scale, mscale;
    uint q_norm, k_norm;
    float eps;
} p;

shared float xs[512];  // the head (head_dim <= 512), normalised
shared float red[64];

// Value e of the head in xs, rotated.
float rotated(uint e, uint pos) {
    if (e >= p.rope_dim) return xs[e];
    const uint half_dim = p.rope_dim / 2u;
    uint i, a, b;  // frequency, first and second value of e's pair
    if (p.neox != 0u) {
        i = e % half_dim;
        a = i;
        b = i + half_dim;
    } else {
        i = e / 2u;
        a = 2u * i;
        b = a + 1u;
    }
    const vec2 r = rotate_pair(vec2(xs[a], xs[b]), rope_rotation(pos, p.freq_scale, inv_freq[i], p.mscale));
    return e == a ? r.x : r.y;
}

void main() {
    const uint hx = gl_WorkGroupID.x, t = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
    const uint D = p.head_dim, kv_dim = p.n_head_kv * D;
    const bool is_q = hx < p.n_head;  // the same in the whole workgroup
    const uint h = is_q ? hx : hx - p.n_head;
    const uint base = is_q ? (t * p.n_head + h) * D : t * kv_dim + h * D;
    const uint pos = positions[p.pos_slot] + t;
    float ss = 0.0;
    for (uint d = tid; d < D; d += 64u) {
        const float x = is_q ? q[base + d] : k[base + d];
        xs[d] = x;
        ss += x * x;
    }
    if (is_q ? p.q_norm != 0u : p.k_norm != 0u) {
        red[tid] = ss;
        barrier();
        for (uint stride = 32u; stride > 0u; stride >>= 1) {
            if (tid < stride) red[tid] += red[tid + stride];
            barrier();
        }
        const float scale = 1.0 / sqrt(red[0] / float(D) + p.eps);
        for (uint d = tid; d < D; d += 64u) xs[d] = xs[d] * scale * (is_q ? q_norm_w[d] : k_norm_w[d]);
    }
    barrier();  // a value's pair may have been loaded by another invocation
    for (uint w = tid; w < D / 2u; w += 64u) {
        const uint e = 2u * w;
        const vec2 r = vec2(rotated(e, pos), rotated(e + 1u, pos));
        if (is_q) {
            q[base + e] = r.x;
            q[base + e + 1u] = r.y;
        } else {
            const uint dst = ((pos % p.rows) * kv_dim + h * D + e) / 2u;
            kc[dst] = pack_half2_rne(r);
            vc[dst] = pack_half2_rne(vec2(v[base + e], v[base + e + 1u]));
        }
    }
}
