// A fixed set of worker threads for data-parallel loops. Idle workers sleep on a
// condition variable (a chat app is idle most of the time: no spinning).
#pragma once
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

    static int default_threads();

private:
    void worker(int index);

    int n_threads_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    const std::function<void(int, int)>* job_ = nullptr;
    uint64_t generation_ = 0;
    int pending_ = 0;
    bool stop_ = false;
};

}  // namespace kinglet
