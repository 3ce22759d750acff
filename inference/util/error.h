// One exception type for everything the engine reports to its callers. The message is
// meant for a person ("tensor 'x' extends past end of file ..."), never a code.
#pragma once
#include <stdexcept>
#include <string>

namespace kinglet {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// The device a model runs on stopped working mid-run (a GPU reset or removed, a driver
// crash): the work in flight and the cache on it are gone. A session that chose the GPU by
// itself goes on on the CPU (runtime/session.cpp).
class DeviceLost : public Error {
public:
    using Error::Error;
};

}  // namespace kinglet
