// Hand-run throughput check of the prompt-batch gemm kernels per SIMD level (not a test: no
// assertions). Calls the kernel the way MatMul does (16-row chunks, all tokens of the batch)
// and reports multiply-adds per second of this thread's CPU time (a busy machine lowers the
// numbers less than wall time would).
// Usage: bench_gemm [tokens, default 256] [n, default 2048] [type name; default all with a gemm]
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "gguf/ggml_type.h"
#include "quant/cpu_features.h"
#include "quant/gemm.h"
#include "quant/quant.h"

using namespace kinglet;

static double cpu_seconds() {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

int main(int argc, char** argv) {
    const int64_t nt = argc > 1 ? std::atoll(argv[1]) : 256;
    const int64_t n = argc > 2 ? std::atoll(argv[2]) : 2048;
    const std::string only = argc > 3 ? argv[3] : "";
    const int64_t nr = 512, chunk = 16;
    std::mt19937 rng(1);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> src(size_t(n * std::max(nr, nt)));
    for (auto& x : src) x = dist(rng);
    for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K}) {
        if (!only.empty() && only != type_name(t)) continue;
        const GgmlType at = vec_dot_type(t);
        const size_t wrow = row_bytes(t, n), arow = gemm_act_row_bytes(at, n);
        std::vector<uint8_t> w(wrow * nr), a(arow * nt);
        for (int64_t r = 0; r < nr; ++r) quantize_row(t, src.data() + r * n, w.data() + r * wrow, n);
        for (int64_t i = 0; i < nt; ++i) {
            quantize_row(at, src.data() + i * n, a.data() + i * arow, n);
            gemm_act_extras(at, n, a.data() + i * arow);
        }
        std::vector<float> y(size_t(nr * nt));
        for (SimdLevel level : {SimdLevel::Avx2, SimdLevel::Avx512}) {
            if (int(level) > int(max_supported_simd_level())) continue;
            force_simd_level_for_tests(level);
            const GemmFn gemm = gemm_fn(t);
            if (!gemm) continue;
            double best = 0;
            for (int rep = 0; rep < 5; ++rep) {
                const double t0 = cpu_seconds();
                for (int64_t r0 = 0; r0 < nr; r0 += chunk)
                    gemm(n, w.data() + r0 * wrow, wrow, chunk, a.data(), arow, nt, y.data() + r0, size_t(nr));
                const double s = cpu_seconds() - t0;
                best = std::max(best, double(nr) * double(n) * double(nt) / s / 1e9);
            }
            std::printf("%-5s %-7s n %lld tokens %lld: %.1f GMAC/s\n", type_name(t).c_str(),
                        level == SimdLevel::Avx512 ? "avx512" : "avx2", (long long)n, (long long)nt, best);
        }
    }
    return 0;
}
