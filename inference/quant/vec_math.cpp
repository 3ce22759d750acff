// Run-time choice of the element-wise math kernels (see vec_math.h), and the scalar ones.
#include "quant/vec_math.h"

#include <cmath>

#include "quant/cpu_features.h"

namespace kinglet {
namespace {

float exp_shift_sum_scalar(float* x, int64_t n, float shift) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - shift);
        sum += x[i];
    }
    return float(sum);
}

void silu_mul_scalar(float* gate, const float* up, int64_t n) {
    for (int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace

// simd_level() can be changed by force_simd_level_for_tests(): looked up on each call.
ExpShiftSumFn exp_shift_sum_fn() {
    return simd_level() >= SimdLevel::Avx2 ? quant::exp_shift_sum_avx2 : exp_shift_sum_scalar;
}

SiluMulFn silu_mul_fn() { return simd_level() >= SimdLevel::Avx2 ? quant::silu_mul_avx2 : silu_mul_scalar; }

}  // namespace kinglet
