// Per-type row kernels: dequantize, quantize and dot products.
//
// A matrix multiplication with weights of type W first converts each activation row
// to vec_dot_type(W) (e.g. Q8_0 for Q4_0 weights, Q8_K for K-quants, F16 for F16
// weights, F32 for F32), exactly as llama.cpp does, and then calls vec_dot for every
// weight row. That keeps results within the reference's tolerance and lets the dot
// products run on 8-bit integers.
//
// The functions below dispatch at run time to the best kernel the CPU and the OS
// allow (see cpu_features.h); every path gives the same results up to float rounding.
#pragma once
#include <cstddef>
#include <cstdint>

#include "gguf/ggml_type.h"

namespace kinglet {

// Whether the engine can compute with weights of this type.
bool is_supported_weight_type(GgmlType type);

// The format activations are converted to before vec_dot with weights of `type`.
// Throws kinglet::Error for unsupported types. Q4_1/Q5_1 pair with Q8_0 here (ggml
// uses Q8_1); their dot products take the block sums from the Q8_0 values instead.
GgmlType vec_dot_type(GgmlType weight_type);

// Row conversions; n must be a multiple of the type's block size.
void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n);
// dequantize_row covers every weight type plus Q8_K.
// quantize_row targets: F32, F16, BF16, Q8_0, Q8_K, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K,
// Q6_K. Throws kinglet::Error otherwise (and for n not a multiple of the block size).
// The weight quantizers write the same bytes as llama.cpp's reference quantizers (no
// importance matrix); Q8_0 rounds exact .5 ties to even like llama.cpp's x86
// activation path (its reference weight quantizer rounds them away from zero).
void quantize_row(GgmlType type, const float* src, void* dst, int64_t n);
bool can_quantize_to(GgmlType type);

// Dot product of one weight row (type `weight_type`) with one activation row that is
// already in vec_dot_type(weight_type). n elements.
// n must be a multiple of the block size (not checked here: this is the hot path).
float vec_dot(GgmlType weight_type, int64_t n, const void* weight_row, const void* act_row);

// The kernels behind vec_dot/quantize_row for one type, for loops that want to skip the
// per-call lookup (a matmul over many rows). Valid until force_simd_level_for_tests().
// Throw kinglet::Error for unsupported types. No block-size check is done by them.
using VecDotFn = float (*)(int64_t n, const void* weight_row, const void* act_row);
using QuantizeRowFn = void (*)(const float* src, void* dst, int64_t n);
VecDotFn vec_dot_fn(GgmlType weight_type);
QuantizeRowFn quantize_row_fn(GgmlType type);

}  // namespace kinglet
