// Scalar kernels for the plain types and the 32-element "legacy" quant blocks
// (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL). Layouts and rounding follow ggml so files
// written by llama.cpp's tools read back bit-exactly and dot products match its CPU
// backend within float rounding.
#include <cmath>
#include <cstring>

#include "quant/half_scalar.h"
#include "quant/quant_internal.h"
#include "util/half.h"

namespace kinglet::quant {

const int8_t kIQ4NLValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                 1,    13,   25,  38,  53,  69,  89,  113};

namespace {

inline float h2f(uint16_t h) { return half_to_float(h); }
inline uint16_t f2h(float f) { return fp32_to_fp16(f); }

// Round half to even, like ggml's nearest_int (and like the SIMD round instructions),
// independent of the FPU rounding mode. Valid for |x| < 2^22, which all callers ensure.
inline int round_even(float x) {
    float v = x + 12582912.f;  // 1.5 * 2^23: pushes the fraction out of the mantissa
    int32_t i;
    std::memcpy(&i, &v, 4);
    return (i & 0x007fffff) - 0x00400000;
}

inline uint16_t f2bf(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
    u += 0x7fff + ((u >> 16) & 1);  // round to nearest even
    return static_cast<uint16_t>(u >> 16);
}

// ---------------------------------------------------------------- plain types

void dequant_f32(const void* src, float* dst, int64_t n) { std::memcpy(dst, src, n * sizeof(float)); }
void quant_f32(const float* src, void* dst, int64_t n) { std::memcpy(dst, src, n * sizeof(float)); }

void dequant_f16(const void* src, float* dst, int64_t n) {
    const auto* h = static_cast<const uint16_t*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = h2f(h[i]);
}
void quant_f16(const float* src, void* dst, int64_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) h[i] = f2h(src[i]);
}

void dequant_bf16(const void* src, float* dst, int64_t n) {
    const auto* h = static_cast<const uint16_t*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(h[i]);
}
void quant_bf16(const float* src, void* dst, int64_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) h[i] = f2bf(src[i]);
}

float dot_bf16(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const uint16_t*>(w);
    const auto* y = static_cast<const uint16_t*>(a);
    float acc[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k) acc[k] += bf16_to_fp32(x[i + k]) * bf16_to_fp32(y[i + k]);
    float s = 0;
    for (; i < n; ++i) s += bf16_to_fp32(x[i]) * bf16_to_fp32(y[i]);
    for (float v : acc) s += v;
    return s;
}

// ---------------------------------------------------------------- Q4_0 / Q4_1
// 16 bytes of nibbles: byte j holds element j (low nibble) and element j+16 (high).

void dequant_q4_0(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ4_0*>(src);
    for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
        const float d = h2f(b[i].d);
        for (int j = 0; j < 16; ++j) {
            dst[j] = ((b[i].qs[j] & 0xf) - 8) * d;
            dst[j + 16] = ((b[i].qs[j] >> 4) - 8) * d;
        }
    }
}

void quant_q4_0(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ4_0*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        // The value of largest magnitude maps to -8 exactly, so its sign picks the
        // direction and the full range [-8, 7] is used.
        float amax = 0, max = 0;
        for (int j = 0; j < kQK; ++j)
            if (std::fabs(x[j]) > amax) { amax = std::fabs(x[j]); max = x[j]; }
        const float d = max / -8;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        b[i].d = f2h(d);
        for (int j = 0; j < 16; ++j) {
            int q0 = static_cast<int8_t>(x[j] * id + 8.5f);
            int q1 = static_cast<int8_t>(x[j + 16] * id + 8.5f);
            q0 = q0 > 15 ? 15 : q0;
            q1 = q1 > 15 ? 15 : q1;
            b[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
        }
    }
}

float dot_q4_0(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ4_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK; ++i) {
        int s = 0;
        for (int j = 0; j < 16; ++j) {
            s += ((x[i].qs[j] & 0xf) - 8) * y[i].qs[j];
            s += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + 16];
        }
        sum += s * (h2f(x[i].d) * h2f(y[i].d));
    }
    return sum;
}

void dequant_q4_1(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ4_1*>(src);
    for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
        const float d = h2f(b[i].d), m = h2f(b[i].m);
        for (int j = 0; j < 16; ++j) {
            dst[j] = (b[i].qs[j] & 0xf) * d + m;
            dst[j + 16] = (b[i].qs[j] >> 4) * d + m;
        }
    }
}

