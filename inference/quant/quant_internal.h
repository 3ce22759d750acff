// Internal to inference/quant: GGUF block layouts and the kernel tables.
//
// This header deliberately holds only layouts and declarations, no inline functions:
// it is included by the *_avx2.cpp / *_avx512.cpp files, which are compiled with wider
// instruction sets, and an inline function emitted there could be picked by the linker
// for baseline callers too (ODR merge), which would crash on older CPUs.
#pragma once
#include <cstddef>
#include <cstdint>

namespace kinglet::quant {

constexpr int kQK = 32;    // block size of the "legacy" types (Q4_0 ... Q8_0, IQ4_NL)
constexpr int kQKK = 256;  // super-block size of the K-quants, Q8_K and IQ4_XS

// Halves are stored as raw uint16_t bits, little endian, exactly as in GGUF files.
struct BlockQ4_0 { uint16_t d; uint8_t qs[kQK / 2]; };
struct BlockQ4_1 { uint16_t d, m; uint8_t qs[kQK / 2]; };
struct BlockQ5_0 { uint16_t d; uint8_t qh[4]; uint8_t qs[kQK / 2]; };
struct BlockQ5_1 { uint16_t d, m; uint8_t qh[4]; uint8_t qs[kQK / 2]; };
struct BlockQ8_0 { uint16_t d; int8_t qs[kQK]; };
struct BlockIQ4NL { uint16_t d; uint8_t qs[kQK / 2]; };

// K-quants: 256 values in sub-blocks of 16 or 32, with quantized sub-block scales.
struct BlockQ2_K { uint8_t scales[16]; uint8_t qs[64]; uint16_t d, dmin; };
struct BlockQ3_K { uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; uint16_t d; };
struct BlockQ4_K { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; };
struct BlockQ5_K { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; };
struct BlockQ6_K { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; };
struct BlockIQ4XS { uint16_t d; uint16_t scales_h; uint8_t scales_l[4]; uint8_t qs[128]; };
// Activation format for K-quants: float scale, int8 values, sums of each 16 values
// (the sums let the "min" part of Q2_K/Q4_K/Q5_K be applied without touching qs).
struct BlockQ8_K { float d; int8_t qs[kQKK]; int16_t bsums[kQKK / 16]; };

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24 && sizeof(BlockQ8_0) == 34 && sizeof(BlockIQ4NL) == 18);
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110 && sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176 && sizeof(BlockQ6_K) == 210 && sizeof(BlockIQ4XS) == 136);
static_assert(sizeof(BlockQ8_K) == 292);

// The non-linear 4-bit codebook shared by IQ4_NL and IQ4_XS.
extern const int8_t kIQ4NLValues[16];

using DequantFn = void (*)(const void* src, float* dst, int64_t n);
using QuantFn = void (*)(const float* src, void* dst, int64_t n);
using DotFn = float (*)(int64_t n, const void* weight_row, const void* act_row);

constexpr int kTypeSlots = 40;  // > largest GgmlType number we index by

// Table slots = GGUF type numbers (same values as GgmlType, kept here as plain ints so
// the SIMD files need not include anything beyond this header).
using GgmlTypeIndex = int;
constexpr GgmlTypeIndex kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7,
                        kQ8_0 = 8, kQ2_K = 10, kQ3_K = 11, kQ4_K = 12, kQ5_K = 13, kQ6_K = 14,
                        kQ8_K = 15, kIQ4_NL = 20, kIQ4_XS = 23, kBF16 = 30;

struct KernelTable {
    DequantFn dequant[kTypeSlots] = {};
    QuantFn quant[kTypeSlots] = {};
    DotFn dot[kTypeSlots] = {};
};

// Scalar kernels for every supported type (quant_scalar_*.cpp, quant_kquant_*.cpp).
void fill_scalar_legacy(KernelTable& t);
void fill_scalar_k(KernelTable& t);
void fill_quantize_k(KernelTable& t);
// SIMD overrides; only called after the run-time check says the CPU and OS allow them.
void fill_avx2(KernelTable& t);
void fill_avx2_extra(KernelTable& t);  // the less common types, called by fill_avx2
void fill_avx512(KernelTable& t, bool vnni);

// Scalar entry points the SIMD files fall back to for odd lengths.
float dot_f32_scalar(int64_t n, const void* w, const void* a);
float dot_f16_scalar(int64_t n, const void* w, const void* a);

// Called by force_simd_level_for_tests() so the dispatcher picks the new level.
void reselect_kernels();

}  // namespace kinglet::quant
