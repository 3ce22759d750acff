// Quantizers for Q4_K, Q5_K and Q6_K (used by the `quantize` tool, not on the hot path).
//
// Same scheme as ggml's reference quantizers: each sub-block gets its own best
// (scale, min) or scale from a small search that minimises weighted squared error, then
// the sub-block scales are themselves quantized to 6 bits (8 bits for Q6_K) against one
// fp16 super-block scale, and finally the values are re-rounded with the scales as they
// will actually be decoded.
#include <cmath>
#include <cstring>

#include "quant/half_scalar.h"
#include "quant/quant_internal.h"
#include "util/half.h"

namespace kinglet::quant {
namespace {

inline float h2f(uint16_t h) { return half_to_float(h); }

inline int round_even(float x) {  // see quant_scalar_legacy.cpp
    float v = x + 12582912.f;
    int32_t i;
    std::memcpy(&i, &v, 4);
    return (i & 0x007fffff) - 0x00400000;
}

inline int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Asymmetric fit x ~ scale * L - min with L in [0, nmax] (min >= 0 returned in `the_min`).
// Starts from the plain min/max grid, then tries `nsteps` slightly different grid
// spacings; for each the optimal scale/offset for the resulting L is solved in closed
// form (weighted least squares) and the best one by weighted squared error is kept.
float fit_scale_min(int n, int nmax, const float* x, const float* w, uint8_t* L, float* the_min,
                    float rmin, float rdelta, int nsteps) {
    float mn = x[0], mx = x[0], sum_w = w[0], sum_x = w[0] * x[0];
    for (int i = 1; i < n; ++i) {
        mn = std::fmin(mn, x[i]);
        mx = std::fmax(mx, x[i]);
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (mn > 0) mn = 0;  // the offset only ever shifts down: mins are stored as >= 0
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
        const float diff = scale * L[i] + mn - x[i];
        best += w[i] * diff * diff;
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
        for (int i = 0; i < n; ++i) {
            const float diff = s * trial[i] + m - x[i];
            err += w[i] * diff * diff;
        }
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

// Symmetric fit x ~ scale * l with l in [-nmax, nmax-1], weights x^2 (large values
// matter most). Tries grid spacings around nmax/max and keeps the best least-squares
// scale.
float fit_scale_symmetric(int n, int nmax, const float* x, int8_t* L) {
    float amax = 0, max = 0;
    for (int i = 0; i < n; ++i)
        if (std::fabs(x[i]) > amax) { amax = std::fabs(x[i]); max = x[i]; }
    if (amax < 1e-15f) {
        std::memset(L, 0, n);
        return 0.f;
    }
    auto eval = [&](float iscale, float& slx, float& sl2) {
        slx = sl2 = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clampi(round_even(iscale * x[i]), -nmax, nmax - 1);
            const float w = x[i] * x[i];
            slx += w * x[i] * l;
            sl2 += w * l * l;
        }
    };
    auto assign = [&](float iscale) {
        for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(clampi(round_even(iscale * x[i]), -nmax, nmax - 1) + nmax);
    };
    float iscale = -nmax / max;
    float slx, sl2;
    eval(iscale, slx, sl2);
    assign(iscale);
    float scale = sl2 > 0 ? slx / sl2 : 0.f;
    float best = scale * slx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        const float trial = -(nmax + 0.1f * is) / max;
        eval(trial, slx, sl2);
        if (sl2 > 0 && slx * slx > best * sl2) {
            assign(trial);
            scale = slx / sl2;
            best = scale * slx;
        }
    }
    return scale;
}

// Pack 6-bit scale/min pairs into the 12-byte Q4_K/Q5_K layout (see scale_min_k4 in
// quant_scalar_k.cpp for the reading side).
void pack_scales_k4(const uint8_t* ls, const uint8_t* lm, uint8_t* s) {
    std::memset(s, 0, 12);
    for (int j = 0; j < 8; ++j) {
        if (j < 4) {
            s[j] |= ls[j];
            s[j + 4] |= lm[j];
        } else {
            s[j + 4] = static_cast<uint8_t>((ls[j] & 0xf) | ((lm[j] & 0xf) << 4));
            s[j - 4] |= static_cast<uint8_t>((ls[j] >> 4) << 6);
            s[j] |= static_cast<uint8_t>((lm[j] >> 4) << 6);
        }
    }
}

// Shared part of Q4_K and Q5_K: per 32-element sub-block fits, 6-bit scales, final L.
void quantize_k4_scales(const float* x, int nmax, float rmin, float rdelta, int nsteps, uint8_t* L,
                        uint8_t* scales12, uint16_t& d_out, uint16_t& dmin_out) {
    float scales[8], mins[8], weights[32];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; ++j) {
        const float* xs = x + 32 * j;
        float sum_x2 = 0;
        for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
        const float av_x = std::sqrt(sum_x2 / 32);
        for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xs[l]);
        scales[j] = fit_scale_min(32, nmax, xs, weights, L + 32 * j, &mins[j], rmin, rdelta, nsteps);
        max_scale = std::fmax(max_scale, scales[j]);
        max_min = std::fmax(max_min, mins[j]);
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    uint8_t ls[8], lm[8];
    for (int j = 0; j < 8; ++j) {
        ls[j] = static_cast<uint8_t>(clampi(round_even(inv_scale * scales[j]), 0, 63));
        lm[j] = static_cast<uint8_t>(clampi(round_even(inv_min * mins[j]), 0, 63));
    }
    pack_scales_k4(ls, lm, scales12);
    d_out = fp32_to_fp16(max_scale / 63.f);
    dmin_out = fp32_to_fp16(max_min / 63.f);
    // Re-round with the scales as decoded, so rounding errors in them are compensated.
    const float d = h2f(d_out), dmin = h2f(dmin_out);
    for (int j = 0; j < 8; ++j) {
        const float dj = d * ls[j];
        if (dj == 0) continue;
        const float mj = dmin * lm[j];
        for (int l = 0; l < 32; ++l)
            L[32 * j + l] = static_cast<uint8_t>(clampi(round_even((x[32 * j + l] + mj) / dj), 0, nmax));
    }
}

void quant_q4_k(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ4_K*>(dst);
    uint8_t L[kQKK];
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        quantize_k4_scales(x, 15, -1.f, 0.1f, 20, L, b[i].scales, b[i].d, b[i].dmin);
        for (int c = 0; c < 4; ++c)
            for (int l = 0; l < 32; ++l)
                b[i].qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | (L[64 * c + 32 + l] << 4));
    }
}

