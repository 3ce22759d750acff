// A read-only memory map of a whole file. Weights are used in place from the map,
// so loading a model costs no copy and the OS pages in only what is touched.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace kinglet {

class MappedFile {
public:
    explicit MappedFile(const std::string& path);  // throws kinglet::Error
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace kinglet
