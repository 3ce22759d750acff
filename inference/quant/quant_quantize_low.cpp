// Quantizers for the low-bit types Q2_K, Q3_K, IQ4_NL and IQ4_XS (used by the `quantize`
// tool, not on the hot path).
//
// Same schemes as ggml's reference quantizers (no importance matrix):
//  - Q2_K: per 16 values an asymmetric fit x ~ s*L - m, L in [0,3], searched over grid
//    spacings and scored by weighted *absolute* error (weights |x|); the 16 scales and 16
//    mins are then quantized to 4 bits against two fp16 super-block scales.
//  - Q3_K: per 16 values a symmetric fit x ~ s*L, L in [-4,3], refined coordinate-wise
//    to maximise (sum w x L)^2 / sum w L^2 with w = x^2; scales to 6 bits (signed).
//  - IQ4_NL / IQ4_XS: per 32 values the best scale for the non-linear codebook, found by
//    trying 15 grid placements (weights x^2); IQ4_XS then quantizes the 8 block scales
//    to 6 bits against one fp16 super-block scale.
// In every case the values are finally re-rounded with the scales as they will decode.
#include <cmath>
#include <cstring>

#include "quant/half_scalar.h"
#include "quant/quant_internal.h"
#include "util/half.h"

namespace kinglet::quant {
namespace {

inline float h2f(uint16_t h) { return half_to_float(h); }

inline int round_even(float x) {  // round half to even, as ggml's nearest_int
    float v = x + 12582912.f;
    int32_t i;
    std::memcpy(&i, &v, 4);
    return (i & 0x007fffff) - 0x00400000;
}

inline int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

constexpr float kEps = 1e-15f;

// Q2_K sub-block fit: x ~ scale * L - min, L in [0, nmax], min >= 0 returned in *the_min.
// Error measure: sum w |diff| (robust to the few outliers a 2-bit grid cannot follow).
float fit_scale_min_mad(int n, int nmax, const float* x, const float* w, uint8_t* L, float* the_min, float rmin,
                        float rdelta, int nsteps) {
    float mn = x[0], mx = x[0], sum_w = w[0], sum_x = w[0] * x[0];
    for (int i = 1; i < n; ++i) {
        mn = std::fmin(mn, x[i]);
        mx = std::fmax(mx, x[i]);
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (mn > 0) mn = 0;
    if (mx == mn) {
        std::memset(L, 0, n);
        *the_min = -mn;
        return 0.f;
    }
    float iscale = nmax / (mx - mn);
    float scale = 1 / iscale;
    float best = 0;
    for (int i = 0; i < n; ++i) {
        L[i] = static_cast<uint8_t>(clampi(round_even(iscale * (x[i] - mn)), 0, nmax));
        best += w[i] * std::fabs(scale * L[i] + mn - x[i]);
    }
    uint8_t trial[32];
    for (int step = 0; step <= nsteps; ++step) {
        iscale = (rmin + rdelta * step + nmax) / (mx - mn);
        float sl = 0, sl2 = 0, sxl = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clampi(round_even(iscale * (x[i] - mn)), 0, nmax);
            trial[i] = static_cast<uint8_t>(l);
            sl += w[i] * l;
            sl2 += w[i] * l * l;
            sxl += w[i] * l * x[i];
        }
        const float det = sum_w * sl2 - sl * sl;
        if (det <= 0) continue;
        float s = (sum_w * sxl - sum_x * sl) / det;
        float m = (sl2 * sum_x - sl * sxl) / det;
        if (m > 0) {  // a positive offset cannot be stored: refit the scale alone
            m = 0;
            s = sxl / sl2;
        }
        float err = 0;
        for (int i = 0; i < n; ++i) err += w[i] * std::fabs(s * trial[i] + m - x[i]);
        if (err < best) {
            std::memcpy(L, trial, n);
            best = err;
            scale = s;
            mn = m;
        }
    }
    *the_min = -mn;
    return scale;
}

// Q3_K sub-block fit: x ~ scale * l, l in [-nmax, nmax-1]; returns the scale and stores
// L = l + nmax. Starts from the grid through the largest magnitude, then moves single
// values while that raises the weighted correlation (sum w x l)^2 / (sum w l^2).
float fit_scale_q3(int n, int nmax, const float* x, int8_t* L) {
    float amax = 0, max = 0;
    for (int i = 0; i < n; ++i)
        if (std::fabs(x[i]) > amax) { amax = std::fabs(x[i]); max = x[i]; }
    if (amax < kEps) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.f;
    }
    const float iscale = -nmax / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clampi(round_even(iscale * x[i]), -nmax, nmax - 1);
        L[i] = static_cast<int8_t>(l);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    for (int itry = 0; itry < 5; ++itry) {
        int changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            float slx = sumlx - w * x[i] * L[i];
            if (slx <= 0) continue;
            float sl2 = suml2 - w * L[i] * L[i];
            const int nl = clampi(round_even(x[i] * sl2 / slx), -nmax, nmax - 1);
            if (nl == L[i]) continue;
            slx += w * x[i] * nl;
            sl2 += w * nl * nl;
            if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                L[i] = static_cast<int8_t>(nl);
                sumlx = slx;
                suml2 = sl2;
                ++changed;
            }
        }
        if (!changed) break;
    }
    for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
    return suml2 > 0 ? sumlx / suml2 : 0.f;
}

