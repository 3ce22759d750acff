#version 450
#extension GL_GOOGLE_include_directive : require
// Element-wise ops on activations: x += y (add), x = silu(x) * y, x = gelu(x) * y (glu,
// x = Gate, y = Up), x = cap * tanh(x / cap) (softcap). 2-D grid so that more than
// 65535 workgroups' worth of values (a batch of logits) fit in one dispatch.
layout(local_size_x = 256) in;
layout(binding = 0) buffer Xb { float x[]; };
layout(binding = 1) readonly buffer Yb { float y[]; };
layout(push_constant) uniform P { uint n, op, x_off, y_off; float cap; } p;

#include "activation.glsl"

const uint OP_ADD = 0u, OP_SILU = ACT_SILU, OP_GELU = ACT_GELU, OP_SOFTCAP = 3u;

void main() {
    const uint i = gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u + gl_GlobalInvocationID.x;
    if (i >= p.n) return;
    const float a = x[p.x_off + i];
    float r;
    if (p.op == OP_ADD) r = a + y[p.y_off + i];
    else if (p.op == OP_SILU || p.op == OP_GELU) r = gated(p.op, a, y[p.y_off + i]);
    else r = p.cap * safe_tanh(a / p.cap);
    x[p.x_off + i] = r;
}
