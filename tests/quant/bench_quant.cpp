// Hand-run throughput check of vec_dot per SIMD level (not a test: no assertions).
// Usage: bench_quant [MiB of weights, default 256] [type name, e.g. Q4_K; default all]
// Reports GB/s of weight bytes streamed, for a matrix larger than the caches (the
// decoding case) and for a small one that stays in L2 (pure compute speed). Time is this
// thread's CPU time, so a busy machine lowers the numbers less than wall time would.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "gguf/ggml_type.h"
#include "quant/cpu_features.h"
#include "quant/quant.h"

using namespace kinglet;

static double run(GgmlType t, int64_t n, int64_t rows, const std::vector<uint8_t>& w, const std::vector<uint8_t>& a,
                  int reps) {
    const size_t rb = row_bytes(t, n);
    VecDotFn dot = vec_dot_fn(t);
    volatile float sink = 0;
    timespec t0, t1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    for (int r = 0; r < reps; ++r)
        for (int64_t i = 0; i < rows; ++i) sink = sink + dot(n, w.data() + i * rb, a.data());
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    const double s = double(t1.tv_sec - t0.tv_sec) + 1e-9 * double(t1.tv_nsec - t0.tv_nsec);
    return double(rb) * rows * reps / s / 1e9;
}

int main(int argc, char** argv) {
    const double mib = argc > 1 ? std::atof(argv[1]) : 256;
    const int64_t n = 4096;
    const GgmlType types[] = {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0,
                              GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K,
                              GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS};
    std::mt19937 rng(1);
    std::normal_distribution<float> g(0, 1);
    std::vector<float> x(n);
    for (auto& v : x) v = g(rng);
    std::printf("%-7s %-7s %10s %12s %10s %12s\n", "type", "level", "big GB/s", "big Gelem/s", "L2 GB/s",
                "L2 Gelem/s");
    const char* only = argc > 2 ? argv[2] : nullptr;
    for (GgmlType t : types) {
        if (only && type_name(t) != only) continue;
        const size_t rb = row_bytes(t, n);
        const int64_t rows = int64_t(mib * 1048576 / rb);
        const int64_t small_rows = int64_t(256 * 1024 / rb) + 1;
        std::vector<uint8_t> w(rb * rows);
        // Quantize one random row and repeat it: content does not matter for speed.
        {
            std::vector<float> src(n);
            for (auto& v : src) v = g(rng) * 0.02f;
            std::vector<uint8_t> row(rb);
            GgmlType qt = can_quantize_to(t) ? t : GgmlType::F32;
            if (qt == t) quantize_row(t, src.data(), row.data(), n);
            else for (size_t i = 0; i < rb; ++i) row[i] = uint8_t(rng() & 0x3f);  // small halves
            for (int64_t i = 0; i < rows; ++i) std::copy(row.begin(), row.end(), w.begin() + i * rb);
        }
        std::vector<uint8_t> a(row_bytes(vec_dot_type(t), n));
        quantize_row(vec_dot_type(t), x.data(), a.data(), n);
        for (int l = 0; l <= int(max_supported_simd_level()); ++l) {
            force_simd_level_for_tests(SimdLevel(l));
            run(t, n, rows, w, a, 1);  // warm up, page in
            double big = run(t, n, rows, w, a, 3);
            double small = run(t, n, small_rows, w, a, 2000);
            const double elems_per_byte = double(n) / double(rb);
            std::printf("%-7s %-7s %10.2f %12.2f %10.2f %12.2f\n", type_name(t).c_str(),
                        simd_level_name(SimdLevel(l)).c_str(), big, big * elems_per_byte, small, small * elems_per_byte);
        }
    }
    return 0;
}