// 2 bits per element, 128 elements per 32 bytes: element 32*j + l of each half of the
// block goes to bits 2j..2j+1 of byte l (shared by Q2_K and Q3_K).
void pack_2bit(const uint8_t* L, uint8_t* qs) {
    for (int h = 0; h < 2; ++h)
        for (int l = 0; l < 32; ++l) {
            const uint8_t* Lh = L + 128 * h;
            qs[32 * h + l] = static_cast<uint8_t>(Lh[l] | (Lh[l + 32] << 2) | (Lh[l + 64] << 4) | (Lh[l + 96] << 6));
        }
}

void quant_q2_k(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ2_K*>(dst);
    uint8_t L[kQKK];
    float weights[16], scales[16], mins[16];
    constexpr float kQ4Scale = 15.f;
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        float max_scale = 0, max_min = 0;
        for (int j = 0; j < 16; ++j) {
            for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
            scales[j] = fit_scale_min_mad(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], -0.5f, 0.1f, 15);
            max_scale = std::fmax(max_scale, scales[j]);
            max_min = std::fmax(max_min, mins[j]);
        }
        if (max_scale > 0) {
            const float iscale = kQ4Scale / max_scale;
            for (int j = 0; j < 16; ++j) b[i].scales[j] = static_cast<uint8_t>(clampi(round_even(iscale * scales[j]), 0, 15));
            b[i].d = fp32_to_fp16(max_scale / kQ4Scale);
        } else {
            std::memset(b[i].scales, 0, 16);
            b[i].d = fp32_to_fp16(0.f);
        }
        if (max_min > 0) {
            const float iscale = kQ4Scale / max_min;
            for (int j = 0; j < 16; ++j)
                b[i].scales[j] |= static_cast<uint8_t>(clampi(round_even(iscale * mins[j]), 0, 15) << 4);
            b[i].dmin = fp32_to_fp16(max_min / kQ4Scale);
        } else {
            b[i].dmin = fp32_to_fp16(0.f);
        }
        const float d = h2f(b[i].d), dmin = h2f(b[i].dmin);
        for (int j = 0; j < 16; ++j) {
            const float dj = d * (b[i].scales[j] & 0xf);
            if (dj == 0) continue;  // keep the fit's L (all decode to -min anyway)
            const float mj = dmin * (b[i].scales[j] >> 4);
            for (int l = 0; l < 16; ++l)
                L[16 * j + l] = static_cast<uint8_t>(clampi(round_even((x[16 * j + l] + mj) / dj), 0, 3));
        }
        pack_2bit(L, b[i].qs);
    }
}

