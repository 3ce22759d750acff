#version 450
// The pieces of a split attention (attention.comp, split mode) into Att: each piece holds its
// running max M_i, sum L_i and unnormalised output o_i over its keys; the softmax over all
// keys is sum_i o_i e^(M_i - M) / sum_i L_i e^(M_i - M), M = max_i M_i. A piece that saw no
// key has M = -1e30 and L = 0 and adds nothing. One workgroup per (head, token).
layout(local_size_x = 64) in;
layout(binding = 0) readonly buffer Part { float part[]; };
layout(binding = 1) buffer A { float att[]; };
layout(push_constant) uniform P { uint n_head, head_dim, n_pieces; } p;

void main() {
    const uint head = gl_WorkGroupID.x, t = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
    const uint D = p.head_dim, stride = D + 2u;
    const uint base = (t * p.n_head + head) * p.n_pieces * stride;
    float M = -1e30;
    for (uint i = 0u; i < p.n_pieces; ++i) M = max(M, part[base + i * stride]);
    float L = 0.0;
    for (uint i = 0u; i < p.n_pieces; ++i) L += part[base + i * stride + 1u] * exp(part[base + i * stride] - M);
    const uint qbase = t * p.n_head * D + head * D;
    for (uint d = tid; d < D; d += 64u) {
        float o = 0.0;
        for (uint i = 0u; i < p.n_pieces; ++i) o += part[base + i * stride + 2u + d] * exp(part[base + i * stride] - M);
        att[qbase + d] = o / L;
    }
}
