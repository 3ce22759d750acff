// Reading GGUF weight bytes inside shaders. The including shader declares
//   layout(binding = 0) readonly buffer W { uint wdata[]; };
// Weights are the raw GGUF bytes uploaded into a uint[] buffer and addressed by byte,
// because GGUF blocks (18, 34, 210 bytes) are not 4-byte aligned and 8/16-bit storage
// is optional in Vulkan: plain 32-bit loads work on every device. Blocks are read a word at
// a time, each word assembled from two aligned loads with a funnel shift.
// Block layouts are ggml's, as documented (and checked against the reference) in
// inference/quant/quant_internal.h, quant_scalar_legacy.cpp and quant_scalar_k.cpp.

// The ggml type ids (inference/gguf/ggml_type.h).
const uint T_F32 = 0u, T_F16 = 1u, T_Q4_0 = 2u, T_Q4_1 = 3u, T_Q5_0 = 6u, T_Q5_1 = 7u, T_Q8_0 = 8u;
const uint T_Q2_K = 10u, T_Q3_K = 11u, T_Q4_K = 12u, T_Q5_K = 13u, T_Q6_K = 14u;
const uint T_IQ4_NL = 20u, T_IQ4_XS = 23u, T_BF16 = 30u;

// The non-linear 4-bit codebook of IQ4_NL and IQ4_XS (kIQ4NLValues on the CPU).
const float kIQ4NL[16] = float[16](-127.0, -104.0, -83.0, -65.0, -49.0, -35.0, -22.0, -10.0,
                                   1.0, 13.0, 25.0, 38.0, 53.0, 69.0, 89.0, 113.0);

uint wbyte(uint b) { return (wdata[b >> 2] >> ((b & 3u) << 3)) & 0xFFu; }
// b must be even (every half in a GGUF block is).
uint wu16(uint b) { return (wdata[b >> 2] >> ((b & 2u) << 3)) & 0xFFFFu; }
float whalf(uint b) { return unpackHalf2x16(wu16(b)).x; }

// Q4_K packs 8 six-bit scales and 8 six-bit mins in 12 bytes (ggml's get_scale_min_k4).
void scale_min_k4(uint q, uint j, out float sc, out float m) {
    if (j < 4u) {
        sc = float(wbyte(q + j) & 63u);
        m = float(wbyte(q + j + 4u) & 63u);
    } else {
        sc = float((wbyte(q + j + 4u) & 0xFu) | ((wbyte(q + j - 4u) >> 6) << 4));
        m = float((wbyte(q + j + 4u) >> 4) | ((wbyte(q + j) >> 6) << 4));
    }
}

// Q3_K packs 16 six-bit scales (stored +32) in 12 bytes: low nibbles in bytes 0-7 (scale
// i >= 8 in the high nibble of byte i-8), top 2 bits of scale i at bit 2*(i/4) of byte 8+i%4.
float scale_q3k(uint q, uint i) {
    const uint low = i < 8u ? (wbyte(q + i) & 0xFu) : (wbyte(q + i - 8u) >> 4);
    const uint high = (wbyte(q + 8u + (i & 3u)) >> (2u * (i >> 2))) & 3u;
    return float(int(low | (high << 4)) - 32);
}

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

