// A fixed set of worker threads for data-parallel loops.
//
// Waking is cheap: after a job, workers spin on an atomic generation counter for a
// short while (kSpinMicros) so the next job of the same forward pass starts without a
// system call; after that they block on a condition variable, so an idle app uses no
// CPU. The caller takes part in every job as thread 0.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kinglet {

class ThreadPool {
public:
    explicit ThreadPool(int n_threads);  // n_threads <= 0: number of cores
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    // Runs fn(thread_index, n_threads) on every thread (the caller is thread 0) and waits.
    void run(const std::function<void(int, int)>& fn);

    // Splits [0, n) into contiguous chunks, one per thread: fn(begin, end).
    void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

    // Splits [0, n) into pieces of `grain` (the last may be shorter) handed out on demand,
    // so threads that run faster (or are not preempted) take more: fn(begin, end).
    // Runs on the calling thread alone when n <= grain.
    void parallel_chunks(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

    static int default_threads();
    static constexpr int kSpinMicros = 80;  // spin this long after a job before blocking

private:
    void worker(int index);

    int n_threads_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    const std::function<void(int, int)>* job_ = nullptr;
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<int> sleepers_{0};
    std::atomic<bool> stop_{false};
    std::atomic<int64_t> next_chunk_{0};
};

}  // namespace kinglet
