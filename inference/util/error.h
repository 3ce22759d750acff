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

}  // namespace kinglet