// The 32 weights of sub-block s (elements 32s .. 32s+31) of the row starting at byte `row`,
// read a word at a time: that is what makes decode memory-bound rather than load-bound on a
// GPU. n_valid (plain types only) clips the last sub-block of rows whose length is not a
// multiple of 32 (quantized rows always are): the values past it are zero.
// The matrix shaders pass a specialization constant as `type`, so each of their pipelines
// compiles one branch. The loops have constant bounds and unroll, so that v stays in
// registers: an array indexed in a loop that is not unrolled is kept in memory by some
// compilers (llvmpipe's, where that made decode ten times slower).
void dq32(uint type, uint row, uint s, uint n_valid, out float v[32]) {
    if (type == T_F32) {
        const uint i = (row + s * 128u) >> 2, last = uint(wdata.length()) - 1u;  // F32 rows are 4-aligned
        for (uint k = 0u; k < 32u; ++k) v[k] = uintBitsToFloat(wdata[min(i + k, last)]);
    } else if (type == T_F16 || type == T_BF16) {
        uint q[8];
        for (uint half_ = 0u; half_ < 2u; ++half_) {
            wwords8(row + s * 64u + 32u * half_, q);
            for (uint k = 0u; k < 8u; ++k) {
                // bfloat16 is the top half of an fp32.
                const vec2 f = type == T_F16 ? unpackHalf2x16(q[k])
                                             : vec2(uintBitsToFloat(q[k] << 16), uintBitsToFloat(q[k] & 0xFFFF0000u));
                v[16u * half_ + 2u * k] = f.x;
                v[16u * half_ + 2u * k + 1u] = f.y;
            }
        }
    } else if (type == T_Q8_0) {
        const uint blk = row + s * 34u;
        const float d = whalf(blk);
        uint q[8];
        wwords8(blk + 2u, q);
        for (uint k = 0u; k < 8u; ++k)
            for (uint j = 0u; j < 4u; ++j) v[4u * k + j] = d * byte_i8(q[k], j);
    } else if (type == T_Q4_0 || type == T_Q4_1 || type == T_IQ4_NL) {
        // d (and Q4_1's m), then 16 bytes: element j in the low nibble of byte j, j + 16 in the
        // high one. Q4_0: (q - 8) d; Q4_1: q d + m; IQ4_NL: d times the codebook's entry q.
        const bool has_min = type == T_Q4_1;
        const uint blk = row + s * (has_min ? 20u : 18u);
        const uint h = wword(blk);
        const float d = unpackHalf2x16(h).x;
        const float m = has_min ? unpackHalf2x16(h).y : -8.0 * d;
        uint q[4];
        wwords4(blk + (has_min ? 4u : 2u), q);
        for (uint k = 0u; k < 4u; ++k)
            for (uint j = 0u; j < 4u; ++j) {
                const uint lo = (q[k] >> (8u * j)) & 0xFu, hi = (q[k] >> (8u * j + 4u)) & 0xFu;
                if (type == T_IQ4_NL) {
                    v[4u * k + j] = d * kIQ4NL[lo];
                    v[16u + 4u * k + j] = d * kIQ4NL[hi];
                } else {
                    v[4u * k + j] = d * float(lo) + m;
                    v[16u + 4u * k + j] = d * float(hi) + m;
                }
            }
    } else if (type == T_Q5_0 || type == T_Q5_1) {
        // Q4_0/Q4_1 plus qh: bit j is element j's 5th bit. Q5_0: (q - 16) d; Q5_1: q d + m.
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
    } else if (type == T_Q4_K || type == T_Q5_K) {
        // d, dmin, 12 bytes of 6-bit scales and mins, (Q5_K: qh[32], the 5th bit of element
        // 32 sb + l is bit sb of qh[l]), then nibbles: sub-blocks 2i and 2i + 1 share 32 bytes
        // (low and high nibbles).
        const bool q5 = type == T_Q5_K;
        const uint blk = row + (s >> 3) * (q5 ? 176u : 144u), sb = s & 7u;
        float sc, mn;
        scale_min_k4(blk + 4u, sb, sc, mn);
        const vec2 dm = unpackHalf2x16(wword(blk));
        const float d = dm.x * sc, m = dm.y * mn;
        const uint shift = (sb & 1u) * 4u;
        uint q[8], qh[8];
        wwords8(blk + (q5 ? 48u : 16u) + 32u * (sb >> 1), q);
        if (q5) wwords8(blk + 16u, qh);
        for (uint k = 0u; k < 8u; ++k)
            for (uint j = 0u; j < 4u; ++j) {
                const uint hi = q5 ? ((qh[k] >> (8u * j + sb)) & 1u) << 4 : 0u;
                v[4u * k + j] = d * float(((q[k] >> (8u * j + shift)) & 0xFu) | hi) - m;
            }
    } else if (type == T_Q6_K) {
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
    } else if (type == T_Q2_K) {
        // scales[16] (scale low nibble, min high nibble, per 16 values), qs[64], d, dmin.
        // Element 32j + l of each 128-half sits in bits 2j..2j+1 of qs byte l of that half.
        const uint blk = row + (s >> 3) * 84u, sb = s & 7u;
        const vec2 dd = unpackHalf2x16(wword(blk + 80u));
        const uint sc2 = wword(blk + 2u * sb), shift = 2u * (sb & 3u);
        uint q[8];
        wwords8(blk + 16u + 32u * (sb >> 2), q);
        for (uint k = 0u; k < 8u; ++k) {
            const uint sc = (sc2 >> (k < 4u ? 0u : 8u)) & 0xFFu;
            const float d = dd.x * float(sc & 0xFu), m = dd.y * float(sc >> 4);
            for (uint j = 0u; j < 4u; ++j) v[4u * k + j] = d * float((q[k] >> (8u * j + shift)) & 3u) - m;
        }
    } else if (type == T_Q3_K) {
        // hmask[32], qs[64] (low 2 bits as Q2_K), scales[12], d. The high bit of element
        // 32 sb + l is bit sb of hmask[l]; when it is clear, 4 is subtracted.
        const uint blk = row + (s >> 3) * 110u, sb = s & 7u, shift = 2u * (sb & 3u);
        const float d = whalf(blk + 108u);
        const float d0 = d * scale_q3k(blk + 96u, 2u * sb), d1 = d * scale_q3k(blk + 96u, 2u * sb + 1u);
        uint q[8], hm[8];
        wwords8(blk + 32u + 32u * (sb >> 2), q);
        wwords8(blk, hm);
        for (uint k = 0u; k < 8u; ++k)
            for (uint j = 0u; j < 4u; ++j) {
                const int lo = int((q[k] >> (8u * j + shift)) & 3u);
                const int hi = int((hm[k] >> (8u * j + sb)) & 1u);
                v[4u * k + j] = (k < 4u ? d0 : d1) * float(lo - 4 + 4 * hi);
            }
    } else if (type == T_IQ4_XS) {
        // d, scales_h (2 high bits per sub-block), scales_l[4] (4 low bits), then 16 bytes
        // of codebook nibbles per sub-block laid out as IQ4_NL.
        const uint blk = row + (s >> 3) * 136u, sb = s & 7u;
        const uint ls = ((wbyte(blk + 4u + (sb >> 1)) >> (4u * (sb & 1u))) & 0xFu) | (((wu16(blk + 2u) >> (2u * sb)) & 3u) << 4);
        const float d = whalf(blk) * float(int(ls) - 32);
        uint q[4];
        wwords4(blk + 8u + 16u * sb, q);
        for (uint k = 0u; k < 4u; ++k)
            for (uint j = 0u; j < 4u; ++j) {
                v[4u * k + j] = d * kIQ4NL[(q[k] >> (8u * j)) & 0xFu];
                v[16u + 4u * k + j] = d * kIQ4NL[(q[k] >> (8u * j + 4u)) & 0xFu];
            }
    } else {
        for (uint i = 0u; i < 32u; ++i) v[i] = 0.0;  // rejected on the host before dispatch
    }
    for (uint i = 0u; i < 32u; ++i)
        if (i >= n_valid) v[i] = 0.0;
}
