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
// pos0 of this batch: positions[pos_slot] (a buffer, so that recorded commands can be reused).
layout(binding = 4) readonly buffer Pos { uint positions[]; };
// Split mode (a grid of several pieces in z; decode over a long context): piece z takes its
// share of the keys, writes its running max, sum and unnormalised output to part[], and counts
// itself in done[] for its (token, head); the piece that counts last merges them all into Att
// and sets the count back to 0. More workgroups than heads keep a GPU busy when one token
// attends to thousands of keys, without a merge dispatch (and its barrier) after them. The
// share is worked out here from the batch's last position, so that one recorded command buffer
// serves every decode step.
layout(binding = 5) coherent buffer Part { float part[]; };
layout(binding = 6) coherent buffer Done { uint done[]; };
layout(push_constant) uniform P {
    uint n_head, group, head_dim, kv_dim, pos_slot, window;
    float scale;
    uint rows;
    float softcap;  // > 0: scores become softcap * tanh(score / softcap) (Gemma 2)
} p;

const uint WG = 256u, CHUNK = 64u, LANES_PER_KEY = WG / CHUNK;
shared float qs[512];           // the head's query (head_dim <= 512)
shared float partial[WG];       // the 4 shares of each key's score
shared float sp[CHUNK];         // the chunk's scores
shared float pw[CHUNK];         // their weights exp(s - M), M the running max
shared float chunk_max, chunk_scale, weight_sum;  // from invocation 0 to all
shared uint rowbase[CHUNK];     // word index of key c's head in the cache
shared float out_sum[2u * WG];  // output: [group][value], groups x head_dim <= 2 x 256
shared bool merges;             // split mode: this piece was the last of its (token, head)

// Keys per piece in split mode: the last token's visible keys shared out in whole chunks.
uint piece_keys(uint pos0) {
    const uint pos_last = pos0 + gl_NumWorkGroups.y - 1u;
    const uint start_last = (p.window > 0u && pos_last + 1u > p.window) ? pos_last + 1u - p.window : 0u;
    const uint per_piece = (pos_last - start_last + gl_NumWorkGroups.z) / gl_NumWorkGroups.z;
    return (per_piece + CHUNK - 1u) / CHUNK * CHUNK;
}

// Split mode, the last piece: the softmax over all keys is sum_i o_i e^(M_i - M) / sum_i L_i e^(M_i - M),
// M = max_i M_i. A piece that saw no key has M = -1e30 and L = 0 and adds nothing.
void merge_pieces(uint base, uint qbase) {
    const uint D = p.head_dim, stride = D + 2u, n = gl_NumWorkGroups.z;
    float M = -1e30;
    for (uint i = 0u; i < n; ++i) M = max(M, part[base + i * stride]);
    float L = 0.0;
    for (uint i = 0u; i < n; ++i) L += part[base + i * stride + 1u] * exp(part[base + i * stride] - M);
    for (uint d = gl_LocalInvocationID.x; d < D; d += WG) {
        float o = 0.0;
        for (uint i = 0u; i < n; ++i) o += part[base + i * stride + 2u + d] * exp(part[base + i * stride] - M);
        att[qbase + d] = o / L;
    }
}

void main() {
    const uint pos0 = positions[p.pos_slot];
    const uint head = gl_WorkGroupID.x, t = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
    const uint D = p.head_dim, W = D / 2u, kvh = head / p.group;  // W: words (value pairs) per head
    const uint pos = pos0 + t;
    const uint start = (p.window > 0u && pos + 1u > p.window) ? pos + 1u - p.window : 0u;
    const uint qbase = t * p.n_head * D + head * D;
    const uint piece = gl_WorkGroupID.z;
    const bool split = gl_NumWorkGroups.z > 1u;
    const uint keys = split ? piece_keys(pos0) : 0u;
    const uint lo = start + piece * keys;
    const uint hi = split ? min(pos, lo + keys - 1u) : pos;
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
        // The first CHUNK invocations find the new running max (each the same, from the same
        // reads: no further barrier) and their key's weight; the others wait at the barrier.
        // Unrolled over the whole chunk (scores past n are -1e30) so that the shared reads are
        // issued back to back.
        if (tid < CHUNK) {
            float Mn = M;
            [[unroll]] for (uint c = 0u; c < CHUNK; ++c) Mn = max(Mn, sp[c]);
            pw[tid] = tid < n ? exp(sp[tid] - Mn) : 0.0;
            if (tid == 0u) {
                chunk_max = Mn;
                chunk_scale = exp(M - Mn);
            }
        }
        barrier();
        const float f = chunk_scale;
        M = chunk_max;
        acc *= f;
        if (tid == 0u) {  // the running sum of the weights, kept by invocation 0
            float sum = 0.0;
            [[unroll]] for (uint c = 0u; c < CHUNK; ++c) sum += pw[c];
            L = L * f + sum;
        }
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
                    acc += c < n ? pw[c] * unpackHalf2x16(vw[u]) : vec2(0.0);
                }
            }
        }
        barrier();  // partial, sp, pw and rowbase are rewritten by the next chunk
    }
    // The output groups' sums, and the weights' sum for every invocation.
    if (tid == 0u) weight_sum = L;
    if (og < groups) {
        out_sum[og * D + 2u * ow] = acc.x;
        out_sum[og * D + 2u * ow + 1u] = acc.y;
    }
    barrier();
    L = weight_sum;
    const uint base = (t * p.n_head + head) * gl_NumWorkGroups.z * (D + 2u), pbase = base + piece * (D + 2u);
    for (uint d = tid; d < D; d += WG) {
        float o = 0.0;
        for (uint g = 0u; g < groups; ++g) o += out_sum[g * D + d];
        if (!split) {
            att[qbase + d] = o / L;
        } else {
            part[pbase + 2u + d] = o;
            if (d == 0u) {
                part[pbase] = M;
                part[pbase + 1u] = L;
            }
        }
    }
    if (!split) return;
    // This piece's part is written and made visible before it counts itself; the piece that
    // counts last sees every other part.
    memoryBarrierBuffer();
    barrier();
    if (tid == 0u) {
        const uint idx = t * p.n_head + head;
        merges = atomicAdd(done[idx], 1u) == gl_NumWorkGroups.z - 1u;
        if (merges) atomicExchange(done[idx], 0u);  // ready for the next dispatch: every piece has counted
    }
    barrier();
    if (!merges) return;
    memoryBarrierBuffer();
    merge_pieces(base, qbase);
}
