#version 450
// Prompt attention: the same result as attention.comp (causal, optional sliding window and
// soft-capping, F16 cache, online softmax), but a workgroup takes BQ consecutive tokens of one
// head, so that each chunk of keys and values is read from the cache once per BQ queries
// instead of once per query. attention.comp stays for decode, where one token meets the keys.
//
// BQ = 16 tokens for heads of up to 128 values, 8 up to 256 (push constant bq): the tile's Q
// (bq x D floats) and a chunk of 32 keys or values (32 x D halves) then fit 27 KiB of shared
// memory. Per chunk: all 256 invocations load the keys; each scores bq * 32 / 256 (query, key)
// pairs; the values replace the keys; then each invocation updates its query's running max and
// sum and D * bq / 256 <= 8 of its output values. Position j is cache row j % rows (a sliding
// window layer's ring, runtime/kv_cache.h).
layout(local_size_x = 256) in;
layout(binding = 0) readonly buffer Q { float q[]; };
layout(binding = 1) readonly buffer KC { uint kc[]; };
layout(binding = 2) readonly buffer VC { uint vc[]; };
layout(binding = 3) writeonly buffer A { float att[]; };
layout(binding = 4) readonly buffer Pos { uint positions[]; };  // pos0 of this batch at pos_slot
layout(push_constant) uniform P {
    uint n_head, group, head_dim, kv_dim, pos_slot, window;
    float scale;
    uint rows, n_tokens, bq;
    float softcap;  // > 0: scores become softcap * tanh(score / softcap) (Gemma 2)
} p;

const uint BKV = 32u;
const float MASKED = -1e30;
shared float qs[2048];         // [query][d], bq x D
// [key][d / 2]: a chunk's keys, then its values, as F16 pairs. A key's row is one word longer
// than its values (stride words + 1), so that the 32 lanes scoring 32 keys read 32 banks.
shared uint kv[BKV * 129u];
shared float sc[512];          // [query][key] scores of the chunk, MASKED where not visible

// First position token `pos` sees (0 without a window).
uint first_visible(uint pos) { return (p.window > 0u && pos + 1u > p.window) ? pos + 1u - p.window : 0u; }

void load_chunk(uint c0, uint hi, uint kvh, bool values) {
    const uint D = p.head_dim, words = D / 2u, stride = words + 1u;
    for (uint e = gl_LocalInvocationID.x; e < BKV * words; e += 256u) {
        const uint j = c0 + e / words, w = e % words;
        // Rows past the tile's last key may hold anything (even NaN): zeros instead.
        uint v = 0u;
        if (j <= hi) {
            const uint idx = ((j % p.rows) * p.kv_dim + kvh * D) / 2u + w;  // D and kv_dim are even
            v = values ? vc[idx] : kc[idx];
        }
        kv[(e / words) * stride + w] = v;
    }
}

void main() {
    const uint D = p.head_dim, words = D / 2u, stride = words + 1u, bq = p.bq;
    const uint tpq = 256u / bq;  // invocations per query
    const uint head = gl_WorkGroupID.x, kvh = head / p.group, t0 = gl_WorkGroupID.y * bq;
    const uint tid = gl_LocalInvocationID.x;
    const uint pos0 = positions[p.pos_slot];
    const uint n_q = min(bq, p.n_tokens - t0);  // queries of this tile
    const uint lo = first_visible(pos0 + t0), hi = pos0 + t0 + n_q - 1u;

    for (uint e = tid; e < bq * D; e += 256u) {
        const uint qi = e / D, d = e % D;
        qs[e] = qi < n_q ? q[(t0 + qi) * p.n_head * D + head * D + d] : 0.0;
    }

    // This invocation's query and output values (d = lane + tpq * k).
    const uint my_q = tid / tpq, lane = tid % tpq;
    const uint my_pos = pos0 + t0 + my_q, my_first = first_visible(my_pos);
    float M = MASKED, L = 0.0;
    float acc[8];
    for (uint k = 0u; k < 8u; ++k) acc[k] = 0.0;

    for (uint c0 = lo - lo % BKV; c0 <= hi; c0 += BKV) {
        load_chunk(c0, hi, kvh, false);
        barrier();  // also: qs loaded (first chunk)
        for (uint e = tid; e < bq * BKV; e += 256u) {
            const uint qi = e / BKV, j = e % BKV, kp = c0 + j, pos = pos0 + t0 + qi;
            float s = MASKED;
            if (qi < n_q && kp <= pos && kp >= first_visible(pos)) {
                float dot = 0.0;
                for (uint w = 0u; w < words; ++w) {
                    const vec2 kk = unpackHalf2x16(kv[j * stride + w]);
                    dot += qs[qi * D + 2u * w] * kk.x + qs[qi * D + 2u * w + 1u] * kk.y;
                }
                s = dot * p.scale;
                if (p.softcap > 0.0) s = p.softcap * tanh(s / p.softcap);
            }
            sc[e] = s;
        }
        barrier();  // scores done, keys no longer read
        load_chunk(c0, hi, kvh, true);
        barrier();

        float cmax = MASKED;
        for (uint j = 0u; j < BKV; ++j) cmax = max(cmax, sc[my_q * BKV + j]);
        if (cmax > MASKED) {  // some key of this chunk is visible to this query
            const float Mn = max(M, cmax), f = exp(M - Mn);
            float pj[BKV];
            float sum = 0.0;
            for (uint j = 0u; j < BKV; ++j) {
                const float s = sc[my_q * BKV + j];
                pj[j] = s > MASKED ? exp(s - Mn) : 0.0;
                sum += pj[j];
            }
            L = L * f + sum;
            for (uint k = 0u; k < 8u; ++k) {
                const uint d = lane + tpq * k;
                if (d >= D) break;
                float a = acc[k] * f;
                for (uint j = 0u; j < BKV; ++j) a += pj[j] * unpackHalf2x16(kv[j * stride + d / 2u])[d & 1u];
                acc[k] = a;
            }
            M = Mn;
        }
        barrier();  // kv and sc are rewritten by the next chunk
    }
    if (my_q >= n_q) return;
    const uint obase = (t0 + my_q) * p.n_head * D + head * D;
    for (uint k = 0u; k < 8u; ++k) {
        const uint d = lane + tpq * k;
        if (d < D) att[obase + d] = acc[k] / L;
    }
}
