// Switches read from the environment (A/B comparisons, tests): on when set to anything but
// "" or "0".
#pragma once
#include <cstdlib>

namespace kinglet {

inline bool env_flag(const char* name) {
    const char* v = std::getenv(name);
    return v && *v && !(v[0] == '0' && v[1] == '\0');
}

}  // namespace kinglet
