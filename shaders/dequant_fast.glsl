// Word-at-a-time dequantization of the most used weight types (included after dequant.glsl,
// whose dq32 stays the reference path for every type). dq32 reads one byte per 32-bit load;
// these read whole words and split them, which is what makes decode memory-bound rather
// than load-bound on a GPU. Blocks are not 4-byte aligned (Q8_0 is 34 bytes, Q6_K 210), so
// words are assembled from two aligned loads with a funnel shift.

// The 32-bit word that starts at byte b of the weights, any alignment.
uint wword(uint b) {
    const uint i = b >> 2u, sh = (b & 3u) * 8u;
    const uint last = uint(wdata.length()) - 1u;
    // (x << (31 - sh)) << 1 is x << (32 - sh) without the undefined shift by 32 when sh = 0.
    return (wdata[i] >> sh) | ((wdata[min(i + 1u, last)] << (31u - sh)) << 1u);
}

// N consecutive words from byte b: N + 1 aligned loads.
void wwords4(uint b, out uint w[4]) {
    const uint i = b >> 2u, sh = (b & 3u) * 8u, last = uint(wdata.length()) - 1u;
    uint prev = wdata[i];
    for (uint k = 0u; k < 4u; ++k) {
        const uint next = wdata[min(i + k + 1u, last)];
        w[k] = (prev >> sh) | ((next << (31u - sh)) << 1u);
        prev = next;
    }
}

void wwords8(uint b, out uint w[8]) {
    const uint i = b >> 2u, sh = (b & 3u) * 8u, last = uint(wdata.length()) - 1u;
    uint prev = wdata[i];
    for (uint k = 0u; k < 8u; ++k) {
        const uint next = wdata[min(i + k + 1u, last)];
        w[k] = (prev >> sh) | ((next << (31u - sh)) << 1u);
        prev = next;
    }
}

float byte_i8(uint word, uint j) { return float(bitfieldExtract(int(word), int(8u * j), 8)); }
float nib(uint word, uint shift) { return float((word >> shift) & 0xFu); }

// The types this file covers.
bool has_fast_path(uint type) {
    return type == T_Q8_0 || type == T_Q4_0 || type == T_Q4_1 || type == T_Q5_0 || type == T_Q5_1 || type == T_Q4_K ||
           type == T_Q6_K || type == T_F16;
}

// The 32 weights of sub-block s of the row at byte `row`, for a type has_fast_path covers
// (F16 past the row's end: whatever follows, the caller masks it).
void dq32_fast(uint type, uint row, uint s, out float v[32]) {
    if (type == T_Q8_0) {
        const uint blk = row + s * 34u;
        const float d = whalf(blk);
        uint q[8];
        wwords8(blk + 2u, q);
        for (uint k = 0u; k < 8u; ++k)
            for (uint j = 0u; j < 4u; ++j) v[4u * k + j] = d * byte_i8(q[k], j);
        return;
    }
    if (type == T_Q4_0 || type == T_Q4_1) {
        const bool has_min = type == T_Q4_1;
        const uint blk = row + s * (has_min ? 20u : 18u);
        const uint h = wword(blk);
        const float d = unpackHalf2x16(h).x;
        const float m = has_min ? unpackHalf2x16(h).y : -8.0 * d;
        uint q[4];
        wwords4(blk + (has_min ? 4u : 2u), q);
        for (uint k = 0u; k < 4u; ++k)
            for (uint j = 0u; j < 4u; ++j) {
                v[4u * k + j] = d * nib(q[k], 8u * j) + m;
                v[16u + 4u * k + j] = d * nib(q[k], 8u * j + 4u) + m;
            }
        return;
    }
    if (type == T_Q5_0 || type == T_Q5_1) {
        const bool has_min = type == T_Q5_1;
        const uint blk = row + s * (has_min ? 24u : 22u);
        const uint h = wword(blk);
        const float d = unpackHalf2x16(h).x;
        const float m = has_min ? unpackHalf2x16(h).y : -16.0 * d;
        const uint o = has_min ? 4u : 2u;
        const uint qh = wword(blk + o);
        uint q[4];
        wwords4(blk + o + 4u, q);
        for (uint k = 0u; k < 4u; ++k)
            for (uint j = 0u; j < 4u; ++j) {
                const uint e = 4u * k + j;
                v[e] = d * float(((q[k] >> (8u * j)) & 0xFu) | (((qh >> e) & 1u) << 4)) + m;
                v[16u + e] = d * float(((q[k] >> (8u * j + 4u)) & 0xFu) | (((qh >> (e + 16u)) & 1u) << 4)) + m;
            }
        return;
    }
    if (type == T_Q4_K) {
        const uint blk = row + (s >> 3) * 144u, sb = s & 7u;
        float sc, mn;
        scale_min_k4(blk + 4u, sb, sc, mn);
        const vec2 dm = unpackHalf2x16(wword(blk));
        const float d = dm.x * sc, m = dm.y * mn;
        const uint shift = (sb & 1u) * 4u;
        uint q[8];
        wwords8(blk + 16u + 32u * (sb >> 1), q);
        for (uint k = 0u; k < 8u; ++k)
            for (uint j = 0u; j < 4u; ++j) v[4u * k + j] = d * nib(q[k], 8u * j + shift) - m;
        return;
    }
    if (type == T_Q6_K) {
        const uint blk = row + (s >> 3) * 210u, sb = s & 7u;
        const uint h = sb >> 2, qq = sb & 3u;
        const uint ql_shift = (qq >> 1) * 4u, qh_shift = 2u * qq;
        const uint scales = wword(blk + 192u + 8u * h + 2u * qq);
        const float d = whalf(blk + 208u);
        const float d0 = d * byte_i8(scales, 0u), d1 = d * byte_i8(scales, 1u);
        uint ql[8], qh[8];
        wwords8(blk + 64u * h + (qq & 1u) * 32u, ql);
        wwords8(blk + 128u + 32u * h, qh);
        for (uint k = 0u; k < 8u; ++k)
            for (uint j = 0u; j < 4u; ++j) {
                const int q = int(((ql[k] >> (8u * j + ql_shift)) & 0xFu) | (((qh[k] >> (8u * j + qh_shift)) & 3u) << 4)) - 32;
                v[4u * k + j] = (k < 4u ? d0 : d1) * float(q);
            }
        return;
    }
    if (type == T_F16) {
        uint q[8];
        for (uint half_ = 0u; half_ < 2u; ++half_) {
            wwords8(row + s * 64u + 32u * half_, q);
            for (uint k = 0u; k < 8u; ++k) {
                const vec2 f = unpackHalf2x16(q[k]);
                v[16u * half_ + 2u * k] = f.x;
                v[16u * half_ + 2u * k + 1u] = f.y;
            }
        }
        return;
    }
    for (uint i = 0u; i < 32u; ++i) v[i] = 0.0;  // not reached: see has_fast_path
}

// Any type, full or partial sub-block (only plain types have partial ones: quantized rows are
// whole blocks). The type is a specialization constant, so each pipeline compiles one of
// the two paths. Keeping dq32 out of the fast types' pipelines matters: its loops are too
// long to unroll, and an array written in a loop that is not unrolled is kept in memory by
// some compilers (llvmpipe's), which made decode there several times slower.
void dq32_any(uint type, uint row, uint s, uint n_valid, out float v[32]) {
    if (!has_fast_path(type)) {
        dq32(type, row, s, n_valid, v);
        return;
    }
    dq32_fast(type, row, s, v);
    for (uint i = 0u; i < 32u; ++i)
        if (i >= n_valid) v[i] = 0.0;
}
