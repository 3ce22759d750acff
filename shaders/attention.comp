#version 450
// Att[t][head] = softmax(Q K^T * scale, optionally soft-capped) V over the visible cache
// rows (causal, optional sliding window), flash-style: keys are taken 64 at a time with a running max and sum,
// so no scores buffer is needed and any context length works. One workgroup per
// (head, token); thread i scores key c0+i, then owns output dims i, i+64, ... (D <= 512).
// Decode's kernel; prompts take attention_prompt.comp (tiles of tokens) where the device has
// its shared memory and heads are at most 256 values, this one otherwise.
// Position j is cache row j % rows: a sliding-window layer's cache is a ring of `rows`
// rows (runtime/kv_cache.h), so a window may wrap past the last row.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 64) in;
layout(binding = 0) readonly buffer Q { float q[]; };
layout(binding = 1) readonly buffer KC { uint kc[]; };
layout(binding = 2) readonly buffer VC { uint vc[]; };
layout(binding = 3) buffer A { float att[]; };
// Split mode (split > 0, decode over a long context): workgroup z takes keys
// [start + z * split, start + (z + 1) * split) only and writes its running max, sum and
// unnormalised output to part[]; attention_merge.comp combines the pieces. More workgroups
// than heads keep a GPU busy when one token attends to thousands of keys.
layout(binding = 5) buffer Part { float part[]; };
// pos0 of this batch: positions[pos_slot] (a buffer, so that recorded commands can be reused).
layout(binding = 4) readonly buffer Pos { uint positions[]; };
layout(push_constant) uniform P {
    uint n_head, group, head_dim, kv_dim, pos_slot, window;
    float scale;
    uint rows, split;
    float softcap;  // > 0: scores become softcap * tanh(score / softcap) (Gemma 2)
} p;

shared float qs[512];
shared float red[64];
shared float sp[64];
shared uint rowbase[64];  // cache index of this chunk's key c, head kvh, dim 0

float v_at(uint idx) { return unpackHalf2x16(vc[idx >> 1])[idx & 1u]; }

// Decode attention is bound by load latency: the loops below are unrolled with their loads
// unconditional (results masked afterwards), so that a warp issues a batch of loads before
// it waits, instead of waiting on each in turn.

void main() {
    const uint pos0 = positions[p.pos_slot];
    const uint head = gl_WorkGroupID.x, t = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
    const uint D = p.head_dim, kvh = head / p.group;
    const uint pos = pos0 + t;
    const uint start = (p.window > 0u && pos + 1u > p.window) ? pos + 1u - p.window : 0u;
    const uint qbase = t * p.n_head * D + head * D;
    const uint piece = gl_WorkGroupID.z;
    const uint lo = start + piece * p.split;
    const uint hi = p.split > 0u ? min(pos, lo + p.split - 1u) : pos;
    for (uint d = tid; d < D; d += 64u) qs[d] = q[qbase + d];
    barrier();

    float M = -1e30, L = 0.0;
    float acc[8];
    for (uint k = 0u; k < 8u; ++k) acc[k] = 0.0;
    for (uint c0 = lo; c0 <= hi; c0 += 64u) {  // no iteration when this piece is past pos
        const uint j = c0 + tid;
        float s = -1e30;
        rowbase[tid] = (j % p.rows) * p.kv_dim + kvh * D;
        if (j <= hi) {
            const uint kb = rowbase[tid] >> 1;  // D and kv_dim are even
            float dot = 0.0;
            const uint words = D / 2u, whole = words - words % 8u;
            for (uint d0 = 0u; d0 < whole; d0 += 8u) {
                uint kw[8];
                [[unroll]] for (uint u = 0u; u < 8u; ++u) kw[u] = kc[kb + d0 + u];
                [[unroll]] for (uint u = 0u; u < 8u; ++u) {
                    const vec2 kk = unpackHalf2x16(kw[u]);
                    dot += qs[2u * (d0 + u)] * kk.x + qs[2u * (d0 + u) + 1u] * kk.y;
                }
            }
            for (uint d = whole; d < words; ++d) {
                const vec2 kk = unpackHalf2x16(kc[kb + d]);
                dot += qs[2u * d] * kk.x + qs[2u * d + 1u] * kk.y;
            }
            s = dot * p.scale;
            if (p.softcap > 0.0) s = p.softcap * tanh(s / p.softcap);
        }
        red[tid] = s;
        barrier();
        for (uint stride = 32u; stride > 0u; stride >>= 1) {
            if (tid < stride) red[tid] = max(red[tid], red[tid + stride]);
            barrier();
        }
        const float Mn = max(M, red[0]);
        sp[tid] = j <= hi ? exp(s - Mn) : 0.0;
        barrier();
        const float f = exp(M - Mn);
        const uint n = min(64u, hi - c0 + 1u);
        float sum = 0.0;
        [[unroll]] for (uint c = 0u; c < 64u; ++c) sum += sp[c];  // 0 past the last key
        L = L * f + sum;
        for (uint k = 0u; k < 8u; ++k) {
            const uint d = tid + 64u * k;
            if (d >= D) break;
            float a = acc[k] * f;
            // rowbase is a valid cache row for all 64 c; rows past the last key may hold
            // anything (even NaN), so their values are dropped by a select, not multiplied by 0.
            for (uint c0 = 0u; c0 < n; c0 += 16u) {
                float vv[16];
                [[unroll]] for (uint u = 0u; u < 16u; ++u) vv[u] = v_at(rowbase[c0 + u] + d);
                [[unroll]] for (uint u = 0u; u < 16u; ++u) a += c0 + u < n ? sp[c0 + u] * vv[u] : 0.0;
            }
            acc[k] = a;
        }
        M = Mn;
        barrier();  // red, sp and rowbase are rewritten by the next chunk
    }
    if (p.split == 0u) {
        for (uint k = 0u; k < 8u; ++k) {
            const uint d = tid + 64u * k;
            if (d < D) att[qbase + d] = acc[k] / L;
        }
        return;
    }
    const uint pbase = ((t * p.n_head + head) * gl_NumWorkGroups.z + piece) * (D + 2u);
    if (tid == 0u) {
        part[pbase] = M;
        part[pbase + 1u] = L;
    }
    for (uint k = 0u; k < 8u; ++k) {
        const uint d = tid + 64u * k;
        if (d < D) part[pbase + 2u + d] = acc[k];
    }
}
