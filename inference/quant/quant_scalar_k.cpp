// Scalar kernels for the 256-element super-block types: Q2_K ... Q6_K, IQ4_XS and the
// Q8_K activation format. Each weight block is first unpacked into plain integers in
// element order, then processed per sub-block; slower than ggml's interleaved loops but
// easy to check against the layout, and only used where no SIMD kernel exists.
#include <cmath>
#include <cstring>

#include "quant/half_scalar.h"
#include "quant/quant_internal.h"

namespace kinglet::quant {
namespace {

inline float h2f(uint16_t h) { return half_to_float(h); }

inline int round_even(float x) {  // see quant_scalar_legacy.cpp
    float v = x + 12582912.f;
    int32_t i;
    std::memcpy(&i, &v, 4);
    return (i & 0x007fffff) - 0x00400000;
}

// Q4_K/Q5_K: eight 6-bit scales and eight 6-bit mins packed into 12 bytes. Bytes 0-3
// hold scales 0-3 (low 6 bits), bytes 4-7 mins 0-3; for j >= 4 the low 4 bits sit in
// byte j+4 (scale low nibble, min high nibble) and the top 2 bits in the spare top bits
// of bytes j-4 (scale) and j (min).
inline void scale_min_k4(int j, const uint8_t* s, int& sc, int& m) {
    if (j < 4) {
        sc = s[j] & 63;
        m = s[j + 4] & 63;
    } else {
        sc = (s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4);
        m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

// Q3_K: sixteen 6-bit scales (stored +32) in 12 bytes: low nibbles in bytes 0-7 (scale
// i < 8 in the low nibble of byte i, i >= 8 in the high nibble of byte i-8), and the
// top 2 bits of scale i in bits 2*(i/4) of byte 8 + i%4.
inline int q3k_scale(const uint8_t* s, int i) {
    int low = i < 8 ? (s[i] & 0xf) : (s[i - 8] >> 4);
    int high = (s[8 + i % 4] >> (2 * (i / 4))) & 3;
    return (low | (high << 4)) - 32;
}

// ------------------------------------------------------------ unpack to element order

// Q2_K/Q3_K low bits: 128 elements per 32 bytes, element 32*j + l of a half in bits
// 2j..2j+1 of byte l.
inline int q2_bits(const uint8_t* qs, int e) {
    const int half = e / 128, r = e % 128;
    return (qs[32 * half + r % 32] >> (2 * (r / 32))) & 3;
}

void unpack_q2_k(const BlockQ2_K& b, int8_t* q) {
    for (int e = 0; e < kQKK; ++e) q[e] = static_cast<int8_t>(q2_bits(b.qs, e));
}

void unpack_q3_k(const BlockQ3_K& b, int8_t* q) {
    // The high bit of element e is bit e/32 of hmask[e%32]; when it is clear, 4 is
    // subtracted, giving the range [-4, 3].
    for (int e = 0; e < kQKK; ++e) {
        const bool high = (b.hmask[e % 32] >> (e / 32)) & 1;
        q[e] = static_cast<int8_t>(q2_bits(b.qs, e) - (high ? 0 : 4));
    }
}

// Q4_K/Q5_K nibbles: 64 elements per 32 bytes; low nibbles first, then high nibbles.
void unpack_q4_k(const BlockQ4_K& b, int8_t* q) {
    for (int c = 0; c < 4; ++c)
        for (int l = 0; l < 32; ++l) {
            q[64 * c + l] = static_cast<int8_t>(b.qs[32 * c + l] & 0xf);
            q[64 * c + 32 + l] = static_cast<int8_t>(b.qs[32 * c + l] >> 4);
        }
}

void unpack_q5_k(const BlockQ5_K& b, int8_t* q) {
    // 5th bit of element e: bit e/32 of qh[e%32].
    for (int c = 0; c < 4; ++c)
        for (int l = 0; l < 32; ++l) {
            const int e0 = 64 * c + l, e1 = e0 + 32;
            q[e0] = static_cast<int8_t>((b.qs[32 * c + l] & 0xf) | (((b.qh[l] >> (e0 / 32)) & 1) << 4));
            q[e1] = static_cast<int8_t>((b.qs[32 * c + l] >> 4) | (((b.qh[l] >> (e1 / 32)) & 1) << 4));
        }
}

void unpack_q6_k(const BlockQ6_K& b, int8_t* q) {
    // Per 128 elements: 64 bytes of ql (elements l and l+64 share byte l, elements
    // l+32 and l+96 share byte l+32) and 32 bytes of qh (2 bits for each of the four).
    for (int h = 0; h < 2; ++h) {
        const uint8_t* ql = b.ql + 64 * h;
        const uint8_t* qh = b.qh + 32 * h;
        int8_t* out = q + 128 * h;
        for (int l = 0; l < 32; ++l) {
            out[l] = static_cast<int8_t>(((ql[l] & 0xf) | (((qh[l] >> 0) & 3) << 4)) - 32);
            out[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32);
            out[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
            out[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        }
    }
}

void unpack_iq4_xs(const BlockIQ4XS& b, int8_t* q, int* scale) {
    for (int ib = 0; ib < 8; ++ib) {
        const int ls = ((b.scales_l[ib / 2] >> (4 * (ib % 2))) & 0xf) | (((b.scales_h >> (2 * ib)) & 3) << 4);
        scale[ib] = ls - 32;
        for (int j = 0; j < 16; ++j) {
            q[32 * ib + j] = kIQ4NLValues[b.qs[16 * ib + j] & 0xf];
            q[32 * ib + 16 + j] = kIQ4NLValues[b.qs[16 * ib + j] >> 4];
        }
    }
}

inline int isum(const int8_t* a, const int8_t* b, int len) {
    int s = 0;
    for (int i = 0; i < len; ++i) s += a[i] * b[i];
    return s;
}

// ------------------------------------------------------------ dequantize

void dequant_q2_k(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ2_K*>(src);
    int8_t q[kQKK];
    for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK) {
        const float d = h2f(b[i].d), dmin = h2f(b[i].dmin);
        unpack_q2_k(b[i], q);
        for (int e = 0; e < kQKK; ++e) {
            const uint8_t sc = b[i].scales[e / 16];  // low nibble scale, high nibble min
            dst[e] = d * (sc & 0xf) * q[e] - dmin * (sc >> 4);
        }
    }
}

void dequant_q3_k(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ3_K*>(src);
    int8_t q[kQKK];
    for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK) {
        const float d = h2f(b[i].d);
        unpack_q3_k(b[i], q);
        for (int e = 0; e < kQKK; ++e) dst[e] = d * q3k_scale(b[i].scales, e / 16) * q[e];
    }
}

void dequant_q4_k(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ4_K*>(src);
    int8_t q[kQKK];
    for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK) {
        const float d = h2f(b[i].d), dmin = h2f(b[i].dmin);
        unpack_q4_k(b[i], q);
        for (int j = 0; j < 8; ++j) {
            int sc, m;
            scale_min_k4(j, b[i].scales, sc, m);
            const float d1 = d * sc, m1 = dmin * m;
            for (int l = 0; l < 32; ++l) dst[32 * j + l] = d1 * q[32 * j + l] - m1;
        }
    }
}

void dequant_q5_k(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ5_K*>(src);
    int8_t q[kQKK];
    for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK) {
        const float d = h2f(b[i].d), dmin = h2f(b[i].dmin);
        unpack_q5_k(b[i], q);
        for (int j = 0; j < 8; ++j) {
            int sc, m;
            scale_min_k4(j, b[i].scales, sc, m);
            const float d1 = d * sc, m1 = dmin * m;
            for (int l = 0; l < 32; ++l) dst[32 * j + l] = d1 * q[32 * j + l] - m1;
        }
    }
}

void dequant_q6_k(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ6_K*>(src);
    int8_t q[kQKK];
    for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK) {
        const float d = h2f(b[i].d);
        unpack_q6_k(b[i], q);
        for (int e = 0; e < kQKK; ++e) dst[e] = d * b[i].scales[e / 16] * q[e];
    }
}

void dequant_iq4_xs(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockIQ4XS*>(src);
    int8_t q[kQKK];
    int scale[8];
    for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK) {
        const float d = h2f(b[i].d);
        unpack_iq4_xs(b[i], q, scale);
        for (int e = 0; e < kQKK; ++e) dst[e] = d * scale[e / 32] * q[e];
    }
}

