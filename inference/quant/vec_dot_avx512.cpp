// AVX-512 (F/BW/VL/DQ, VNNI when the CPU has it) kernels. Compiled with the AVX-512
// flags (see inference/CMakeLists) and installed by fill_avx512() only after
// cpu_features() confirmed CPU support and that the OS saves ZMM and opmask state.
// The activation quantizers stay on their AVX2 versions (installed first).
//
// Same rules as vec_dot_avx2.cpp: no shared inline code, static helpers only, and
// plain loops kept out of the hot paths (the compiler may vectorize them with VNNI
// instructions, which the non-VNNI table must never reach).
// GCC 12 reports its own _mm512_undefined_* placeholders inside cast/set intrinsics as
// uninitialized (GCC PR105593, fixed in 13); those are false positives.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/quant_internal.h"

namespace kinglet::quant {
namespace {

static inline float h2f(uint16_t h) { return _cvtsh_ss(h); }

// ---------------------------------------------------------------- float types

float dot_f32(int64_t n, const void* w, const void* a) {
    const float* x = static_cast<const float*>(w);
    const float* y = static_cast<const float*>(a);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16), acc1);
        acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 32), _mm512_loadu_ps(y + i + 32), acc2);
        acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 48), _mm512_loadu_ps(y + i + 48), acc3);
    }
    for (; i + 16 <= n; i += 16) acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc0);
    if (i < n) {  // masked tail: no scalar loop, no reads past the row
        const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
        acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i), acc1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

static inline __m512 load_h16(const uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

float dot_f16(int64_t n, const void* w, const void* a) {
    const uint16_t* x = static_cast<const uint16_t*>(w);
    const uint16_t* y = static_cast<const uint16_t*>(a);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        acc0 = _mm512_fmadd_ps(load_h16(x + i), load_h16(y + i), acc0);
        acc1 = _mm512_fmadd_ps(load_h16(x + i + 16), load_h16(y + i + 16), acc1);
        acc2 = _mm512_fmadd_ps(load_h16(x + i + 32), load_h16(y + i + 32), acc2);
        acc3 = _mm512_fmadd_ps(load_h16(x + i + 48), load_h16(y + i + 48), acc3);
    }
    for (; i + 16 <= n; i += 16) acc0 = _mm512_fmadd_ps(load_h16(x + i), load_h16(y + i), acc0);
    if (i < n) {
        const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
        const __m512 vx = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, x + i));
        const __m512 vy = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, y + i));
        acc1 = _mm512_fmadd_ps(vx, vy, acc1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

// ---------------------------------------------------------------- int8 helpers

// Signed x signed int8 -> int32 lanes, each the sum of 4 products. The unsigned operand
// is |x|, y takes x's sign (y is never -128; x = -128 gives |x| = 128, still right).
template <bool kVnni>
static inline __m512i dot_i8_512(__m512i x, __m512i y) {
    const __m512i ax = _mm512_abs_epi8(x);
    const __m512i sy = _mm512_mask_sub_epi8(y, _mm512_movepi8_mask(x), _mm512_setzero_si512(), y);
    if constexpr (kVnni) {
        return _mm512_dpbusd_epi32(_mm512_setzero_si512(), ax, sy);
    } else {
        return _mm512_madd_epi16(_mm512_maddubs_epi16(ax, sy), _mm512_set1_epi16(1));
    }
}

template <bool kVnni>
static inline __m256i dot_i8_256(__m256i x, __m256i y) {
    const __m256i ax = _mm256_abs_epi8(x);
    const __m256i sy = _mm256_mask_sub_epi8(y, _mm256_movepi8_mask(x), _mm256_setzero_si256(), y);
    if constexpr (kVnni) {
        return _mm256_dpbusd_epi32(_mm256_setzero_si256(), ax, sy);
    } else {
        return _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sy), _mm256_set1_epi16(1));
    }
}

static inline __m512i load2x256(const void* lo, const void* hi) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(static_cast<const __m256i*>(lo))),
                              _mm256_loadu_si256(static_cast<const __m256i*>(hi)), 1);
}

// Lanes 0-7 get the first block's scale, lanes 8-15 the second's.
static inline __m512 scale2(float d0, float d1) {
    return _mm512_insertf32x8(_mm512_set1_ps(d0), _mm256_set1_ps(d1), 1);
}

static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// ---------------------------------------------------------------- Q8_0, Q4_0: two blocks per zmm

