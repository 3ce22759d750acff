// Public entry points of quant.h: pick the kernel table for the CPU once, then index
// it by type. The per-call cost is one relaxed atomic load and an array lookup.
#include <atomic>
#include <string>

#include "quant/cpu_features.h"
#include "quant/quant.h"
#include "quant/quant_internal.h"
#include "util/error.h"

namespace kinglet {
namespace quant {
void fill_quantize_low(KernelTable& t);  // quant_quantize_low.cpp: Q2_K, Q3_K, IQ4_NL, IQ4_XS

namespace {

KernelTable build_table(SimdLevel level) {
    KernelTable t;
    fill_scalar_legacy(t);
    fill_scalar_k(t);
    fill_quantize_k(t);
    fill_quantize_low(t);
    // Each level only overrides the kernels it has; the rest stay scalar.
    if (static_cast<int>(level) >= static_cast<int>(SimdLevel::Avx2)) fill_avx2(t);
    if (level == SimdLevel::Avx512) fill_avx512(t, cpu_features().avx512vnni);
    return t;
}

const KernelTable& table_for(SimdLevel level) {
    // Built lazily: the AVX2/AVX-512 fill functions are only run when the level is usable.
    static const KernelTable scalar = build_table(SimdLevel::Scalar);
    if (level == SimdLevel::Scalar) return scalar;
    if (level == SimdLevel::Avx2) {
        static const KernelTable avx2 = build_table(SimdLevel::Avx2);
        return avx2;
    }
    static const KernelTable avx512 = build_table(SimdLevel::Avx512);
    return avx512;
}

std::atomic<const KernelTable*> g_active{nullptr};

const KernelTable& active() {
    const KernelTable* t = g_active.load(std::memory_order_acquire);
    if (!t) {
        t = &table_for(simd_level());
        g_active.store(t, std::memory_order_release);
    }
    return *t;
}

size_t slot(GgmlType type) {
    auto raw = static_cast<uint32_t>(type);
    return raw < static_cast<uint32_t>(kTypeSlots) ? raw : static_cast<size_t>(kTypeSlots);
}

void check_multiple(GgmlType type, int64_t n) {
    const int64_t bs = type_info(type).block_size;
    if (n < 0 || n % bs != 0)
        throw Error("row of " + std::to_string(n) + " elements is not a multiple of the " +
                    type_name(type) + " block size " + std::to_string(bs));
}

}  // namespace

void reselect_kernels() { g_active.store(&table_for(simd_level()), std::memory_order_release); }

}  // namespace quant

bool is_supported_weight_type(GgmlType type) {
    size_t s = quant::slot(type);
    return s < quant::kTypeSlots && quant::active().dot[s] != nullptr;
}

GgmlType vec_dot_type(GgmlType weight_type) {
    switch (weight_type) {
        case GgmlType::F32: return GgmlType::F32;
        case GgmlType::F16: return GgmlType::F16;
        case GgmlType::BF16: return GgmlType::BF16;
        case GgmlType::Q4_0:
        case GgmlType::Q4_1:  // ggml uses Q8_1 here; Q8_0 plus the block sum is equivalent
        case GgmlType::Q5_0:
        case GgmlType::Q5_1:
        case GgmlType::Q8_0:
        case GgmlType::IQ4_NL: return GgmlType::Q8_0;
        case GgmlType::Q2_K:
        case GgmlType::Q3_K:
        case GgmlType::Q4_K:
        case GgmlType::Q5_K:
        case GgmlType::Q6_K:
        case GgmlType::IQ4_XS: return GgmlType::Q8_K;
        default: break;
    }
    throw Error("no CPU kernels for tensor type " + type_name(weight_type));
}

void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n) {
    size_t s = quant::slot(type);
    if (s >= quant::kTypeSlots || !quant::active().dequant[s])
        throw Error("cannot dequantize tensor type " + type_name(type));
    quant::check_multiple(type, n);
    quant::active().dequant[s](src, dst, n);
}

void quantize_row(GgmlType type, const float* src, void* dst, int64_t n) {
    size_t s = quant::slot(type);
    if (s >= quant::kTypeSlots || !quant::active().quant[s])
        throw Error("cannot quantize to tensor type " + type_name(type));
    quant::check_multiple(type, n);
    quant::active().quant[s](src, dst, n);
}

bool can_quantize_to(GgmlType type) {
    size_t s = quant::slot(type);
    return s < quant::kTypeSlots && quant::active().quant[s] != nullptr;
}

float vec_dot(GgmlType weight_type, int64_t n, const void* weight_row, const void* act_row) {
    size_t s = quant::slot(weight_type);
    quant::DotFn fn = s < quant::kTypeSlots ? quant::active().dot[s] : nullptr;
    if (!fn) throw Error("no dot product for tensor type " + type_name(weight_type));
    return fn(n, weight_row, act_row);
}

VecDotFn vec_dot_fn(GgmlType weight_type) {
    size_t s = quant::slot(weight_type);
    quant::DotFn fn = s < quant::kTypeSlots ? quant::active().dot[s] : nullptr;
    if (!fn) throw Error("no dot product for tensor type " + type_name(weight_type));
    return fn;
}

QuantizeRowFn quantize_row_fn(GgmlType type) {
    size_t s = quant::slot(type);
    quant::QuantFn fn = s < quant::kTypeSlots ? quant::active().quant[s] : nullptr;
    if (!fn) throw Error("cannot quantize to tensor type " + type_name(type));
    return fn;
}

}  // namespace kinglet
