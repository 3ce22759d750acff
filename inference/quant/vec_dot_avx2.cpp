// AVX2 + FMA + F16C kernels. Compiled with -mavx2 -mfma -mf16c (see inference/CMakeLists)
// and only installed by fill_avx2() after cpu_features() confirmed CPU and OS support.
//
// Rules for this file: include nothing that defines inline functions or templates used
// elsewhere (the linker could keep this file's AVX2 copy for baseline callers), keep all
// helpers `static`, and reproduce the scalar kernels' arithmetic so results match them.
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

// Signed int8 x signed int8 -> 8 int32 lanes (sums of 4 products). maddubs needs an
// unsigned operand, so |x| is used with y carrying x's sign. x may be -128 (|x| = 128 as
// unsigned is still right); y never is (our quantizers stay in [-127, 127]).
static inline __m256i dot_i8(__m256i x, __m256i y) {
    const __m256i ax = _mm256_sign_epi8(x, x);
    const __m256i sy = _mm256_sign_epi8(y, x);
    return _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sy), _mm256_set1_epi16(1));
}

// 16 bytes of nibbles -> 32 bytes in element order (low nibbles, then high nibbles).
static inline __m256i unpack_nibbles16(const uint8_t* p) {
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(t, 4), t);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0f));
}

// ---------------------------------------------------------------- float types

float dot_f32(int64_t n, const void* w, const void* a) {
    const float* x = static_cast<const float*>(w);
    const float* y = static_cast<const float*>(a);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), acc1);
        acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16), acc2);
        acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24), acc3);
    }
    for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc0);
    float s = hsum_ps(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
    for (; i < n; ++i) s += x[i] * y[i];
    return s;
}

static inline __m256 load_h8(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

float dot_f16(int64_t n, const void* w, const void* a) {
    const uint16_t* x = static_cast<const uint16_t*>(w);
    const uint16_t* y = static_cast<const uint16_t*>(a);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = _mm256_fmadd_ps(load_h8(x + i), load_h8(y + i), acc0);
        acc1 = _mm256_fmadd_ps(load_h8(x + i + 8), load_h8(y + i + 8), acc1);
        acc2 = _mm256_fmadd_ps(load_h8(x + i + 16), load_h8(y + i + 16), acc2);
        acc3 = _mm256_fmadd_ps(load_h8(x + i + 24), load_h8(y + i + 24), acc3);
    }
    for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(load_h8(x + i), load_h8(y + i), acc0);
    float s = hsum_ps(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
    for (; i < n; ++i) s += h2f(x[i]) * h2f(y[i]);
    return s;
}

// bf16 -> f32 is a 16-bit left shift of the bits.
static inline __m256 load_bf8(const uint16_t* p) {
    const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

float dot_bf16(int64_t n, const void* w, const void* a) {
    const uint16_t* x = static_cast<const uint16_t*>(w);
    const uint16_t* y = static_cast<const uint16_t*>(a);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(load_bf8(x + i), load_bf8(y + i), acc0);
        acc1 = _mm256_fmadd_ps(load_bf8(x + i + 8), load_bf8(y + i + 8), acc1);
    }
    for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(load_bf8(x + i), load_bf8(y + i), acc0);
    float s = hsum_ps(_mm256_add_ps(acc0, acc1));
    for (; i < n; ++i) {
        uint32_t bx = uint32_t(x[i]) << 16, by = uint32_t(y[i]) << 16;
        float fx, fy;
        std::memcpy(&fx, &bx, 4);
        std::memcpy(&fy, &by, 4);
        s += fx * fy;
    }
    return s;
}

// ---------------------------------------------------------------- 32-element blocks

float dot_q8_0(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ8_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    const int64_t nb = n / kQK;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        const __m256i p0 = dot_i8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs)),
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs)));
        const __m256i p1 = dot_i8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i + 1].qs)),
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i + 1].qs)));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i + 1].d) * h2f(y[i + 1].d)), _mm256_cvtepi32_ps(p1), acc1);
    }
    for (; i < nb; ++i) {
        const __m256i p = dot_i8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs)),
                                 _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs)));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p), acc0);
    }
    return hsum_ps(_mm256_add_ps(acc0, acc1));
}

float dot_q4_0(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ4_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    const int64_t nb = n / kQK;
    const __m256i eight = _mm256_set1_epi8(8);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        const __m256i q0 = _mm256_sub_epi8(unpack_nibbles16(x[i].qs), eight);
        const __m256i q1 = _mm256_sub_epi8(unpack_nibbles16(x[i + 1].qs), eight);
        const __m256i p0 = dot_i8(q0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs)));
        const __m256i p1 = dot_i8(q1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i + 1].qs)));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i + 1].d) * h2f(y[i + 1].d)), _mm256_cvtepi32_ps(p1), acc1);
    }
    for (; i < nb; ++i) {
        const __m256i q = _mm256_sub_epi8(unpack_nibbles16(x[i].qs), eight);
        const __m256i p = dot_i8(q, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs)));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p), acc0);
    }
    return hsum_ps(_mm256_add_ps(acc0, acc1));
}