template <bool kVnni>
float dot_q8_0(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ8_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    const int64_t nb = n / kQK;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 4 <= nb; i += 4) {
        const __m512i p0 = dot_i8_512<kVnni>(load2x256(x[i].qs, x[i + 1].qs), load2x256(y[i].qs, y[i + 1].qs));
        const __m512i p1 = dot_i8_512<kVnni>(load2x256(x[i + 2].qs, x[i + 3].qs), load2x256(y[i + 2].qs, y[i + 3].qs));
        acc0 = _mm512_fmadd_ps(scale2(h2f(x[i].d) * h2f(y[i].d), h2f(x[i + 1].d) * h2f(y[i + 1].d)),
                               _mm512_cvtepi32_ps(p0), acc0);
        acc1 = _mm512_fmadd_ps(scale2(h2f(x[i + 2].d) * h2f(y[i + 2].d), h2f(x[i + 3].d) * h2f(y[i + 3].d)),
                               _mm512_cvtepi32_ps(p1), acc1);
    }
    __m256 tail = _mm256_setzero_ps();
    for (; i < nb; ++i) {
        const __m256i p = dot_i8_256<kVnni>(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs)),
                                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs)));
        tail = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p), tail);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) + hsum256(tail);
}

// Two Q4_0 blocks -> 64 signed values in element order: [qs0 low, qs0 high, qs1 low,
// qs1 high] (128 bits each), minus 8.
static inline __m512i unpack_q4_0_pair(const uint8_t* qs0, const uint8_t* qs1) {
    const __m256i t = _mm256_set_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs1)),
                                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs0)));
    __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(t), _mm256_srli_epi16(t, 4), 1);  // [0, 1, 0>>4, 1>>4]
    v = _mm512_shuffle_i64x2(v, v, _MM_SHUFFLE(3, 1, 2, 0));                                // [0, 0>>4, 1, 1>>4]
    return _mm512_sub_epi8(_mm512_and_si512(v, _mm512_set1_epi8(0x0f)), _mm512_set1_epi8(8));
}

template <bool kVnni>
float dot_q4_0(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ4_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    const int64_t nb = n / kQK;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 4 <= nb; i += 4) {
        const __m512i p0 = dot_i8_512<kVnni>(unpack_q4_0_pair(x[i].qs, x[i + 1].qs), load2x256(y[i].qs, y[i + 1].qs));
        const __m512i p1 =
            dot_i8_512<kVnni>(unpack_q4_0_pair(x[i + 2].qs, x[i + 3].qs), load2x256(y[i + 2].qs, y[i + 3].qs));
        acc0 = _mm512_fmadd_ps(scale2(h2f(x[i].d) * h2f(y[i].d), h2f(x[i + 1].d) * h2f(y[i + 1].d)),
                               _mm512_cvtepi32_ps(p0), acc0);
        acc1 = _mm512_fmadd_ps(scale2(h2f(x[i + 2].d) * h2f(y[i + 2].d), h2f(x[i + 3].d) * h2f(y[i + 3].d)),
                               _mm512_cvtepi32_ps(p1), acc1);
    }
    __m256 tail = _mm256_setzero_ps();
    for (; i < nb; ++i) {
        const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].qs));
        __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), _mm256_set1_epi8(0x0f));
        q = _mm256_sub_epi8(q, _mm256_set1_epi8(8));
        const __m256i p = dot_i8_256<kVnni>(q, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs)));
        tail = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p), tail);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) + hsum256(tail);
}

// ---------------------------------------------------------------- K-quants
// Scales change every 16 or 32 values, so these use maddubs (int16 pair sums) followed
// by madd with a vector of scales, which applies the scales for free; VNNI would need
// an extra 32-bit multiply here and gains nothing.

static inline __m128i unpack_scales_k4(const uint8_t* s) {  // see vec_dot_avx2.cpp
    uint32_t u[3];
    std::memcpy(u, s, 12);
    const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, low2 = 0x03030303;
    const uint32_t mins47 = ((u[2] >> 4) & low4) | (((u[1] >> 6) & low2) << 4);
    const uint32_t mins03 = u[1] & low6;
    const uint32_t sc47 = (u[2] & low4) | (((u[0] >> 6) & low2) << 4);
    const uint32_t sc03 = u[0] & low6;
    return _mm_set_epi32(int(mins47), int(mins03), int(sc47), int(sc03));
}

// vpermw indices: int16 lanes 0-15 take scale 2c, lanes 16-31 scale 2c+1.
alignas(64) const int16_t kQ4KSpread[4][32] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3},
    {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5},
    {6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7},
};

