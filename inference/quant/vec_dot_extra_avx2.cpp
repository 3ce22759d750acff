// AVX2 dots for the less common weight types: Q4_1, Q5_0, Q5_1, IQ4_NL (with Q8_0
// activations) and Q2_K, Q3_K, Q5_K, IQ4_XS (with Q8_K). Installed by fill_avx2() under
// the same run-time check; the AVX-512 level keeps using them.
//
// Same rules as vec_dot_avx2.cpp: only intrinsics and static helpers in here.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/quant_internal.h"

namespace kinglet::quant {
namespace {

static inline float h2f(uint16_t h) { return _cvtsh_ss(h); }

static inline float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// int16 pair sums -> int32 sums of 4.
static inline __m256i widen(__m256i p16) { return _mm256_madd_epi16(p16, _mm256_set1_epi16(1)); }

// Signed x signed int8 as pair sums (see dot_i8 in vec_dot_avx2.cpp; x may be -128 or
// a codebook value, y is an activation in [-127, 127]).
static inline __m256i dot_i8_pairs(__m256i x, __m256i y) {
    return _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

static inline __m256i unpack_nibbles16(const uint8_t* p) {
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), _mm256_set1_epi8(0x0f));
}

// 32 bits -> 32 bytes, all ones where bit j is set, else 0 (the Q5 "fifth bit" planes).
static inline __m256i bits_to_bytes(const uint8_t* qh4) {
    uint32_t bits;
    std::memcpy(&bits, qh4, 4);
    // byte j takes source byte j/8, then keeps only bit j%8
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(int(bits)),
                                               _mm256_setr_epi64x(0, 0x0101010101010101LL, 0x0202020202020202LL,
                                                                  0x0303030303030303LL));
    const __m256i bit = _mm256_set1_epi64x(int64_t(0x8040201008040201ULL));
    return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
}

// 32 bits -> 32 bytes, byte j = 0x10 if bit j is set.
static inline __m256i bits_to_0x10(const uint8_t* qh4) {
    return _mm256_and_si256(bits_to_bytes(qh4), _mm256_set1_epi8(0x10));
}

// A Q5_0 block's 32 values as signed bytes: (nibble | fifth bit << 4) - 16, which is the
// nibble itself where the bit is set and the nibble with 0xF0 over it (nibble - 16 as an
// int8) where it is not: no subtraction.
static inline __m256i q5_0_values(const BlockQ5_0& b) {
    return _mm256_or_si256(unpack_nibbles16(b.qs), _mm256_andnot_si256(bits_to_bytes(b.qh), _mm256_set1_epi8(char(0xF0))));
}

// Sum of the 32 int8 activations of a block, in 8 int32 lanes.
static inline __m256i sum_i8(__m256i y) { return widen(_mm256_maddubs_epi16(_mm256_set1_epi8(1), y)); }

// ---------------------------------------------------------------- 32-element blocks

float dot_q4_1(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ4_1*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    __m256 acc = _mm256_setzero_ps(), acc_m = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK; ++i) {
        const __m256i q = unpack_nibbles16(x[i].qs);
        const __m256i v = load256(y[i].qs);
        const float dy = h2f(y[i].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * dy), _mm256_cvtepi32_ps(widen(_mm256_maddubs_epi16(q, v))), acc);
        acc_m = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].m) * dy), _mm256_cvtepi32_ps(sum_i8(v)), acc_m);
    }
    return hsum_ps(_mm256_add_ps(acc, acc_m));
}

// Two blocks a step, two accumulators: the fused multiply-adds do not wait on each other
// (1.3x the one-block loop in L2 on Zen 4, where this kernel is compute-bound).
float dot_q5_0(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ5_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    const int64_t nb = n / kQK;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        const __m256i p0 = widen(dot_i8_pairs(q5_0_values(x[i]), load256(y[i].qs)));
        const __m256i p1 = widen(dot_i8_pairs(q5_0_values(x[i + 1]), load256(y[i + 1].qs)));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i + 1].d) * h2f(y[i + 1].d)), _mm256_cvtepi32_ps(p1), acc1);
    }
    if (i < nb) {
        const __m256i p = widen(dot_i8_pairs(q5_0_values(x[i]), load256(y[i].qs)));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p), acc0);
    }
    return hsum_ps(_mm256_add_ps(acc0, acc1));
}

