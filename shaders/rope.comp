#version 450
// Rotary position embedding over the first rope_dim values of each head, normal (adjacent
// pairs) or NEOX (halves). One invocation per (pair, head) and token. inv_freq already
// includes any frequency factors (RopeTable).
layout(local_size_x = 64) in;
layout(binding = 0) buffer Xb { float x[]; };
layout(binding = 1) readonly buffer F { float inv_freq[]; };
// pos0 of this batch: positions[pos_slot] (a buffer, so that recorded commands can be reused).
layout(binding = 2) readonly buffer Pos { uint positions[]; };
layout(push_constant) uniform P {
    uint n_heads, head_dim, rope_dim, neox, pos_slot, x_off;
    float freq_scale, mscale;
} p;

void main() {
    const uint pos0 = positions[p.pos_slot];
    const uint half_dim = p.rope_dim / 2u;
    const uint idx = gl_GlobalInvocationID.x, t = gl_GlobalInvocationID.y;
    if (idx >= p.n_heads * half_dim) return;
    const uint i = idx % half_dim, h = idx / half_dim;
    // theta is formed in float exactly as on the CPU; the range reduction keeps sin/cos
    // accurate on GPUs whose built-ins lose precision for large arguments.
    const float theta = float(pos0 + t) * p.freq_scale * inv_freq[i];
    const float k = floor(theta * 0.15915494309189535 + 0.5);
    const float red_theta = (theta - k * 6.28125) - k * 0.0019353071795864769;
    const float c = cos(red_theta) * p.mscale, s = sin(red_theta) * p.mscale;
    const uint base = p.x_off + t * p.n_heads * p.head_dim + h * p.head_dim;
    const uint a = base + (p.neox != 0u ? i : 2u * i);
    const uint b = p.neox != 0u ? a + half_dim : a + 1u;
    const float x0 = x[a], x1 = x[b];
    x[a] = x0 * c - x1 * s;
    x[b] = x0 * s + x1 * c;
}
