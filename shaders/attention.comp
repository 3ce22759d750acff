#version 450
// Att[t][head] = softmax(Q K^T * scale, optionally soft-capped) V over the visible cache
// rows (causal, optional sliding window), flash-style: keys are taken 64 at a time with a running
// max and sum, so no scores buffer is needed and any context length works. One workgroup per
// (head, token). Decode's kernel; prompts take attention_prompt.comp (tiles of tokens) where the
// device has its shared memory and heads are at most 256 values, this one otherwise.
// Position j is cache row j % rows: a sliding-window layer's cache is a ring of `rows`
// rows (runtime/kv_cache.h), so a window may wrap past the last row.
//
// Decode attention is bound by the latency of its loads, not by bandwidth: a token reads a few
// KiB of cache per head. So each chunk is laid out for loads in flight, not for fewer threads:
// - scores: 4 invocations per key, each taking every 4th word of the head (8 words for heads of
//   64 values: one batch of loads), summed in shared memory;
// - output: each invocation owns one word (2 values) of the head for a group of the chunk's keys
//   (8 keys for heads of 64 values: again one batch), the groups summed once at the end.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 256) in;
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

const uint WG = 256u, CHUNK = 64u, LANES_PER_KEY = WG / CHUNK;
shared float qs[512];           // the head's query (head_dim <= 512)
shared float partial[WG];       // a score's 4 shares, then the output groups' sums (below)
shared float sp[CHUNK];         // the chunk's scores, then their weights exp(s - M)
shared uint rowbase[CHUNK];     // word index of key c's head in the cache
shared float out_sum[2u * WG];  // output: [group][value], groups x head_dim <= 2 x 256

void main() {
    const uint pos0 = positions[p.pos_slot];
    const uint head = gl_WorkGroupID.x, t = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
    const uint D = p.head_dim, W = D / 2u, kvh = head / p.group;  // W: words (value pairs) per head
    const uint pos = pos0 + t;
    const uint start = (p.window > 0u && pos + 1u > p.window) ? pos + 1u - p.window : 0u;
    const uint qbase = t * p.n_head * D + head * D;
    const uint piece = gl_WorkGroupID.z;
    const uint lo = start + piece * p.split;
    const uint hi = p.split > 0u ? min(pos, lo + p.split - 1u) : pos;
    for (uint d = tid; d < D; d += WG) qs[d] = q[qbase + d];

    // Scoring: key sc_key of the chunk, words sc_lane, sc_lane + 4, ...
    const uint sc_key = tid / LANES_PER_KEY, sc_lane = tid % LANES_PER_KEY;
    // Output: word ow for keys og, og + groups, ... (invocations past groups * W idle here).
    const uint groups = min(WG / W, CHUNK), ow = tid % W, og = tid / W;

    float M = -1e30, L = 0.0;
    vec2 acc = vec2(0.0);
    barrier();
    for (uint c0 = lo; c0 <= hi; c0 += CHUNK) {  // no iteration when this piece is past pos
        const uint n = min(CHUNK, hi - c0 + 1u);  // keys in this chunk
        const uint kb = (((c0 + sc_key) % p.rows) * p.kv_dim + kvh * D) / 2u;  // D and kv_dim are even
        float dot = 0.0;
        if (sc_key < n) {
            // Loads issued 8 at a time, unconditionally (a word past the head reads the head's
            // first word again and is dropped), so that a batch is in flight before any is used.
            for (uint w0 = sc_lane; w0 < W; w0 += 8u * LANES_PER_KEY) {
                uint kw[8];
                [[unroll]] for (uint u = 0u; u < 8u; ++u) {
                    const uint w = w0 + u * LANES_PER_KEY;
                    kw[u] = kc[kb + (w < W ? w : 0u)];
                }
                [[unroll]] for (uint u = 0u; u < 8u; ++u) {
                    const uint w = w0 + u * LANES_PER_KEY;
                    const vec2 kk = unpackHalf2x16(kw[u]);
                    dot += w < W ? qs[2u * w] * kk.x + qs[2u * w + 1u] * kk.y : 0.0;
                }
            }
        }
        partial[tid] = dot;
        if (sc_lane == 0u) rowbase[sc_key] = kb;
        barrier();
        if (tid < CHUNK) {
            float s = -1e30;
            if (tid < n) {
                s = (partial[4u * tid] + partial[4u * tid + 1u] + partial[4u * tid + 2u] + partial[4u * tid + 3u]) *
                    p.scale;
                if (p.softcap > 0.0) s = p.softcap * tanh(s / p.softcap);
            }
            sp[tid] = s;
        }
        barrier();
        // Unrolled over the whole chunk (scores past n are -1e30, weights 0) so that the
        // shared-memory reads are issued back to back rather than one per loop trip.
        float Mn = M;
        [[unroll]] for (uint c = 0u; c < CHUNK; ++c) Mn = max(Mn, sp[c]);
        barrier();  // every invocation has read the scores
        if (tid < CHUNK) sp[tid] = tid < n ? exp(sp[tid] - Mn) : 0.0;
        barrier();
        const float f = exp(M - Mn);
        float sum = 0.0;
        [[unroll]] for (uint c = 0u; c < CHUNK; ++c) sum += sp[c];
        L = L * f + sum;
        M = Mn;
        acc *= f;
        if (og < groups) {
            // Rows past the chunk's last key are read again from its first (rowbase[0]) and
            // dropped by a select: their values could be anything, even NaN.
            for (uint c1 = og; c1 < n; c1 += 8u * groups) {
                uint vw[8];
                [[unroll]] for (uint u = 0u; u < 8u; ++u) {
                    const uint c = c1 + u * groups;
                    vw[u] = vc[rowbase[c < n ? c : 0u] + ow];
                }
                [[unroll]] for (uint u = 0u; u < 8u; ++u) {
                    const uint c = c1 + u * groups;
                    acc += c < n ? sp[c] * unpackHalf2x16(vw[u]) : vec2(0.0);
                }
            }
        }
        barrier();  // partial, sp and rowbase are rewritten by the next chunk
    }
    // The output groups' sums.
    if (og < groups) {
        out_sum[og * D + 2u * ow] = acc.x;
        out_sum[og * D + 2u * ow + 1u] = acc.y;
    }
    barrier();
    for (uint d = tid; d < D; d += WG) {
        float o = 0.0;
        for (uint g = 0u; g < groups; ++g) o += out_sum[g * D + d];
        if (p.split == 0u) {
            att[qbase + d] = o / L;
        } else {
            const uint pbase = ((t * p.n_head + head) * gl_NumWorkGroups.z + piece) * (D + 2u);
            part[pbase + 2u + d] = o;
            if (d == 0u) {
                part[pbase] = M;
                part[pbase + 1u] = L;
            }
        }
    }
}