float dot_q5_1(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ5_1*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    __m256 acc = _mm256_setzero_ps(), acc_m = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK; ++i) {
        const __m256i q = _mm256_or_si256(unpack_nibbles16(x[i].qs), bits_to_0x10(x[i].qh));
        const __m256i v = load256(y[i].qs);
        const float dy = h2f(y[i].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * dy), _mm256_cvtepi32_ps(widen(_mm256_maddubs_epi16(q, v))), acc);
        acc_m = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].m) * dy), _mm256_cvtepi32_ps(sum_i8(v)), acc_m);
    }
    return hsum_ps(_mm256_add_ps(acc, acc_m));
}

static inline __m256i iq4_codebook() {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIQ4NLValues)));
}

float dot_iq4_nl(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockIQ4NL*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    const __m256i book = iq4_codebook();
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK; ++i) {
        const __m256i q = _mm256_shuffle_epi8(book, unpack_nibbles16(x[i].qs));
        const __m256i p = widen(dot_i8_pairs(q, load256(y[i].qs)));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p), acc);
    }
    return hsum_ps(acc);
}

// ---------------------------------------------------------------- K-quants

// pshufb masks (see vec_dot_avx2.cpp): every int16 slot of both lanes = element k; or
// low lane = element 2k, high lane = element 2k+1.
static inline __m256i spread_epi16(int k) { return _mm256_set1_epi16(short(((2 * k + 1) << 8) | (2 * k))); }
static inline __m256i pair_spread_epi16(int k) {
    return _mm256_set_m128i(_mm_set1_epi16(short(((4 * k + 3) << 8) | (4 * k + 2))),
                            _mm_set1_epi16(short(((4 * k + 1) << 8) | (4 * k))));
}

static inline int hsum128_epi32(__m128i s) {
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
    return _mm_cvtsi128_si32(s);
}

static inline int hsum_epi32(__m256i v) {
    return hsum128_epi32(_mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
}

float dot_q5_k(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ5_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    const __m256i m4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    float acc_min = 0;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        // scales/mins: same packing as Q4_K (see unpack_scales_k4 in vec_dot_avx2.cpp)
        uint32_t u[3];
        std::memcpy(u, x[i].scales, 12);
        const uint32_t mins47 = ((u[2] >> 4) & 0x0f0f0f0f) | (((u[1] >> 6) & 0x03030303) << 4);
        const uint32_t sc47 = (u[2] & 0x0f0f0f0f) | (((u[0] >> 6) & 0x03030303) << 4);
        const __m128i sm = _mm_set_epi32(int(mins47), int(u[1] & 0x3f3f3f3f), int(sc47), int(u[0] & 0x3f3f3f3f));
        const __m128i bs = _mm_hadd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums)),
                                          _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums + 8)));
        const __m128i pm = _mm_madd_epi16(_mm_cvtepu8_epi16(_mm_srli_si128(sm, 8)), bs);
        acc_min += y[i].d * h2f(x[i].dmin) * float(hsum128_epi32(pm));
        const __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));
        const __m256i hb = load256(x[i].qh);
        __m256i sumi = _mm256_setzero_si256();
        for (int c = 0; c < 4; ++c) {
            const __m256i bits = load256(x[i].qs + 32 * c);
            // 5th bit of value 64c + l is bit 2c of qh[l]; of 64c + 32 + l, bit 2c+1
            const __m256i h_lo = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * c), one), 4);
            const __m256i h_hi = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * c + 1), one), 4);
            const __m256i lo = _mm256_or_si256(_mm256_and_si256(bits, m4), h_lo);
            const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bits, 4), m4), h_hi);
            const __m256i p_lo = _mm256_maddubs_epi16(lo, load256(y[i].qs + 64 * c));
            const __m256i p_hi = _mm256_maddubs_epi16(hi, load256(y[i].qs + 64 * c + 32));
            sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p_lo, _mm256_shuffle_epi8(sc, spread_epi16(2 * c))));
            sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p_hi, _mm256_shuffle_epi8(sc, spread_epi16(2 * c + 1))));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * h2f(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(acc) - acc_min;
}

