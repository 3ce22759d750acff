#version 450
// Element-wise ops on activations: x += y (add), x = silu(x) * y, x = gelu(x) * y (glu,
// x = Gate, y = Up), x = cap * tanh(x / cap) (softcap). 2-D grid so that more than
// 65535 workgroups' worth of values (a batch of logits) fit in one dispatch.
layout(local_size_x = 256) in;
layout(binding = 0) buffer Xb { float x[]; };
layout(binding = 1) readonly buffer Yb { float y[]; };
layout(push_constant) uniform P { uint n, op, x_off, y_off; float cap; } p;

const uint OP_ADD = 0u, OP_SILU = 1u, OP_GELU = 2u, OP_SOFTCAP = 3u;

void main() {
    const uint i = gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u + gl_GlobalInvocationID.x;
    if (i >= p.n) return;
    const float a = x[p.x_off + i];
    float r;
    if (p.op == OP_ADD) {
        r = a + y[p.y_off + i];
    } else if (p.op == OP_SILU) {
        r = a / (1.0 + exp(-a)) * y[p.y_off + i];
    } else if (p.op == OP_GELU) {
        const float u = 0.7978845608028654 * (a + 0.044715 * a * a * a);
        // tanh via exp, clamped: GLSL tanh overflows to NaN for large |u| on some drivers.
        const float e = exp(-2.0 * clamp(abs(u), 0.0, 20.0));
        const float th = sign(u) * (1.0 - e) / (1.0 + e);
        r = 0.5 * a * (1.0 + th) * y[p.y_off + i];
    } else {
        const float u = a / p.cap;
        const float e = exp(-2.0 * clamp(abs(u), 0.0, 20.0));
        r = p.cap * sign(u) * (1.0 - e) / (1.0 + e);
    }
    x[p.x_off + i] = r;
}
