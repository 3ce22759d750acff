// Applying an action to a text of any length with a model of limited context, as a
// sequence of steps the caller carries out: split the text into parts that fit, summarise
// each part, summarise the joined summaries again until they fit, then apply the action
// (or, for LongMode::Each, apply the action to every part). The plan only decides; the
// caller tokenizes, generates and may run each step on whatever thread suits it: the app
// drives it from signals, kinglet-cli in a loop (run_map_reduce). Plain C++, no Qt.
#pragma once
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "assist/actions.h"
#include "assist/text_splitter.h"

namespace kinglet::assist {

struct MapReduceLimits {
    int context = 2048;    // the model's context in tokens (at least 256 is assumed)
    int max_tokens = 0;    // the answer length limit; <= 0: a quarter of the context
    int part_budget = 0;   // > 0: tokens per part, instead of what the context allows (tests)
    int max_rounds = 5;    // summaries of summaries; each round shrinks the text a lot
};

struct MapReduceStep {
    enum class Kind { Split, Generate, Done, Failed };
    Kind kind = Kind::Done;
    // Split: the text to split (call MapReduce::split). Generate: the prompt, already
    // filled in (format it as the user's turn). Failed: the reason, one line.
    std::string text;
    int max_tokens = 0;      // Generate: the answer limit for this step
    bool streams = false;    // Generate: its answer is (a piece of) the result
    bool separator = false;  // Generate: a blank line goes into the result before its answer
    int part = 0;            // Generate: which part, from 1 (0: the text fits whole)
    int count = 0;           // parts in this round (0 or 1: the text fits whole)
    int round = 0;           // 0: the source text; 1, 2, ...: summaries of summaries
};

class MapReduce {
public:
    MapReduce(Action action, std::string language, MapReduceLimits limits);

    // The first step: split the source.
    MapReduceStep start(std::string source);
    // Tokens one part may hold, so that the instruction, the chat format's own tokens
    // and the answer still fit the context. Safe on any thread (reads only settings).
    int part_budget(const TokenCounter& count) const;
    // The parts of the text of a Split step: {text} when it fits whole, else split_text.
    // Safe on any thread.
    std::vector<std::string> split(const std::string& text, const TokenCounter& count,
                                   const std::atomic<bool>* cancel = nullptr) const;
    // Feed the answer of the last step and get the next one.
    MapReduceStep split_done(std::vector<std::string> parts);
    MapReduceStep generated(std::string answer);

    // After Done: the result (streamed answers joined as the steps said), the number of
    // parts the source was split into (1: it fit) and the rounds of summarising.
    const std::string& result() const { return result_; }
    int chunks() const { return chunks_; }
    int rounds() const { return round_; }
    const Action& action() const { return action_; }
    int answer_limit() const;  // the final answer's token limit

private:
    MapReduceStep next_part();
    MapReduceStep final_step(const std::string& text);

    Action action_;
    std::string language_;
    MapReduceLimits limits_;
    int round_ = 0;
    int chunks_ = 0;
    bool each_ = false;        // this round applies the action to every part
    bool final_ = false;       // the step under way writes the result
    size_t input_size_ = 0, previous_input_size_ = 0;  // bytes this round and the last one split
    std::vector<std::string> parts_, answers_;
    std::string result_;
};

// Carries out every step in order on the calling thread. generate(prompt, max_tokens,
// streams) returns the answer; on_progress(part, count, round) comes before each part
// of a split text. Returns the last step: Done (see m.result()) or Failed.
MapReduceStep run_map_reduce(MapReduce& m, std::string source, const TokenCounter& count,
                             const std::function<std::string(const MapReduceStep&)>& generate,
                             const std::function<void(int part, int count, int round)>& on_progress = {},
                             const std::atomic<bool>* cancel = nullptr);

}  // namespace kinglet::assist