// Q2_K and Q3_K share the 2-bit plane layout: value 128h + 32j + l sits in bits 2j of
// qs[32h + l]. Scales change every 16 values, i.e. between the two 128-bit lanes.
float dot_q2_k(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ2_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    const __m256i m2 = _mm256_set1_epi8(3);
    __m256 acc = _mm256_setzero_ps();
    float acc_min = 0;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales));
        const __m256i sc16 = _mm256_cvtepu8_epi16(_mm_and_si128(raw, _mm_set1_epi8(0x0f)));
        const __m256i mn16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), _mm_set1_epi8(0x0f)));
        const int summ = hsum_epi32(_mm256_madd_epi16(mn16, load256(y[i].bsums)));
        acc_min += y[i].d * h2f(x[i].dmin) * float(summ);
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            // (two calls: the lane selector must be an immediate even at -O0)
            const __m256i sch = h == 0 ? _mm256_permute2x128_si256(sc16, sc16, 0x00)
                                       : _mm256_permute2x128_si256(sc16, sc16, 0x11);
            const __m256i q = load256(x[i].qs + 32 * h);
            for (int j = 0; j < 4; ++j) {
                const __m256i v = _mm256_and_si256(_mm256_srli_epi16(q, 2 * j), m2);
                const __m256i p = _mm256_maddubs_epi16(v, load256(y[i].qs + 128 * h + 32 * j));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, _mm256_shuffle_epi8(sch, pair_spread_epi16(j))));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * h2f(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(acc) - acc_min;
}

// Q3_K: value = (2 low bits | high bit << 2) - 4, so the inner loop works on unsigned
// 0..7 and 4 * sum(scale * bsum) is taken off once per block.
float dot_q3_k(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ3_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    const __m256i m2 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        // 16 6-bit scales (see q3k_scale in quant_scalar_k.cpp), four at a time
        uint32_t u[3];
        std::memcpy(u, x[i].scales, 12);
        const uint32_t lo4 = 0x0f0f0f0f, lo2 = 0x03030303;
        const __m128i s8 = _mm_set_epi32(int(((u[1] >> 4) & lo4) | (((u[2] >> 6) & lo2) << 4)),
                                         int(((u[0] >> 4) & lo4) | (((u[2] >> 4) & lo2) << 4)),
                                         int((u[1] & lo4) | (((u[2] >> 2) & lo2) << 4)),
                                         int((u[0] & lo4) | ((u[2] & lo2) << 4)));
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_sub_epi8(s8, _mm_set1_epi8(32)));
        const __m256i offs = _mm256_madd_epi16(sc16, load256(y[i].bsums));
        const __m256i hm = load256(x[i].hmask);
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            // (two calls: the lane selector must be an immediate even at -O0)
            const __m256i sch = h == 0 ? _mm256_permute2x128_si256(sc16, sc16, 0x00)
                                       : _mm256_permute2x128_si256(sc16, sc16, 0x11);
            const __m256i q = load256(x[i].qs + 32 * h);
            for (int j = 0; j < 4; ++j) {
                // high bit of value 128h + 32j + l: bit 4h + j of hmask[l]
                const __m256i hb = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hm, 4 * h + j), one), 2);
                const __m256i v = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * j), m2), hb);
                const __m256i p = _mm256_maddubs_epi16(v, load256(y[i].qs + 128 * h + 32 * j));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, _mm256_shuffle_epi8(sch, pair_spread_epi16(j))));
            }
        }
        sumi = _mm256_sub_epi32(sumi, _mm256_slli_epi32(offs, 2));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * h2f(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(acc);
}

float dot_iq4_xs(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockIQ4XS*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    const __m256i book = iq4_codebook();
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        __m256i sumi = _mm256_setzero_si256();
        for (int ib = 0; ib < 8; ++ib) {
            const int ls = ((x[i].scales_l[ib / 2] >> (4 * (ib % 2))) & 0xf) | (((x[i].scales_h >> (2 * ib)) & 3) << 4);
            const __m256i q = _mm256_shuffle_epi8(book, unpack_nibbles16(x[i].qs + 16 * ib));
            const __m256i p = dot_i8_pairs(q, load256(y[i].qs + 32 * ib));  // |pair| <= 2*127*127
            sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, _mm256_set1_epi16(short(ls - 32))));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * h2f(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(acc);
}

}  // namespace

void fill_avx2_extra(KernelTable& t) {
    t.dot[kQ4_1] = dot_q4_1;
    t.dot[kQ5_0] = dot_q5_0;
    t.dot[kQ5_1] = dot_q5_1;
    t.dot[kIQ4_NL] = dot_iq4_nl;
    t.dot[kQ2_K] = dot_q2_k;
    t.dot[kQ3_K] = dot_q3_k;
    t.dot[kQ5_K] = dot_q5_k;
    t.dot[kIQ4_XS] = dot_iq4_xs;
}

}  // namespace kinglet::quant
