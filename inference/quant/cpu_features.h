// Which SIMD kernels this CPU *and its OS* allow. CPUID alone is not enough: the OS
// must also save the wider registers (XGETBV), otherwise the instructions fault.
// KINGLET_CPU=scalar|avx2|avx512 forces a lower level (for tests and benchmarks).
#pragma once
#include <string>

namespace kinglet {

enum class SimdLevel { Scalar = 0, Avx2 = 1, Avx512 = 2 };

struct CpuFeatures {
    bool avx2 = false, fma = false, f16c = false;
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512vnni = false;
    bool avxvnni = false;
};

const CpuFeatures& cpu_features();  // detected once
SimdLevel simd_level();             // best usable level, after KINGLET_CPU
std::string simd_level_name(SimdLevel level);

// The best level the CPU and OS allow, ignoring KINGLET_CPU and any forcing.
SimdLevel max_supported_simd_level();

// How a KINGLET_CPU value ("scalar", "avx2", "avx512"; null/empty/unknown = no limit)
// limits `max_level`: the result is never above it. Exposed for tests.
SimdLevel apply_simd_level_request(const char* value, SimdLevel max_level);

// Test and benchmark hook: makes simd_level() (and with it every quant kernel) use
// `level`, clamped to max_supported_simd_level(). Returns the level now in effect.
// Not meant to be called while other threads run kernels.
SimdLevel force_simd_level_for_tests(SimdLevel level);

}  // namespace kinglet
