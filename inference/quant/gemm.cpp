// Run-time selection of the gemm kernels (see gemm.h).
#include "quant/gemm.h"

#include "quant/cpu_features.h"
#include "quant/half_scalar.h"
#include "quant/quant_internal.h"

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

size_t gemm_act_extras_offset(GgmlType act_type, int64_t n) { return (row_bytes(act_type, n) + 3) / 4 * 4; }

size_t gemm_act_row_bytes(GgmlType act_type, int64_t n) {
    if (act_type != GgmlType::Q8_0) return row_bytes(act_type, n);
    return gemm_act_extras_offset(act_type, n) + size_t(n / quant::kQK) * sizeof(quant::GemmQ8Extra);
}

void gemm_act_extras(GgmlType act_type, int64_t n, void* row) {
    if (act_type != GgmlType::Q8_0) return;
    auto* base = static_cast<uint8_t*>(row);
    const auto* blocks = reinterpret_cast<const quant::BlockQ8_0*>(base);
    auto* ex = reinterpret_cast<quant::GemmQ8Extra*>(base + gemm_act_extras_offset(act_type, n));
    for (int64_t i = 0; i < n / quant::kQK; ++i) {
        int32_t s = 0;
        for (int k = 0; k < quant::kQK; ++k) s += blocks[i].qs[k];
        ex[i] = {quant::half_to_float(blocks[i].d), -128 * s};
    }
}

DotF32F16Fn dot_f32_f16_fn() { return table().dot_f32_f16; }
AxpyF16Fn axpy_f16_fn() { return table().axpy_f16; }
AttnScoresFn attn_scores_fn() { return table().attn_scores; }
AttnWsumFn attn_wsum_fn() { return table().attn_wsum; }

}  // namespace kinglet
