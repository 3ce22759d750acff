#version 450
// x[t][i] += b[i] for every token row.
layout(local_size_x = 256) in;
layout(binding = 0) buffer Xb { float x[]; };
layout(binding = 1) readonly buffer B { float b[]; };
layout(push_constant) uniform P { uint n, total; } p;

void main() {
    const uint i = gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u + gl_GlobalInvocationID.x;
    if (i < p.total) x[i] += b[i % p.n];
}
