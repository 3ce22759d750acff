// Memory read bandwidth with N threads (bench/run.sh builds and runs it): each thread sums
// its share of a 512 MiB buffer; best of 5 passes, in GB/s.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    const int n_threads = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1;
    const size_t n = (size_t(512) << 20) / sizeof(uint64_t);
    std::vector<uint64_t> buf(n);
    for (size_t i = 0; i < n; ++i) buf[i] = i;
    double best = 0;
    std::vector<uint64_t> sums(size_t(n_threads) * 8);
    for (int pass = 0; pass < 5; ++pass) {
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<std::thread> ts;
        for (int k = 0; k < n_threads; ++k)
            ts.emplace_back([&, k] {
                const size_t b = n / n_threads * k, e = k + 1 == n_threads ? n : n / n_threads * (k + 1);
                uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (size_t i = b; i + 4 <= e; i += 4) s0 += buf[i], s1 += buf[i + 1], s2 += buf[i + 2], s3 += buf[i + 3];
                sums[size_t(k) * 8] = s0 + s1 + s2 + s3;
            });
        for (auto& t : ts) t.join();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, double(n * sizeof(uint64_t)) / s / 1e9);
    }
    uint64_t all = 0;
    for (int k = 0; k < n_threads; ++k) all += sums[size_t(k) * 8];
    std::printf("%.1f\n", best + double(all & 0) );
    return 0;
}