// ---------------------------------------------------------------- K-quants

// The 12 packed bytes of Q4_K/Q5_K scales -> 8 scales (bytes 0-7) and 8 mins (8-15).
// Same bit moves as scale_min_k4() in quant_scalar_k.cpp, four bytes at a time.
static inline __m128i unpack_scales_k4(const uint8_t* s) {
    uint32_t u[3];
    std::memcpy(u, s, 12);
    const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, low2 = 0x03030303;
    const uint32_t mins47 = ((u[2] >> 4) & low4) | (((u[1] >> 6) & low2) << 4);
    const uint32_t mins03 = u[1] & low6;
    const uint32_t sc47 = (u[2] & low4) | (((u[0] >> 6) & low2) << 4);
    const uint32_t sc03 = u[0] & low6;
    return _mm_set_epi32(int(mins47), int(mins03), int(sc47), int(sc03));
}

// pshufb mask that copies int16 element k of each 128-bit lane to all 8 of its slots.
static inline __m256i spread_epi16(int k) { return _mm256_set1_epi16(short(((2 * k + 1) << 8) | (2 * k))); }

float dot_q4_k(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ4_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    __m256 acc = _mm256_setzero_ps();
    __m128 acc_min = _mm_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const __m128i sm = unpack_scales_k4(x[i].scales);
        const float d = y[i].d * h2f(x[i].d);
        const float dmin = y[i].d * h2f(x[i].dmin);
        // mins: sum_j min_j * (bsums[2j] + bsums[2j+1])
        const __m128i bs = _mm_hadd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums)),
                                          _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums + 8)));
        const __m128i pm = _mm_madd_epi16(_mm_cvtepu8_epi16(_mm_srli_si128(sm, 8)), bs);
        acc_min = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(pm), acc_min);

        const __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));
        __m256i sumi = _mm256_setzero_si256();
        const uint8_t* q = x[i].qs;
        const int8_t* q8 = y[i].qs;
        for (int c = 0; c < 4; ++c, q += 32, q8 += 64) {
            const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
            const __m256i lo = _mm256_and_si256(bits, m4);
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
            // unsigned 0..15 times int8: pair sums stay far below int16 saturation
            __m256i p_lo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8)));
            __m256i p_hi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8 + 32)));
            p_lo = _mm256_madd_epi16(p_lo, _mm256_shuffle_epi8(sc, spread_epi16(2 * c)));
            p_hi = _mm256_madd_epi16(p_hi, _mm256_shuffle_epi8(sc, spread_epi16(2 * c + 1)));
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p_lo, p_hi));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    __m128 m = _mm_add_ps(acc_min, _mm_movehl_ps(acc_min, acc_min));
    m = _mm_add_ss(m, _mm_movehdup_ps(m));
    return hsum_ps(acc) - _mm_cvtss_f32(m);
}

// pshufb mask: low 128-bit lane gets int16 element 2k everywhere, high lane 2k+1.
static inline __m256i pair_spread_epi16(int k) {
    return _mm256_set_m128i(_mm_set1_epi16(short(((4 * k + 3) << 8) | (4 * k + 2))),
                            _mm_set1_epi16(short(((4 * k + 1) << 8) | (4 * k))));
}

// Q6_K: the -32 offset is applied once per block through the Q8_K bsums
// (sum (q-32)*y*s = sum q*y*s - 32 * sum s*bsum), so the inner loop works on unsigned
// 6-bit values.
float dot_q6_k(int64_t n, const void* w, const void* a) {
    const auto* x = static_cast<const BlockQ6_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    const __m256i m2 = _mm256_set1_epi8(0x03);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const float d = y[i].d * h2f(x[i].d);
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales)));
        const __m256i offs = _mm256_madd_epi16(sc16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].bsums)));

        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            // scales 8h..8h+7 in both 128-bit lanes
            // (two calls: the lane selector must be an immediate even at -O0)
            const __m256i sch = h == 0 ? _mm256_permute2x128_si256(sc16, sc16, 0x00)
                                       : _mm256_permute2x128_si256(sc16, sc16, 0x11);
            const uint8_t* ql = x[i].ql + 64 * h;
            const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qh + 32 * h));
            const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql));
            const __m256i l1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 32));
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
            for (int k = 0; k < 4; ++k) {
                // 32 elements = two 16-element groups with scales sc[8h+2k], sc[8h+2k+1]
                const __m256i p = _mm256_maddubs_epi16(q[k], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8 + 32 * k)));
                const __m256i s = _mm256_shuffle_epi8(sch, pair_spread_epi16(k));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, s));
            }
        }
        sumi = _mm256_sub_epi32(sumi, _mm256_slli_epi32(offs, 5));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(acc);
}

