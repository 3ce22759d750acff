#include "quant/cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "quant/quant_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define KINGLET_X86 1
#endif

namespace kinglet {
namespace {

#ifdef KINGLET_X86
// XGETBV by hand: the _xgetbv intrinsic needs -mxsave, and this file must stay baseline.
uint64_t read_xcr0() {
    uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}
#endif

CpuFeatures detect() {
    CpuFeatures f;
#ifdef KINGLET_X86
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    const bool osxsave = c & (1u << 27);
    const bool avx = c & (1u << 28);
    const bool fma = c & (1u << 12);
    const bool f16c = c & (1u << 29);
    // Without OSXSAVE the OS does not manage extended state and XGETBV itself faults.
    if (!osxsave || !avx) return f;
    const uint64_t xcr0 = read_xcr0();
    const bool os_ymm = (xcr0 & 0x6) == 0x6;                // SSE + AVX state saved
    const bool os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0;    // opmask + ZMM_Hi256 + Hi16_ZMM
    if (!os_ymm) return f;
    // AMX (XCR0 bits 17/18) is never looked at: this engine has no AMX kernels.
    unsigned max_leaf = __get_cpuid_max(0, nullptr);
    if (max_leaf < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    f.avx2 = b & (1u << 5);
    f.fma = fma;
    f.f16c = f16c;
    if (os_zmm) {
        f.avx512f = b & (1u << 16);
        f.avx512dq = b & (1u << 17);
        f.avx512bw = b & (1u << 30);
        f.avx512vl = b & (1u << 31);
        f.avx512vnni = f.avx512f && (c & (1u << 11));
    }
    unsigned subleaves = a;
    if (subleaves >= 1) {
        __cpuid_count(7, 1, a, b, c, d);
        f.avxvnni = a & (1u << 4);
    }
#endif
    return f;
}

SimdLevel detect_max_level(const CpuFeatures& f) {
    // Our AVX2 kernels also use FMA and F16C; every AVX2 CPU in practice has them.
    if (!(f.avx2 && f.fma && f.f16c)) return SimdLevel::Scalar;
    if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq) return SimdLevel::Avx512;
    return SimdLevel::Avx2;
}

// -1 = not decided yet. Relaxed is enough: every thread computes the same value.
std::atomic<int> g_level{-1};

}  // namespace

SimdLevel apply_simd_level_request(const char* env, SimdLevel max_level) {
    if (!env || !*env) return max_level;
    SimdLevel wanted = max_level;
    if (std::strcmp(env, "scalar") == 0) wanted = SimdLevel::Scalar;
    else if (std::strcmp(env, "avx2") == 0) wanted = SimdLevel::Avx2;
    else if (std::strcmp(env, "avx512") == 0) wanted = SimdLevel::Avx512;
    // Forcing can only lower the level: a higher one would crash on this CPU.
    return static_cast<int>(wanted) < static_cast<int>(max_level) ? wanted : max_level;
}

const CpuFeatures& cpu_features() {
    static const CpuFeatures features = detect();
    return features;
}

SimdLevel max_supported_simd_level() {
    static const SimdLevel level = detect_max_level(cpu_features());
    return level;
}

SimdLevel simd_level() {
    int level = g_level.load(std::memory_order_relaxed);
    if (level < 0) {
        level = static_cast<int>(apply_simd_level_request(std::getenv("KINGLET_CPU"), max_supported_simd_level()));
        g_level.store(level, std::memory_order_relaxed);
    }
    return static_cast<SimdLevel>(level);
}

SimdLevel force_simd_level_for_tests(SimdLevel level) {
    SimdLevel max_level = max_supported_simd_level();
    if (static_cast<int>(level) > static_cast<int>(max_level)) level = max_level;
    g_level.store(static_cast<int>(level), std::memory_order_relaxed);
    quant::reselect_kernels();
    return level;
}

std::string simd_level_name(SimdLevel level) {
    switch (level) {
        case SimdLevel::Scalar: return "scalar";
        case SimdLevel::Avx2: return "avx2";
        case SimdLevel::Avx512: return "avx512";
    }
    return "unknown";
}

}  // namespace kinglet