float dot_q4_k(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ4_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    const __m512i spread[4] = {_mm512_load_si512(kQ4KSpread[0]), _mm512_load_si512(kQ4KSpread[1]),
                               _mm512_load_si512(kQ4KSpread[2]), _mm512_load_si512(kQ4KSpread[3])};
    __m512 acc = _mm512_setzero_ps();
    __m128 acc_min = _mm_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const __m128i sm = unpack_scales_k4(x[i].scales);
        const float d = y[i].d * h2f(x[i].d);
        const float dmin = y[i].d * h2f(x[i].dmin);
        const __m128i bs = _mm_hadd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums)),
                                          _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums + 8)));
        const __m128i pm = _mm_madd_epi16(_mm_cvtepu8_epi16(_mm_srli_si128(sm, 8)), bs);
        acc_min = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(pm), acc_min);

        const __m512i sc = _mm512_castsi128_si512(_mm_cvtepu8_epi16(sm));
        __m512i sumi = _mm512_setzero_si512();
        for (int c = 0; c < 4; ++c) {
            // 32 bytes of nibbles = 64 values in order: low nibbles, then high nibbles
            const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs + 32 * c));
            const __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_and_si256(bits, m4)),
                                                 _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4), 1);
            const __m512i p = _mm512_maddubs_epi16(q, _mm512_loadu_si512(y[i].qs + 64 * c));
            sumi = _mm512_add_epi32(sumi, _mm512_madd_epi16(p, _mm512_permutexvar_epi16(spread[c], sc)));
        }
        acc = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(sumi), acc);
    }
    __m128 m = _mm_add_ps(acc_min, _mm_movehl_ps(acc_min, acc_min));
    m = _mm_add_ss(m, _mm_movehdup_ps(m));
    return _mm512_reduce_add_ps(acc) - _mm_cvtss_f32(m);
}

// vpermw indices spreading scales g..g+3 over 8 int16 lanes each.
alignas(64) const int16_t kScaleSpread[4][32] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3},
    {4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7},
    {8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11},
    {12, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13, 13,
     14, 14, 14, 14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15},
};

// Q6_K: unsigned 6-bit values in the inner loop; the -32 offset is applied once per
// block through the Q8_K bsums (see vec_dot_avx2.cpp).
float dot_q6_k(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ6_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    const __m512i m2 = _mm512_set1_epi8(0x03);
    const __m512i spread[4] = {_mm512_load_si512(kScaleSpread[0]), _mm512_load_si512(kScaleSpread[1]),
                               _mm512_load_si512(kScaleSpread[2]), _mm512_load_si512(kScaleSpread[3])};
    __m512 acc = _mm512_setzero_ps();
    __m256 acc_off = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const float d = y[i].d * h2f(x[i].d);
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales)));
        const __m512i sc512 = _mm512_castsi256_si512(sc16);
        const __m256i offs = _mm256_madd_epi16(sc16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].bsums)));

        __m512i sumi = _mm512_setzero_si512();
        for (int h = 0; h < 2; ++h) {
            // ql[0..63] low nibbles are values 0..63, high nibbles values 64..127;
            // qh supplies bits 4-5: value v of the 32 in each quarter takes bits 2k.
            const __m512i ql = _mm512_loadu_si512(x[i].ql + 64 * h);
            const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qh + 32 * h));
            const __m512i qh_a = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
            const __m512i qh_b =
                _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_srli_epi16(qh, 4)), _mm256_srli_epi16(qh, 6), 1);
            const __m512i q_a = _mm512_or_si512(_mm512_and_si512(ql, m4), _mm512_slli_epi16(_mm512_and_si512(qh_a, m2), 4));
            const __m512i q_b = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), m4),
                                                _mm512_slli_epi16(_mm512_and_si512(qh_b, m2), 4));
            const int8_t* q8 = y[i].qs + 128 * h;
            const __m512i p_a = _mm512_maddubs_epi16(q_a, _mm512_loadu_si512(q8));
            const __m512i p_b = _mm512_maddubs_epi16(q_b, _mm512_loadu_si512(q8 + 64));
            const __m512i s_a = _mm512_permutexvar_epi16(spread[2 * h], sc512);
            const __m512i s_b = _mm512_permutexvar_epi16(spread[2 * h + 1], sc512);
            sumi = _mm512_add_epi32(sumi, _mm512_add_epi32(_mm512_madd_epi16(p_a, s_a), _mm512_madd_epi16(p_b, s_b)));
        }
        acc = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(sumi), acc);
        acc_off = _mm256_fmadd_ps(_mm256_set1_ps(32.0f * d), _mm256_cvtepi32_ps(offs), acc_off);
    }
    return _mm512_reduce_add_ps(acc) - hsum256(acc_off);
}

}  // namespace

void fill_avx512(KernelTable& t, bool vnni) {
    t.dot[kF32] = dot_f32;
    t.dot[kF16] = dot_f16;
    t.dot[kQ8_0] = vnni ? dot_q8_0<true> : dot_q8_0<false>;
    t.dot[kQ4_0] = vnni ? dot_q4_0<true> : dot_q4_0<false>;
    t.dot[kQ4_K] = dot_q4_k;
    t.dot[kQ6_K] = dot_q6_k;
}

}  // namespace kinglet::quant
