#version 450
// K, V rows of the batch into this layer's cache at pos0.., as F16 pairs packed in uints
// (packHalf2x16 needs no 16-bit storage feature, so this works on every device). The cache
// has `rows` rows: position pos goes to row pos % rows (a ring on sliding-window layers,
// see runtime/kv_cache.h; rows = n_ctx elsewhere).
layout(local_size_x = 64) in;
layout(binding = 0) readonly buffer K { float k[]; };
layout(binding = 1) readonly buffer V { float v[]; };
layout(binding = 2) buffer KC { uint kc[]; };
layout(binding = 3) buffer VC { uint vc[]; };
// pos0 of this batch: positions[pos_slot] (a buffer, so that recorded commands can be reused).
layout(binding = 4) readonly buffer Pos { uint positions[]; };
layout(push_constant) uniform P { uint kv_dim, pos_slot, rows; } p;

void main() {
    const uint pos0 = positions[p.pos_slot];
    const uint i = gl_GlobalInvocationID.x, t = gl_GlobalInvocationID.y;
    const uint half_kv = p.kv_dim / 2u;
    if (i >= half_kv) return;
    const uint src = t * p.kv_dim + 2u * i, dst = ((pos0 + t) % p.rows) * half_kv + i;
    kc[dst] = packHalf2x16(vec2(k[src], k[src + 1u]));
    vc[dst] = packHalf2x16(vec2(v[src], v[src + 1u]));
}