void quant_q3_k(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ3_K*>(dst);
    int8_t L[kQKK];
    float scales[16];
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        float amax = 0, max_scale = 0;
        for (int j = 0; j < 16; ++j) {
            scales[j] = fit_scale_q3(16, 4, x + 16 * j, L + 16 * j);
            if (std::fabs(scales[j]) > amax) { amax = std::fabs(scales[j]); max_scale = scales[j]; }
        }
        std::memset(b[i].scales, 0, sizeof b[i].scales);
        if (max_scale != 0) {
            // Signed 6-bit scales, stored +32; the largest magnitude maps to -32.
            const float iscale = -32.f / max_scale;
            for (int j = 0; j < 16; ++j) {
                const int l = clampi(round_even(iscale * scales[j]), -32, 31) + 32;
                if (j < 8) b[i].scales[j] = static_cast<uint8_t>(l & 0xf);
                else b[i].scales[j - 8] |= static_cast<uint8_t>((l & 0xf) << 4);
                b[i].scales[8 + j % 4] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
            }
            b[i].d = fp32_to_fp16(1 / iscale);
        } else {
            b[i].d = fp32_to_fp16(0.f);
        }
        const float d = h2f(b[i].d);
        for (int j = 0; j < 16; ++j) {
            int sc = j < 8 ? (b[i].scales[j] & 0xf) : (b[i].scales[j - 8] >> 4);
            sc = (sc | (((b[i].scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
            const float dj = d * sc;
            if (dj == 0) continue;
            for (int l = 0; l < 16; ++l) L[16 * j + l] = static_cast<int8_t>(clampi(round_even(x[16 * j + l] / dj), -4, 3) + 4);
        }
        // Bit 2 of each value goes to hmask (element e: bit e/32 of hmask[e%32]).
        std::memset(b[i].hmask, 0, sizeof b[i].hmask);
        uint8_t low[kQKK];
        for (int e = 0; e < kQKK; ++e) {
            if (L[e] > 3) b[i].hmask[e % 32] |= static_cast<uint8_t>(1u << (e / 32));
            low[e] = static_cast<uint8_t>(L[e] & 3);
        }
        pack_2bit(low, b[i].qs);
    }
}

// Index of the codebook entry nearest to v (kIQ4NLValues is sorted ascending).
int nearest_iq4(float v) {
    const int8_t* val = kIQ4NLValues;
    if (v <= val[0]) return 0;
    if (v >= val[15]) return 15;
    int lo = 0, hi = 15;
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (v < val[mid]) hi = mid;
        else lo = mid;
    }
    return v - val[lo] < val[hi] - v ? lo : hi;
}

// Best scale for 32 values against the IQ4 codebook (weights x^2); L gets the indices.
float fit_iq4_block(const float* x, uint8_t* L) {
    constexpr int kTries = 7;
    float amax = 0, max = 0;
    for (int j = 0; j < 32; ++j)
        if (std::fabs(x[j]) > amax) { amax = std::fabs(x[j]); max = x[j]; }
    if (amax < kEps) {
        for (int j = 0; j < 32; ++j) L[j] = static_cast<uint8_t>(nearest_iq4(0.f));
        return 0.f;
    }
    const float v0 = kIQ4NLValues[0];  // -127: the largest magnitude
    auto score = [&](float id, float& sumqx, float& sumq2, uint8_t* out) {
        sumqx = sumq2 = 0;
        for (int j = 0; j < 32; ++j) {
            const int l = nearest_iq4(id * x[j]);
            if (out) out[j] = static_cast<uint8_t>(l);
            const float q = kIQ4NLValues[l], w = x[j] * x[j];
            sumqx += w * q * x[j];
            sumq2 += w * q * q;
        }
    };
    float sumqx, sumq2;
    score(v0 / max, sumqx, sumq2, L);  // largest value onto the codebook's end (-127)
    float d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
    float best = d * sumqx;
    for (int t = -kTries; t <= kTries; ++t) {
        const float id = (t + v0) / max;
        score(id, sumqx, sumq2, nullptr);
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            d = sumqx / sumq2;
            best = d * sumqx;
        }
    }
    return d;
}

void requantize_iq4(const float* x, float scale, uint8_t* L) {
    const float id = scale != 0 ? 1 / scale : 0.f;
    for (int j = 0; j < 32; ++j) L[j] = static_cast<uint8_t>(nearest_iq4(id * x[j]));
}

void pack_iq4(const uint8_t* L, uint8_t* qs) {  // element j low nibble, j+16 high nibble
    for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>(L[j] | (L[j + 16] << 4));
}

void quant_iq4_nl(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockIQ4NL*>(dst);
    uint8_t L[kQK];
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        const float d = fit_iq4_block(x, L);
        b[i].d = fp32_to_fp16(d);
        requantize_iq4(x, h2f(b[i].d), L);
        pack_iq4(L, b[i].qs);
    }
}

void quant_iq4_xs(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockIQ4XS*>(dst);
    uint8_t L[kQKK];
    float scales[8];
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        float amax = 0, max_scale = 0;
        for (int ib = 0; ib < 8; ++ib) {
            scales[ib] = fit_iq4_block(x + 32 * ib, L + 32 * ib);
            if (std::fabs(scales[ib]) > amax) { amax = std::fabs(scales[ib]); max_scale = scales[ib]; }
        }
        // Signed 6-bit block scales (stored +32) against one fp16 scale; the largest
        // magnitude maps to -32.
        b[i].d = fp32_to_fp16(-max_scale / 32);
        const float d = h2f(b[i].d);
        const float id = d != 0 ? 1 / d : 0.f;
        b[i].scales_h = 0;
        std::memset(b[i].scales_l, 0, sizeof b[i].scales_l);
        for (int ib = 0; ib < 8; ++ib) {
            const int l = clampi(round_even(id * scales[ib]), -32, 31);
            requantize_iq4(x + 32 * ib, d * l, L + 32 * ib);
            const int s = l + 32;
            b[i].scales_l[ib / 2] |= static_cast<uint8_t>((s & 0xf) << (4 * (ib % 2)));
            b[i].scales_h |= static_cast<uint16_t>((s >> 4) << (2 * ib));
            pack_iq4(L + 32 * ib, b[i].qs + 16 * ib);
        }
    }
}

}  // namespace

void fill_quantize_low(KernelTable& t) {
    t.quant[kQ2_K] = quant_q2_k;
    t.quant[kQ3_K] = quant_q3_k;
    t.quant[kIQ4_NL] = quant_iq4_nl;
    t.quant[kIQ4_XS] = quant_iq4_xs;
}

}  // namespace kinglet::quant
