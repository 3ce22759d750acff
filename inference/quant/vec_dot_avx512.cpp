// AVX-512 level kernels (F/BW/VL/DQ, plus VNNI when the CPU has it). Compiled with the
// AVX-512 flags (see inference/CMakeLists) and installed by fill_avx512() only after
// cpu_features() confirmed CPU support and that the OS saves ZMM and opmask state.
// Everything not overridden here keeps its AVX2 kernel (installed first).
//
// Measured on Zen 4 (see tests/quant/bench_quant.cpp): zmm only pays off for F32; the
// integer dots are fastest as ymm + VNNI (AVX512-VL encodings of vpdpbusd/vpdpwssd),
// which also avoids the frequency drop some Intel parts take on zmm code.
//
// Same rules as vec_dot_avx2.cpp: no shared inline code, static helpers only, and
// plain loops kept out of the hot paths (the compiler may vectorize them with VNNI
// instructions, which a non-VNNI CPU must never reach).
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

// ---------------------------------------------------------------- int8 helpers

static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// ---------------------------------------------------------------- Q8_0, Q4_0, Q5_0 (VNNI)
// 256-bit vectors on purpose: measured on Zen 4, one block per ymm with vpdpbusd beats
// both the AVX2 kernels (+10%) and two blocks per zmm (which needs extra lane shuffles
// and runs double-pumped). Without VNNI the AVX2 kernels stay in place.

// Signed x signed int8 -> 8 int32 lanes, each the sum of 4 products; |x| is the unsigned
// operand and y carries x's sign (y is never -128, x = -128 gives |x| = 128: still right).
static inline __m256i dot_i8_vnni(__m256i x, __m256i y) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

template <class Block, __m256i (*Load)(const Block&)>
float dot_32_vnni(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const Block*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    const int64_t nb = n / kQK;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        const __m256i p0 = dot_i8_vnni(Load(x[i]), load256(y[i].qs));
        const __m256i p1 = dot_i8_vnni(Load(x[i + 1]), load256(y[i + 1].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i + 1].d) * h2f(y[i + 1].d)), _mm256_cvtepi32_ps(p1), acc1);
    }
    if (i < nb) {
        const __m256i p = dot_i8_vnni(Load(x[i]), load256(y[i].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p), acc0);
    }
    return hsum256(_mm256_add_ps(acc0, acc1));
}

static inline __m256i load_q8_0(const BlockQ8_0& b) { return load256(b.qs); }

static inline __m256i load_q4_0(const BlockQ4_0& b) {  // element order, minus 8
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
    const __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), _mm256_set1_epi8(0x0f));
    return _mm256_sub_epi8(q, _mm256_set1_epi8(8));
}

// Values minus 16: the nibble, less 16 where the block's fifth bit is clear (AVX512-BW
// mask registers turn the 32 bits of qh into a byte mask in one instruction, where AVX2
// spends five on spreading them: 1.4x the AVX2 kernel in L2 on Zen 4).
static inline __m256i load_q5_0(const BlockQ5_0& b) {
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
    const __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), _mm256_set1_epi8(0x0f));
    uint32_t bits;
    std::memcpy(&bits, b.qh, 4);
    return _mm256_mask_sub_epi8(q, _cvtu32_mask32(~bits), q, _mm256_set1_epi8(16));
}

// ---------------------------------------------------------------- K-quants (VNNI)
// Same structure as the AVX2 kernels (maddubs to int16 pair sums, then a multiply-add
// with a vector of sub-block scales), with vpdpwssd fusing that multiply-add into the
// int32 accumulator. Also 256-bit: zmm versions of these measured slower on Zen 4.

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

// pshufb masks (see vec_dot_avx2.cpp).
static inline __m256i spread_epi16(int k) { return _mm256_set1_epi16(short(((2 * k + 1) << 8) | (2 * k))); }
static inline __m256i pair_spread_epi16(int k) {
    return _mm256_set_m128i(_mm_set1_epi16(short(((4 * k + 3) << 8) | (4 * k + 2))),
                            _mm_set1_epi16(short(((4 * k + 1) << 8) | (4 * k))));
}