void dequant_q8_k(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ8_K*>(src);
    for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK)
        for (int e = 0; e < kQKK; ++e) dst[e] = b[i].d * b[i].qs[e];
}

// ------------------------------------------------------------ Q8_K (activations)

// ggml's reference: the value of largest magnitude maps to -127 (sign chosen so), the
// scale is kept as a float, and the 16-element sums are stored for the K-quant mins.
void quant_q8_k(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8_K*>(dst);
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        float amax = 0, max = 0;
        for (int e = 0; e < kQKK; ++e)
            if (std::fabs(x[e]) > amax) { amax = std::fabs(x[e]); max = x[e]; }
        if (amax == 0) {
            std::memset(&b[i], 0, sizeof(BlockQ8_K));
            continue;
        }
        const float iscale = -127.f / max;
        for (int e = 0; e < kQKK; ++e) {
            const int v = round_even(iscale * x[e]);
            b[i].qs[e] = static_cast<int8_t>(v > 127 ? 127 : v);
        }
        for (int g = 0; g < 16; ++g) {
            int s = 0;
            for (int l = 0; l < 16; ++l) s += b[i].qs[16 * g + l];
            b[i].bsums[g] = static_cast<int16_t>(s);
        }
        b[i].d = 1 / iscale;
    }
}

// ------------------------------------------------------------ dots with Q8_K

