// Reading GGUF weight bytes inside shaders. The including shader declares
//   layout(binding = 0) readonly buffer W { uint wdata[]; };
// Weights are the raw GGUF bytes uploaded into a uint[] buffer and addressed by byte,
// because GGUF blocks (18, 34, 210 bytes) are not 4-byte aligned and 8/16-bit storage
// is optional in Vulkan: plain 32-bit loads work on every device.
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
int wint8(uint b) { return int(wbyte(b) << 24) >> 24; }
// b must be even (every half in a GGUF block is).
uint wu16(uint b) { return (wdata[b >> 2] >> ((b & 2u) << 3)) & 0xFFFFu; }
float whalf(uint b) { return unpackHalf2x16(wu16(b)).x; }
// bfloat16 is the top half of an fp32.
float wbf16(uint b) { return uintBitsToFloat(wu16(b) << 16); }
// A little-endian 32-bit value at any byte offset (Q5_0's qh is not word-aligned).
uint wu32(uint b) { return wbyte(b) | (wbyte(b + 1u) << 8) | (wbyte(b + 2u) << 16) | (wbyte(b + 3u) << 24); }

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

// The 32 weights of sub-block s (elements 32s .. 32s+31) of the row starting at byte `row`.
// n_valid (plain types only) clips the last sub-block of rows whose length is not a
// multiple of 32; quantized rows always are.
void dq32(uint type, uint row, uint s, uint n_valid, out float v[32]) {
    if (type == T_F32) {
        const uint base = row + s * 128u;
        for (uint i = 0u; i < 32u; ++i) v[i] = i < n_valid ? uintBitsToFloat(wdata[(base >> 2) + i]) : 0.0;
    } else if (type == T_F16) {
        const uint base = row + s * 64u;
        for (uint i = 0u; i < 32u; ++i) v[i] = i < n_valid ? whalf(base + 2u * i) : 0.0;
    } else if (type == T_Q4_0) {
        const uint blk = row + s * 18u;
        const float d = whalf(blk);
        for (uint j = 0u; j < 16u; ++j) {
            const uint q = wbyte(blk + 2u + j);
            v[j] = d * (float(q & 0xFu) - 8.0);
            v[j + 16u] = d * (float(q >> 4) - 8.0);
        }
    } else if (type == T_Q8_0) {
        const uint blk = row + s * 34u;
        const float d = whalf(blk);
        for (uint j = 0u; j < 32u; ++j) v[j] = d * float(wint8(blk + 2u + j));
    } else if (type == T_Q4_K) {
        const uint blk = row + (s >> 3) * 144u, sb = s & 7u;
        float sc, m;
        scale_min_k4(blk + 4u, sb, sc, m);
        const float d = whalf(blk) * sc, dm = whalf(blk + 2u) * m;
        const uint q = blk + 16u + 32u * (sb >> 1), shift = (sb & 1u) * 4u;
        for (uint l = 0u; l < 32u; ++l) v[l] = d * float((wbyte(q + l) >> shift) & 0xFu) - dm;
    } else if (type == T_Q6_K) {
        const uint blk = row + (s >> 3) * 210u, sb = s & 7u;
        const uint h = sb >> 2, qq = sb & 3u;
        const uint ql = blk + 64u * h + (qq & 1u) * 32u, ql_shift = (qq >> 1) * 4u;
        const uint qh = blk + 128u + 32u * h, qh_shift = 2u * qq;
        const uint scales = blk + 192u + 8u * h + 2u * qq;
        const float d = whalf(blk + 208u);
        for (uint l = 0u; l < 32u; ++l) {
            const int q = int(((wbyte(ql + l) >> ql_shift) & 0xFu) | (((wbyte(qh + l) >> qh_shift) & 3u) << 4)) - 32;
            v[l] = d * float(wint8(scales + (l >> 4))) * float(q);
        }
    } else if (type == T_BF16) {
        const uint base = row + s * 64u;
        for (uint i = 0u; i < 32u; ++i) v[i] = i < n_valid ? wbf16(base + 2u * i) : 0.0;
    } else if (type == T_Q4_1) {  // d, m, 16 bytes of nibbles as Q4_0
        const uint blk = row + s * 20u;
        const float d = whalf(blk), m = whalf(blk + 2u);
        for (uint j = 0u; j < 16u; ++j) {
            const uint q = wbyte(blk + 4u + j);
            v[j] = float(q & 0xFu) * d + m;
            v[j + 16u] = float(q >> 4) * d + m;
        }
    } else if (type == T_Q5_0 || type == T_Q5_1) {  // Q4 plus qh: bit j is element j's 5th bit
        const bool q51 = type == T_Q5_1;
        const uint blk = row + s * (q51 ? 24u : 22u), hb = blk + (q51 ? 4u : 2u);
        // Q5_0: (q - 16) * d; Q5_1: q * d + m.
        const float d = whalf(blk), m = q51 ? whalf(blk + 2u) : 0.0, off = q51 ? 0.0 : 16.0;
        const uint qh = wu32(hb);
        for (uint j = 0u; j < 16u; ++j) {
            const uint q = wbyte(hb + 4u + j);
            v[j] = (float((q & 0xFu) | (((qh >> j) & 1u) << 4)) - off) * d + m;
            v[j + 16u] = (float((q >> 4) | (((qh >> (j + 16u)) & 1u) << 4)) - off) * d + m;
        }
    } else if (type == T_IQ4_NL) {  // Q4_0's layout, nibbles index the codebook
        const uint blk = row + s * 18u;
        const float d = whalf(blk);
        for (uint j = 0u; j < 16u; ++j) {
            const uint q = wbyte(blk + 2u + j);
            v[j] = d * kIQ4NL[q & 0xFu];
            v[j + 16u] = d * kIQ4NL[q >> 4];
        }
    } else if (type == T_Q2_K) {
        // scales[16] (scale low nibble, min high nibble, per 16 values), qs[64], d, dmin.
        // Element 32j + l of each 128-half sits in bits 2j..2j+1 of qs byte l of that half.
        const uint blk = row + (s >> 3) * 84u, sb = s & 7u;
        const float d = whalf(blk + 80u), dmin = whalf(blk + 82u);
        const uint q = blk + 16u + 32u * (sb >> 2), shift = 2u * (sb & 3u);
        for (uint l = 0u; l < 32u; ++l) {
            const uint sc = wbyte(blk + 2u * sb + (l >> 4));
            v[l] = d * float(sc & 0xFu) * float((wbyte(q + l) >> shift) & 3u) - dmin * float(sc >> 4);
        }
    } else if (type == T_Q3_K) {
        // hmask[32], qs[64] (low 2 bits as Q2_K), scales[12], d. The high bit of element
        // 32*sb + l is bit sb of hmask[l]; when it is clear, 4 is subtracted.
        const uint blk = row + (s >> 3) * 110u, sb = s & 7u;
        const float d = whalf(blk + 108u);
        const uint q = blk + 32u + 32u * (sb >> 2), shift = 2u * (sb & 3u);
        const float d0 = d * scale_q3k(blk + 96u, 2u * sb), d1 = d * scale_q3k(blk + 96u, 2u * sb + 1u);
        for (uint l = 0u; l < 32u; ++l) {
            const int lo = int((wbyte(q + l) >> shift) & 3u);
            const int hi = int((wbyte(blk + l) >> sb) & 1u);
            v[l] = (l < 16u ? d0 : d1) * float(lo - (hi == 1 ? 0 : 4));
        }
    } else if (type == T_Q5_K) {
        // Q4_K's d, dmin, scales and nibbles, plus qh[32]: the 5th bit of element 32*sb + l
        // is bit sb of qh[l].
        const uint blk = row + (s >> 3) * 176u, sb = s & 7u;
        float sc, m;
        scale_min_k4(blk + 4u, sb, sc, m);
        const float d = whalf(blk) * sc, dm = whalf(blk + 2u) * m;
        const uint q = blk + 48u + 32u * (sb >> 1), shift = (sb & 1u) * 4u;
        for (uint l = 0u; l < 32u; ++l) {
            const uint hi = (wbyte(blk + 16u + l) >> sb) & 1u;
            v[l] = d * float(((wbyte(q + l) >> shift) & 0xFu) | (hi << 4)) - dm;
        }
    } else if (type == T_IQ4_XS) {
        // d, scales_h (2 high bits per sub-block), scales_l[4] (4 low bits), then 16 bytes
        // of codebook nibbles per sub-block laid out as IQ4_NL.
        const uint blk = row + (s >> 3) * 136u, sb = s & 7u;
        const uint ls = ((wbyte(blk + 4u + (sb >> 1)) >> (4u * (sb & 1u))) & 0xFu) | (((wu16(blk + 2u) >> (2u * sb)) & 3u) << 4);
        const float d = whalf(blk) * float(int(ls) - 32);
        const uint q = blk + 8u + 16u * sb;
        for (uint j = 0u; j < 16u; ++j) {
            const uint b = wbyte(q + j);
            v[j] = d * kIQ4NL[b & 0xFu];
            v[j + 16u] = d * kIQ4NL[b >> 4];
        }
    } else {
        for (uint i = 0u; i < 32u; ++i) v[i] = 0.0;  // rejected on the host before dispatch
    }
}