void quant_q5_k(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ5_K*>(dst);
    uint8_t L[kQKK];
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        quantize_k4_scales(x, 31, -0.5f, 0.1f, 15, L, b[i].scales, b[i].d, b[i].dmin);
        std::memset(b[i].qh, 0, sizeof b[i].qh);
        for (int c = 0; c < 4; ++c)
            for (int l = 0; l < 32; ++l) {
                const int e0 = 64 * c + l, e1 = e0 + 32;
                b[i].qs[32 * c + l] = static_cast<uint8_t>((L[e0] & 0xf) | ((L[e1] & 0xf) << 4));
                b[i].qh[l] |= static_cast<uint8_t>(((L[e0] >> 4) << (e0 / 32)) | ((L[e1] >> 4) << (e1 / 32)));
            }
    }
}

void quant_q6_k(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ6_K*>(dst);
    int8_t L[kQKK];
    float scales[16];
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        float max_scale = 0, max_abs = 0;
        for (int g = 0; g < 16; ++g) {
            scales[g] = fit_scale_symmetric(16, 32, x + 16 * g, L + 16 * g);
            if (std::fabs(scales[g]) > max_abs) { max_abs = std::fabs(scales[g]); max_scale = scales[g]; }
        }
        if (max_abs < 1e-15f) {
            std::memset(&b[i], 0, sizeof(BlockQ6_K));
            continue;
        }
        // Scales are signed 8-bit; the largest one maps to -128 like the values do.
        const float iscale = -128.f / max_scale;
        b[i].d = fp32_to_fp16(1 / iscale);
        for (int g = 0; g < 16; ++g) {
            const int v = round_even(iscale * scales[g]);
            b[i].scales[g] = static_cast<int8_t>(v > 127 ? 127 : v);
        }
        const float d = h2f(b[i].d);
        for (int g = 0; g < 16; ++g) {
            const float dg = d * b[i].scales[g];
            if (dg == 0) {
                for (int l = 0; l < 16; ++l) L[16 * g + l] = 32;  // encodes zero
                continue;
            }
            for (int l = 0; l < 16; ++l) L[16 * g + l] = static_cast<int8_t>(clampi(round_even(x[16 * g + l] / dg), -32, 31) + 32);
        }
        for (int h = 0; h < 2; ++h) {
            const int8_t* Lh = L + 128 * h;
            uint8_t* ql = b[i].ql + 64 * h;
            uint8_t* qh = b[i].qh + 32 * h;
            for (int l = 0; l < 32; ++l) {
                ql[l] = static_cast<uint8_t>((Lh[l] & 0xf) | ((Lh[l + 64] & 0xf) << 4));
                ql[l + 32] = static_cast<uint8_t>((Lh[l + 32] & 0xf) | ((Lh[l + 96] & 0xf) << 4));
                qh[l] = static_cast<uint8_t>((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) | ((Lh[l + 64] >> 4) << 4) |
                                             ((Lh[l + 96] >> 4) << 6));
            }
        }
    }
}

}  // namespace

void fill_quantize_k(KernelTable& t) {
    t.quant[kQ4_K] = quant_q4_k;
    t.quant[kQ5_K] = quant_q5_k;
    t.quant[kQ6_K] = quant_q6_k;
}

}  // namespace kinglet::quant