// ---------------------------------------------------------------- activation quantizers

static inline __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

static inline float hmax_ps(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

// 32 int32 in four vectors -> 32 int8 in order (packs interleave 128-bit lanes; the
// final permute undoes that).
static inline __m256i pack_i32x32(__m256i a, __m256i b, __m256i c, __m256i d) {
    const __m256i ab = _mm256_packs_epi32(a, b);
    const __m256i cd = _mm256_packs_epi32(c, d);
    const __m256i all = _mm256_packs_epi16(ab, cd);
    return _mm256_permutevar8x32_epi32(all, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

static inline __m256i round_to_i32(__m256 v) {
    return _mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

void quant_q8_0(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8_0*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        const __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8);
        const __m256 v2 = _mm256_loadu_ps(x + 16), v3 = _mm256_loadu_ps(x + 24);
        const float amax = hmax_ps(_mm256_max_ps(_mm256_max_ps(abs_ps(v0), abs_ps(v1)),
                                                 _mm256_max_ps(abs_ps(v2), abs_ps(v3))));
        const float d = amax / 127.f;
        const float id = amax != 0 ? 127.f / amax : 0.0f;
        b[i].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
        const __m256 m = _mm256_set1_ps(id);
        const __m256i q = pack_i32x32(round_to_i32(_mm256_mul_ps(v0, m)), round_to_i32(_mm256_mul_ps(v1, m)),
                                      round_to_i32(_mm256_mul_ps(v2, m)), round_to_i32(_mm256_mul_ps(v3, m)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(b[i].qs), q);
    }
}

void quant_q8_k(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8_K*>(dst);
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        __m256 vmax = _mm256_loadu_ps(x), vmin = vmax;
        for (int j = 8; j < kQKK; j += 8) {
            const __m256 v = _mm256_loadu_ps(x + j);
            vmax = _mm256_max_ps(vmax, v);
            vmin = _mm256_min_ps(vmin, v);
        }
        const float hi = hmax_ps(vmax);
        const float lo = -hmax_ps(_mm256_sub_ps(_mm256_setzero_ps(), vmin));
        // The scalar code takes the first element of largest magnitude; only when +a and
        // -a both occur does "first" matter, so only then scan.
        float max;
        if (hi > -lo) max = hi;
        else if (-lo > hi) max = lo;
        else {
            max = hi;
            for (int j = 0; j < kQKK; ++j)
                if (x[j] == hi || x[j] == lo) { max = x[j]; break; }
        }
        if (max == 0) {
            std::memset(&b[i], 0, sizeof(BlockQ8_K));
            continue;
        }
        const float iscale = -127.f / max;
        const __m256 m = _mm256_set1_ps(iscale);
        const __m256i cap = _mm256_set1_epi32(127);
        const __m256i ones8 = _mm256_set1_epi8(1);
        for (int j = 0; j < kQKK; j += 32) {
            __m256i r[4];
            for (int k = 0; k < 4; ++k)
                r[k] = _mm256_min_epi32(round_to_i32(_mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * k), m)), cap);
            const __m256i q = pack_i32x32(r[0], r[1], r[2], r[3]);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(b[i].qs + j), q);
            // Sums of 16: pairs (maddubs with 1), then quads (madd), then two hadds
            // within each 128-bit lane leave group 2*(j/32) in lane 0, the next in lane 4.
            __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, q), _mm256_set1_epi16(1));
            s = _mm256_hadd_epi32(s, s);
            s = _mm256_hadd_epi32(s, s);
            b[i].bsums[j / 16] = static_cast<int16_t>(_mm256_extract_epi32(s, 0));
            b[i].bsums[j / 16 + 1] = static_cast<int16_t>(_mm256_extract_epi32(s, 4));
        }
        b[i].d = 1 / iscale;
    }
}

void quant_f16(const float* x, void* dst, int64_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(h + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; ++i) h[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

}  // namespace

void fill_avx2(KernelTable& t) {
    t.dot[kF32] = dot_f32;
    t.dot[kF16] = dot_f16;
    t.dot[kBF16] = dot_bf16;
    t.dot[kQ8_0] = dot_q8_0;
    t.dot[kQ4_0] = dot_q4_0;
    t.dot[kQ4_K] = dot_q4_k;
    t.dot[kQ6_K] = dot_q6_k;
    t.quant[kQ8_0] = quant_q8_0;
    t.quant[kQ8_K] = quant_q8_k;
    t.quant[kF16] = quant_f16;
    fill_avx2_extra(t);
}

}  // namespace kinglet::quant
