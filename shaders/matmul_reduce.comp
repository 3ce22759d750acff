#version 450
// Split-K's second step (vk_split_k.h): adds up the partial sums that the slices of K wrote,
// Part[z][t][r], in slice order, and applies the product's epilogue as matmul.comp would:
// Y[t][col0 + r] (+)= scale * (sum + bias). One invocation per output; 2-D grid as eltwise.comp.
layout(local_size_x = 256) in;
layout(binding = 0) readonly buffer Part { float part[]; };
layout(binding = 1) buffer Y { float y[]; };
layout(binding = 2) readonly buffer B { float bias[]; };  // bias[col0 + r] when has_bias
layout(push_constant) uniform P {
    uint n_splits, split_stride, n_rows, n_tokens;
    uint y_off, y_stride, y_col0, accumulate, has_bias;
    float scale;
} p;

void main() {
    const uint i = gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u + gl_GlobalInvocationID.x;
    if (i >= p.n_rows * p.n_tokens) return;
    const uint t = i / p.n_rows, r = i % p.n_rows;
    float sum = 0.0;
    for (uint z = 0u; z < p.n_splits; ++z) sum += part[z * p.split_stride + i];
    const uint o = p.y_off + t * p.y_stride + p.y_col0 + r;
    const float v = p.scale * (sum + (p.has_bias != 0u ? bias[p.y_col0 + r] : 0.0));
    y[o] = p.accumulate != 0u ? y[o] + v : v;
}
