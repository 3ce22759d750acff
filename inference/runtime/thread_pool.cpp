#include "runtime/thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define KINGLET_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define KINGLET_PAUSE() asm volatile("yield")
#else
#define KINGLET_PAUSE() ((void)0)
#endif

namespace kinglet {

int ThreadPool::default_threads() {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(std::min(n, 16u));
}

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads > 0 ? n_threads : default_threads()) {
    for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_.store(true);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
}

void ThreadPool::worker(int index) {
    using clock = std::chrono::steady_clock;
    uint64_t seen = 0;
    for (;;) {
        // Spin briefly (the next job of a forward pass usually comes within microseconds),
        // then block: an idle pool never burns CPU for longer than kSpinMicros.
        const auto t0 = clock::now();
        for (int spins = 0; generation_.load(std::memory_order_acquire) == seen && !stop_.load(std::memory_order_relaxed);) {
            KINGLET_PAUSE();
            if (++spins % 64 == 0 && clock::now() - t0 > std::chrono::microseconds(kSpinMicros)) {
                std::unique_lock<std::mutex> lock(mutex_);
                sleepers_.fetch_add(1);  // seq_cst: pairs with the load in run()
                wake_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
                sleepers_.fetch_sub(1);
                break;
            }
        }
        if (stop_.load()) return;
        seen = generation_.load(std::memory_order_acquire);
        (*job_)(index, n_threads_);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
    if (n_threads_ == 1) {
        fn(0, 1);
        return;
    }
    job_ = &fn;
    pending_.store(n_threads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1);  // seq_cst: a worker that registers as sleeper after this sees it
    if (sleepers_.load() > 0) {
        { std::lock_guard<std::mutex> lock(mutex_); }
        wake_.notify_all();
    }
    fn(0, n_threads_);
    for (int spins = 0; pending_.load(std::memory_order_acquire) != 0;) {
        KINGLET_PAUSE();
        if (++spins > 2000) std::this_thread::yield();  // a worker may have been preempted
    }
    job_ = nullptr;
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    if (n == 1 || n_threads_ == 1) {
        fn(0, n);
        return;
    }
    run([&](int i, int count) {
        int64_t chunk = (n + count - 1) / count;
        int64_t begin = std::min<int64_t>(n, chunk * i);
        int64_t end = std::min<int64_t>(n, begin + chunk);
        if (begin < end) fn(begin, end);
    });
}

void ThreadPool::parallel_chunks(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    if (n <= grain || n_threads_ == 1) {
        fn(0, n);
        return;
    }
    next_chunk_.store(0, std::memory_order_relaxed);
    run([&](int, int) {
        for (;;) {
            const int64_t b = next_chunk_.fetch_add(grain, std::memory_order_relaxed);
            if (b >= n) break;
            fn(b, std::min(n, b + grain));
        }
    });
}

}  // namespace kinglet
