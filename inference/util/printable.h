// Names read from a file (metadata keys, tensor names, an architecture), made safe to put
// in a message for a person: a hostile file can hold control characters (terminal escape
// sequences), invalid UTF-8 or a name megabytes long.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace kinglet {

// Control characters and bytes that are not valid UTF-8 become \xNN; text past max_bytes
// is cut at a character boundary and ends in "...".
std::string printable(std::string_view text, size_t max_bytes = 80);

}  // namespace kinglet
