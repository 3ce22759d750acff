#version 450
// out[r] (+)= in[r] / rms(in[r]) * w, one workgroup per row (a row may be one head); with
// accumulate, added to out (a post-norm block's residual). in and out may be the same buffer
// (without accumulate): every value is read before the barrier that precedes the writes.
// 256 invocations so that a decode row (one token, 896-4096 values) takes each only a few
// loads: the loop's loads are issued one after another, so fewer iterations = less latency.
layout(local_size_x = 256) in;
layout(binding = 0) readonly buffer I { float xin[]; };
layout(binding = 1) readonly buffer Wt { float w[]; };
layout(binding = 2) buffer O { float xo[]; };
layout(push_constant) uniform P { uint n, in_off, out_off; float eps; uint accumulate; } p;
shared float red[256];

void main() {
    const uint r = gl_WorkGroupID.x, tid = gl_LocalInvocationID.x;
    const uint in_base = p.in_off + r * p.n, out_base = p.out_off + r * p.n;
    float ss = 0.0;
    for (uint i = tid; i < p.n; i += 256u) ss += xin[in_base + i] * xin[in_base + i];
    red[tid] = ss;
    barrier();
    for (uint stride = 128u; stride > 0u; stride >>= 1) {
        if (tid < stride) red[tid] += red[tid + stride];
        barrier();
    }
    const float scale = 1.0 / sqrt(red[0] / float(p.n) + p.eps);
    for (uint i = tid; i < p.n; i += 256u) {
        const float v = xin[in_base + i] * scale * w[i];
        xo[out_base + i] = p.accumulate != 0u ? xo[out_base + i] + v : v;
    }
}
