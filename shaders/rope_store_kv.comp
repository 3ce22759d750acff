#version 450
// One dispatch per layer for what follows the Q/K/V projections: rotary position embedding
// of Q (in place) and K, and the batch's K, V rows into this layer's F16 cache. The grid's
// x runs over Q's rotated pairs, then over the cache's half2 words (one K and one V word
// each); y is the token.
//
// Rotation: the first rope_dim values of each head, normal (adjacent pairs) or NEOX
// (halves); inv_freq already includes any frequency factors (RopeTable); the angle: rope.glsl.
// Decode steps do this in the Q|K|V dispatch instead (matvec.glsl), where they can.
//
// Cache: F16 pairs packed in uints (needs no 16-bit storage feature), rounded as the CPU rounds
// them (half.glsl). The
// cache has `rows` rows: position pos goes to row pos % rows (a ring on sliding-window
// layers, see runtime/kv_cache.h; rows = n_ctx elsewhere).
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
layout(push_constant) uniform P {
    uint n_head, n_head_kv, head_dim, rope_dim, neox, pos_slot, rows;
    float freq_scale, mscale;
} p;

// cos and sin of the angle of frequency i at position pos, times mscale.
vec2 rotation(uint pos, uint i) { return rope_rotation(pos, p.freq_scale, inv_freq[i], p.mscale); }

// Value e of the K head that starts at k[base], rotated (read from the unrotated K).
float rotated_k(uint base, uint e, uint pos) {
    const uint half_dim = p.rope_dim / 2u;
    if (e >= p.rope_dim) return k[base + e];
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
    const vec2 r = rotate_pair(vec2(k[base + a], k[base + b]), rotation(pos, i));
    return e == a ? r.x : r.y;
}

void main() {
    const uint idx = gl_GlobalInvocationID.x, t = gl_GlobalInvocationID.y;
    const uint pos = positions[p.pos_slot] + t;
    const uint half_dim = p.rope_dim / 2u, q_pairs = p.n_head * half_dim;
    if (idx < q_pairs) {
        const uint i = idx % half_dim, h = idx / half_dim;
        const uint base = t * p.n_head * p.head_dim + h * p.head_dim;
        const uint a = base + (p.neox != 0u ? i : 2u * i);
        const uint b = p.neox != 0u ? a + half_dim : a + 1u;
        const vec2 r = rotate_pair(vec2(q[a], q[b]), rotation(pos, i));
        q[a] = r.x;
        q[b] = r.y;
        return;
    }
    const uint word = idx - q_pairs, kv_dim = p.n_head_kv * p.head_dim, half_kv = kv_dim / 2u;
    if (word >= half_kv) return;
    const uint e = 2u * word, head_base = t * kv_dim + (e / p.head_dim) * p.head_dim, ei = e % p.head_dim;
    const uint dst = (pos % p.rows) * half_kv + word;
    kc[dst] = pack_half2_rne(vec2(rotated_k(head_base, ei, pos), rotated_k(head_base, ei + 1u, pos)));
    vc[dst] = pack_half2_rne(vec2(v[t * kv_dim + e], v[t * kv_dim + e + 1u]));
}