float dot_q4_k_vnni(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ4_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    __m256 acc = _mm256_setzero_ps();
    __m128 acc_min = _mm_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const __m128i sm = unpack_scales_k4(x[i].scales);
        const __m128i bs = _mm_hadd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums)),
                                          _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums + 8)));
        const __m128i pm = _mm_madd_epi16(_mm_cvtepu8_epi16(_mm_srli_si128(sm, 8)), bs);
        acc_min = _mm_fmadd_ps(_mm_set1_ps(y[i].d * h2f(x[i].dmin)), _mm_cvtepi32_ps(pm), acc_min);

        const __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));
        // two accumulators: a single chain of vpdpwssd would be latency bound
        __m256i sum0 = _mm256_setzero_si256(), sum1 = _mm256_setzero_si256();
        for (int c = 0; c < 4; ++c) {
            const __m256i bits = load256(x[i].qs + 32 * c);
            const __m256i lo = _mm256_and_si256(bits, m4);
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
            const __m256i p_lo = _mm256_maddubs_epi16(lo, load256(y[i].qs + 64 * c));
            const __m256i p_hi = _mm256_maddubs_epi16(hi, load256(y[i].qs + 64 * c + 32));
            sum0 = _mm256_dpwssd_epi32(sum0, p_lo, _mm256_shuffle_epi8(sc, spread_epi16(2 * c)));
            sum1 = _mm256_dpwssd_epi32(sum1, p_hi, _mm256_shuffle_epi8(sc, spread_epi16(2 * c + 1)));
        }
        const __m256i sumi = _mm256_add_epi32(sum0, sum1);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * h2f(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
    }
    __m128 m = _mm_add_ps(acc_min, _mm_movehl_ps(acc_min, acc_min));
    m = _mm_add_ss(m, _mm_movehdup_ps(m));
    return hsum256(acc) - _mm_cvtss_f32(m);
}

// Q6_K: unsigned 6-bit values in the inner loop; the -32 offset is applied once per
// block through the Q8_K bsums (see vec_dot_avx2.cpp).
float dot_q6_k_vnni(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ6_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    const __m256i m2 = _mm256_set1_epi8(0x03);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales)));
        // sum0 starts from -32 * sum(scale * bsum); two chains of vpdpwssd, not one
        __m256i sum0 = _mm256_slli_epi32(_mm256_madd_epi16(sc16, load256(y[i].bsums)), 5);
        sum0 = _mm256_sub_epi32(_mm256_setzero_si256(), sum0);
        __m256i sum1 = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            const __m256i sch = h == 0 ? _mm256_permute2x128_si256(sc16, sc16, 0x00)
                                       : _mm256_permute2x128_si256(sc16, sc16, 0x11);
            const uint8_t* ql = x[i].ql + 64 * h;
            const __m256i qh = load256(x[i].qh + 32 * h);
            const __m256i l0 = load256(ql);
            const __m256i l1 = load256(ql + 32);
            const __m256i q[4] = {
                _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(qh, m2), 4)),
                _mm256_or_si256(_mm256_and_si256(l1, m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), m2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), m2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), m2), 4)),
            };
            const int8_t* q8 = y[i].qs + 128 * h;
            for (int k = 0; k < 4; k += 2) {
                const __m256i p0 = _mm256_maddubs_epi16(q[k], load256(q8 + 32 * k));
                const __m256i p1 = _mm256_maddubs_epi16(q[k + 1], load256(q8 + 32 * k + 32));
                sum0 = _mm256_dpwssd_epi32(sum0, p0, _mm256_shuffle_epi8(sch, pair_spread_epi16(k)));
                sum1 = _mm256_dpwssd_epi32(sum1, p1, _mm256_shuffle_epi8(sch, pair_spread_epi16(k + 1)));
            }
        }
        const __m256i sumi = _mm256_add_epi32(sum0, sum1);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * h2f(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum256(acc);
}

}  // namespace

void fill_avx512(KernelTable& t, bool vnni) {
    // F16 stays on the AVX2 kernel: vcvtph2ps with a zmm destination runs at half the
    // rate of the ymm form on Zen 4, so the ymm kernel is faster in cache and equal
    // when memory bound.
    t.dot[kF32] = dot_f32;
    if (vnni) {
        t.dot[kQ8_0] = dot_32_vnni<BlockQ8_0, load_q8_0>;
        t.dot[kQ4_0] = dot_32_vnni<BlockQ4_0, load_q4_0>;
        t.dot[kQ5_0] = dot_32_vnni<BlockQ5_0, load_q5_0>;
        t.dot[kQ4_K] = dot_q4_k_vnni;
        t.dot[kQ6_K] = dot_q6_k_vnni;
    }
}

}  // namespace kinglet::quant