float dot_q2_k(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ2_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    int8_t q[kQKK];
    float sum = 0;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        unpack_q2_k(x[i], q);
        int s = 0, smin = 0;
        for (int g = 0; g < 16; ++g) {
            s += (x[i].scales[g] & 0xf) * isum(q + 16 * g, y[i].qs + 16 * g, 16);
            smin += (x[i].scales[g] >> 4) * y[i].bsums[g];
        }
        sum += y[i].d * (h2f(x[i].d) * s - h2f(x[i].dmin) * smin);
    }
    return sum;
}

float dot_q3_k(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ3_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    int8_t q[kQKK];
    float sum = 0;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        unpack_q3_k(x[i], q);
        int s = 0;
        for (int g = 0; g < 16; ++g) s += q3k_scale(x[i].scales, g) * isum(q + 16 * g, y[i].qs + 16 * g, 16);
        sum += (h2f(x[i].d) * y[i].d) * s;
    }
    return sum;
}

template <class Block, void (*Unpack)(const Block&, int8_t*)>
float dot_q45_k(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const Block*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    int8_t q[kQKK];
    float sum = 0;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        Unpack(x[i], q);
        int s = 0, smin = 0;
        for (int j = 0; j < 8; ++j) {
            int sc, m;
            scale_min_k4(j, x[i].scales, sc, m);
            s += sc * isum(q + 32 * j, y[i].qs + 32 * j, 32);
            smin += m * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
        }
        sum += y[i].d * (h2f(x[i].d) * s - h2f(x[i].dmin) * smin);
    }
    return sum;
}

float dot_q6_k(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ6_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    int8_t q[kQKK];
    float sum = 0;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        unpack_q6_k(x[i], q);
        int s = 0;
        for (int g = 0; g < 16; ++g) s += x[i].scales[g] * isum(q + 16 * g, y[i].qs + 16 * g, 16);
        sum += (h2f(x[i].d) * y[i].d) * s;
    }
    return sum;
}

float dot_iq4_xs(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockIQ4XS*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    int8_t q[kQKK];
    int scale[8];
    float sum = 0;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        unpack_iq4_xs(x[i], q, scale);
        int s = 0;
        for (int ib = 0; ib < 8; ++ib) s += scale[ib] * isum(q + 32 * ib, y[i].qs + 32 * ib, 32);
        sum += (h2f(x[i].d) * y[i].d) * s;
    }
    return sum;
}

}  // namespace

void fill_scalar_k(KernelTable& t) {
    t.dequant[kQ2_K] = dequant_q2_k;
    t.dequant[kQ3_K] = dequant_q3_k;
    t.dequant[kQ4_K] = dequant_q4_k;
    t.dequant[kQ5_K] = dequant_q5_k;
    t.dequant[kQ6_K] = dequant_q6_k;
    t.dequant[kIQ4_XS] = dequant_iq4_xs;
    t.dequant[kQ8_K] = dequant_q8_k;
    t.quant[kQ8_K] = quant_q8_k;
    t.dot[kQ2_K] = dot_q2_k;
    t.dot[kQ3_K] = dot_q3_k;
    t.dot[kQ4_K] = dot_q45_k<BlockQ4_K, unpack_q4_k>;
    t.dot[kQ5_K] = dot_q45_k<BlockQ5_K, unpack_q5_k>;
    t.dot[kQ6_K] = dot_q6_k;
    t.dot[kIQ4_XS] = dot_iq4_xs;
}

}  // namespace kinglet::quant
