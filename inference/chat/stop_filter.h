// Cuts a streamed answer at the first stop string (e.g. "\nUser:" when the model starts
// writing the user's next line). Text that could be the start of a stop string is held
// back until the next piece shows whether it is one, so the user never sees it flash.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace kinglet::chat {

class StopFilter {
public:
    explicit StopFilter(std::vector<std::string> stops) : stops_(std::move(stops)) {}
    // Returns the text that is safe to show now. After a stop string, stopped() is true
    // and everything from the stop string on is dropped.
    std::string push(std::string_view piece);
    std::string flush();  // the held-back tail at the end of generation
    bool stopped() const { return stopped_; }

private:
    std::vector<std::string> stops_;
    std::string pending_;
    bool stopped_ = false;
};

}  // namespace kinglet::chat
