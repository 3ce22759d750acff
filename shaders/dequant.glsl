// Reading GGUF weight bytes inside shaders. The including shader declares
//   layout(binding = 0) readonly buffer W { uint wdata[]; };
// Weights are the raw GGUF bytes uploaded into a uint[] buffer and addressed by byte,
// because GGUF blocks (18, 34, 210 bytes) are not 4-byte aligned and 8/16-bit storage
// is optional in Vulkan: plain 32-bit loads work on every device.

const uint T_F32 = 0u, T_F16 = 1u, T_Q4_0 = 2u, T_Q8_0 = 8u, T_Q4_K = 12u, T_Q6_K = 14u;

uint wbyte(uint b) { return (wdata[b >> 2] >> ((b & 3u) << 3)) & 0xFFu; }
int wint8(uint b) { return int(wbyte(b) << 24) >> 24; }
// b must be even (every half in a GGUF block is).
float whalf(uint b) { return unpackHalf2x16((wdata[b >> 2] >> ((b & 2u) << 3)) & 0xFFFFu).x; }

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
    } else {
        for (uint i = 0u; i < 32u; ++i) v[i] = 0.0;  // rejected on the host before dispatch
    }
}
