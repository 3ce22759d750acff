// Element-wise math over float rows for the hot loops outside the matrix products: the
// exponentials of attention's softmax and of the FFN's SiLU gate. std::exp is one scalar
// libm call per value; these do 8 values per instruction where the CPU allows (AVX2+FMA),
// chosen at run time like the rest of quant/. Accuracy: within 2 ulp of std::exp.
#pragma once
#include <cstdint>

namespace kinglet {

// x[i] = exp(x[i] - shift) for i < n; returns the sum of the new values.
using ExpShiftSumFn = float (*)(float* x, int64_t n, float shift);
// gate[i] = gate[i] / (1 + exp(-gate[i])) * up[i]
using SiluMulFn = void (*)(float* gate, const float* up, int64_t n);

ExpShiftSumFn exp_shift_sum_fn();
SiluMulFn silu_mul_fn();

namespace quant {
float exp_shift_sum_avx2(float* x, int64_t n, float shift);
void silu_mul_avx2(float* gate, const float* up, int64_t n);
}  // namespace quant

}  // namespace kinglet
