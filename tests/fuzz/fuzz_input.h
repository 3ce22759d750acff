// Reading a fuzzer's input as a stream of small numbers and strings; a short input just
// reads as zeros and empty strings, so every input is a valid case.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace kinglet_fuzz {

class FuzzInput {
public:
    FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

    size_t left() const { return size_ - pos_; }
    uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    uint32_t u32() {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= uint32_t(byte()) << (8 * i);
        return v;
    }
    std::string bytes(size_t n) {
        n = n < left() ? n : left();
        std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
        pos_ += n;
        return s;
    }
    std::string rest() { return bytes(left()); }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

// Whether to say what became of each input (KINGLET_FUZZ_VERBOSE=1, set when ctest replays
// the saved inputs, so the log shows what each one tests).
inline bool verbose() {
    static const bool on = getenv("KINGLET_FUZZ_VERBOSE") != nullptr;
    return on;
}

// A file name private to this process, in memory when /dev/shm is there.
inline std::string scratch_path(const char* stem) {
    const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return std::string(dir) + "/" + stem + "-" + std::to_string(getpid());
}

}  // namespace kinglet_fuzz
