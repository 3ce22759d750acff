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

}  // namespace kinglet
