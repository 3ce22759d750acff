// Run-time selection of the gemm kernels (see gemm.h).
#include "quant/gemm.h"

#include "quant/cpu_features.h"

namespace kinglet {
namespace {

quant::GemmTable build(SimdLevel level) {
    quant::GemmTable t;
    quant::fill_gemm_scalar(t);
    if (static_cast<int>(level) >= static_cast<int>(SimdLevel::Avx2)) quant::fill_gemm_avx2(t);
    if (level == SimdLevel::Avx512) quant::fill_gemm_avx512(t, cpu_features().avx512vnni);
    return t;
}

const quant::GemmTable& table() {
    // simd_level() can be changed by force_simd_level_for_tests(): look it up each time.
    const SimdLevel level = simd_level();
    if (level == SimdLevel::Scalar) {
        static const quant::GemmTable t = build(SimdLevel::Scalar);
        return t;
    }
    if (level == SimdLevel::Avx2) {
        static const quant::GemmTable t = build(SimdLevel::Avx2);
        return t;
    }
    static const quant::GemmTable t = build(SimdLevel::Avx512);
    return t;
}

}  // namespace

GemmFn gemm_fn(GgmlType weight_type) {
    const auto s = static_cast<uint32_t>(weight_type);
    return s < 40 ? table().gemm[s] : nullptr;
}

DotF32F16Fn dot_f32_f16_fn() { return table().dot_f32_f16; }
AxpyF16Fn axpy_f16_fn() { return table().axpy_f16; }
AttnScoresFn attn_scores_fn() { return table().attn_scores; }
AttnWsumFn attn_wsum_fn() { return table().attn_wsum; }

}  // namespace kinglet
