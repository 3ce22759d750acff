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
GgmlType vec_dot_type(GgmlType weight_type);

// Row conversions; n must be a multiple of the type's block size.
void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n);
// Supported targets: F32, F16, BF16, Q8_0, Q8_K, Q4_0, Q4_K, Q6_K (and any other type
// issue "model coverage" adds a quantizer for). Throws kinglet::Error otherwise.
void quantize_row(GgmlType type, const float* src, void* dst, int64_t n);
bool can_quantize_to(GgmlType type);

// Dot product of one weight row (type `weight_type`) with one activation row that is
// already in vec_dot_type(weight_type). n elements.
float vec_dot(GgmlType weight_type, int64_t n, const void* weight_row, const void* act_row);

}  // namespace kinglet