void quant_q4_1(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ4_1*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        float mn = x[0], mx = x[0];
        for (int j = 1; j < kQK; ++j) { mn = std::fmin(mn, x[j]); mx = std::fmax(mx, x[j]); }
        const float d = (mx - mn) / 15;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        b[i].d = f2h(d);
        b[i].m = f2h(mn);
        for (int j = 0; j < 16; ++j) {
            int q0 = static_cast<int8_t>((x[j] - mn) * id + 0.5f);
            int q1 = static_cast<int8_t>((x[j + 16] - mn) * id + 0.5f);
            q0 = q0 > 15 ? 15 : q0;
            q1 = q1 > 15 ? 15 : q1;
            b[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
        }
    }
}

// Activations are Q8_0 (not Q8_1 as in ggml): the offset term m * sum(y) uses the sum
// of the block's int8 values times its scale, which is what Q8_1 stores precomputed.
float dot_q4_1(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ4_1*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK; ++i) {
        int s = 0, sy = 0;
        for (int j = 0; j < 16; ++j) {
            s += (x[i].qs[j] & 0xf) * y[i].qs[j] + (x[i].qs[j] >> 4) * y[i].qs[j + 16];
            sy += y[i].qs[j] + y[i].qs[j + 16];
        }
        const float dy = h2f(y[i].d);
        sum += s * (h2f(x[i].d) * dy) + h2f(x[i].m) * (sy * dy);
    }
    return sum;
}

// ---------------------------------------------------------------- Q5_0 / Q5_1
// Like Q4 plus a 32-bit mask qh: bit j is the 5th bit of element j.

inline uint32_t load_qh(const uint8_t* qh) {
    return uint32_t(qh[0]) | uint32_t(qh[1]) << 8 | uint32_t(qh[2]) << 16 | uint32_t(qh[3]) << 24;
}
inline void store_qh(uint8_t* qh, uint32_t v) {
    for (int k = 0; k < 4; ++k) qh[k] = static_cast<uint8_t>(v >> (8 * k));
}

template <class Block>
inline void q5_values(const Block& b, int* q) {  // unsigned 0..31, element order
    const uint32_t qh = load_qh(b.qh);
    for (int j = 0; j < 16; ++j) {
        q[j] = (b.qs[j] & 0xf) | (((qh >> j) & 1) << 4);
        q[j + 16] = (b.qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
    }
}

template <class Block>
inline void q5_pack(Block& b, const int* q) {
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
        b.qs[j] = static_cast<uint8_t>((q[j] & 0xf) | ((q[j + 16] & 0xf) << 4));
        qh |= uint32_t((q[j] >> 4) & 1) << j;
        qh |= uint32_t((q[j + 16] >> 4) & 1) << (j + 16);
    }
    store_qh(b.qh, qh);
}

void dequant_q5_0(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ5_0*>(src);
    int q[kQK];
    for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
        const float d = h2f(b[i].d);
        q5_values(b[i], q);
        for (int j = 0; j < kQK; ++j) dst[j] = (q[j] - 16) * d;
    }
}

void quant_q5_0(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ5_0*>(dst);
    int q[kQK];
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        float amax = 0, max = 0;
        for (int j = 0; j < kQK; ++j)
            if (std::fabs(x[j]) > amax) { amax = std::fabs(x[j]); max = x[j]; }
        const float d = max / -16;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        b[i].d = f2h(d);
        for (int j = 0; j < kQK; ++j) {
            int v = static_cast<int8_t>(x[j] * id + 16.5f);
            q[j] = v > 31 ? 31 : v;
        }
        q5_pack(b[i], q);
    }
}

float dot_q5_0(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ5_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    float sum = 0;
    int q[kQK];
    for (int64_t i = 0; i < n / kQK; ++i) {
        q5_values(x[i], q);
        int s = 0;
        for (int j = 0; j < kQK; ++j) s += (q[j] - 16) * y[i].qs[j];
        sum += s * (h2f(x[i].d) * h2f(y[i].d));
    }
    return sum;
}

void dequant_q5_1(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ5_1*>(src);
    int q[kQK];
    for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
        const float d = h2f(b[i].d), m = h2f(b[i].m);
        q5_values(b[i], q);
        for (int j = 0; j < kQK; ++j) dst[j] = q[j] * d + m;
    }
}

void quant_q5_1(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ5_1*>(dst);
    int q[kQK];
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        float mn = x[0], mx = x[0];
        for (int j = 1; j < kQK; ++j) { mn = std::fmin(mn, x[j]); mx = std::fmax(mx, x[j]); }
        const float d = (mx - mn) / 31;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        b[i].d = f2h(d);
        b[i].m = f2h(mn);
        for (int j = 0; j < kQK; ++j) {
            int v = static_cast<int>((x[j] - mn) * id + 0.5f);
            q[j] = v > 31 ? 31 : v;
        }
        q5_pack(b[i], q);
    }
}

float dot_q5_1(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ5_1*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    float sum = 0;
    int q[kQK];
    for (int64_t i = 0; i < n / kQK; ++i) {
        q5_values(x[i], q);
        int s = 0, sy = 0;
        for (int j = 0; j < kQK; ++j) {
            s += q[j] * y[i].qs[j];
            sy += y[i].qs[j];
        }
        const float dy = h2f(y[i].d);
        sum += s * (h2f(x[i].d) * dy) + h2f(x[i].m) * (sy * dy);
    }
    return sum;
}

// ---------------------------------------------------------------- Q8_0

void dequant_q8_0(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ8_0*>(src);
    for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
        const float d = h2f(b[i].d);
        for (int j = 0; j < kQK; ++j) dst[j] = b[i].qs[j] * d;
    }
}

// Same arithmetic as ggml's x86 activation quantizer (scale 127/amax, round half to
// even), so that our SIMD versions can be bit-identical to this one.
void quant_q8_0(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8_0*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        float amax = 0;
        for (int j = 0; j < kQK; ++j) amax = std::fmax(amax, std::fabs(x[j]));
        const float d = amax / 127.f;
        const float id = amax != 0 ? 127.f / amax : 0.0f;
        b[i].d = f2h(d);
        for (int j = 0; j < kQK; ++j) b[i].qs[j] = static_cast<int8_t>(round_even(x[j] * id));
    }
}

float dot_q8_0(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ8_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK; ++i) {
        int s = 0;
        for (int j = 0; j < kQK; ++j) s += x[i].qs[j] * y[i].qs[j];
        sum += s * (h2f(x[i].d) * h2f(y[i].d));
    }
    return sum;
}

// ---------------------------------------------------------------- IQ4_NL
// Q4_0's nibble layout, but each nibble indexes a fixed non-linear codebook.

void dequant_iq4_nl(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockIQ4NL*>(src);
    for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
        const float d = h2f(b[i].d);
        for (int j = 0; j < 16; ++j) {
            dst[j] = kIQ4NLValues[b[i].qs[j] & 0xf] * d;
            dst[j + 16] = kIQ4NLValues[b[i].qs[j] >> 4] * d;
        }
    }
}

float dot_iq4_nl(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockIQ4NL*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK; ++i) {
        int s = 0;
        for (int j = 0; j < 16; ++j) {
            s += kIQ4NLValues[x[i].qs[j] & 0xf] * y[i].qs[j];
            s += kIQ4NLValues[x[i].qs[j] >> 4] * y[i].qs[j + 16];
        }
        sum += s * (h2f(x[i].d) * h2f(y[i].d));
    }
    return sum;
}

}  // namespace

// Eight independent accumulators: keeps the dependency chain short and gives a rounding
// behaviour close to the SIMD kernels (which also sum lanes separately).
float dot_f32_scalar(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const float*>(w);
    const auto* y = static_cast<const float*>(a);
    float acc[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k) acc[k] += x[i + k] * y[i + k];
    float s = 0;
    for (; i < n; ++i) s += x[i] * y[i];
    for (float v : acc) s += v;
    return s;
}

float dot_f16_scalar(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const uint16_t*>(w);
    const auto* y = static_cast<const uint16_t*>(a);
    float a0 = 0, a1 = 0, a2 = 0, a3 = 0;  // named, so they stay in registers
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        a0 += h2f(x[i]) * h2f(y[i]);
        a1 += h2f(x[i + 1]) * h2f(y[i + 1]);
        a2 += h2f(x[i + 2]) * h2f(y[i + 2]);
        a3 += h2f(x[i + 3]) * h2f(y[i + 3]);
    }
    for (; i < n; ++i) a0 += h2f(x[i]) * h2f(y[i]);
    return (a0 + a1) + (a2 + a3);
}

void fill_scalar_legacy(KernelTable& t) {
    auto set = [&t](GgmlTypeIndex type, DequantFn dq, QuantFn q, DotFn dot) {
        t.dequant[type] = dq;
        t.quant[type] = q;
        t.dot[type] = dot;
    };
    set(kF32, dequant_f32, quant_f32, dot_f32_scalar);
    set(kF16, dequant_f16, quant_f16, dot_f16_scalar);
    set(kBF16, dequant_bf16, quant_bf16, dot_bf16);
    set(kQ4_0, dequant_q4_0, quant_q4_0, dot_q4_0);
    set(kQ4_1, dequant_q4_1, quant_q4_1, dot_q4_1);
    set(kQ5_0, dequant_q5_0, quant_q5_0, dot_q5_0);
    set(kQ5_1, dequant_q5_1, quant_q5_1, dot_q5_1);
    set(kQ8_0, dequant_q8_0, quant_q8_0, dot_q8_0);
    set(kIQ4_NL, dequant_iq4_nl, nullptr, dot_iq4_nl);
}

}  // namespace kinglet::quant
