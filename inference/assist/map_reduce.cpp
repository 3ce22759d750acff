#include "assist/map_reduce.h"

#include <algorithm>

namespace kinglet::assist {
namespace {

bool blank(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); });
}

std::string trimmed(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n\f\v");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n\f\v") - b + 1);
}

MapReduceStep done() {
    MapReduceStep s;
    s.kind = MapReduceStep::Kind::Done;
    return s;
}

MapReduceStep failed(std::string why) {
    MapReduceStep s;
    s.kind = MapReduceStep::Kind::Failed;
    s.text = std::move(why);
    return s;
}

}  // namespace

MapReduce::MapReduce(Action action, std::string language, MapReduceLimits limits)
    : action_(std::move(action)), language_(std::move(language)), limits_(limits) {
    limits_.context = std::max(limits_.context, 256);
}

int MapReduce::answer_limit() const {
    return limits_.max_tokens > 0 ? limits_.max_tokens : limits_.context / 4;
}

int MapReduce::part_budget(const TokenCounter& count) const {
    if (limits_.part_budget > 0) return limits_.part_budget;
    const int n_ctx = limits_.context;
    const int reserve = std::min(answer_limit(), n_ctx / 2);
    // Room for the text: the context less the answer, the longer instruction and a
    // margin for the chat template's own tokens (the caller formats the turn).
    const int instruction = std::max(count(render_prompt(action_.prompt, {}, language_)),
                                     count(render_prompt(part_summary_prompt(), {}, {})));
    return std::max(32, n_ctx - reserve - instruction - 48 - n_ctx / 32);
}

std::vector<std::string> MapReduce::split(const std::string& text, const TokenCounter& count,
                                          const std::atomic<bool>* cancel) const {
    const int budget = part_budget(count);
    if (!blank(text) && count(text) <= budget) return {trimmed(text)};
    return split_text(text, budget, count, cancel);
}

MapReduceStep MapReduce::start(std::string source) {
    round_ = 0;
    chunks_ = 0;
    result_.clear();
    input_size_ = source.size();
    previous_input_size_ = 0;
    MapReduceStep s;
    s.kind = MapReduceStep::Kind::Split;
    s.text = std::move(source);
    return s;
}

MapReduceStep MapReduce::final_step(const std::string& text) {
    final_ = true;
    each_ = false;
    parts_ = {text};
    answers_.assign(1, std::string());
    MapReduceStep s;
    s.kind = MapReduceStep::Kind::Generate;
    s.text = render_prompt(action_.prompt, text, language_);
    s.max_tokens = answer_limit();
    s.streams = true;
    s.count = 1;
    s.round = round_;
    return s;
}

MapReduceStep MapReduce::split_done(std::vector<std::string> parts) {
    if (parts.empty()) return failed(round_ == 0 ? "there is no text to work on" : "the model wrote no summaries");
    if (round_ == 0) chunks_ = static_cast<int>(parts.size());
    // One part: the action itself. Never converging (a model that will not summarise,
    // summaries no shorter than their parts): the start is better than nothing.
    const bool stuck = round_ > 0 && input_size_ >= previous_input_size_;
    if (parts.size() == 1 || round_ >= limits_.max_rounds || stuck) return final_step(parts.front());
    parts_ = std::move(parts);
    answers_.clear();
    each_ = round_ == 0 && action_.long_mode == LongMode::Each;
    final_ = each_;
    return next_part();
}

MapReduceStep MapReduce::next_part() {
    const size_t i = answers_.size();
    if (i >= parts_.size()) {
        if (each_) {
            for (const std::string& a : answers_) {
                if (!result_.empty()) result_ += "\n\n";
                result_ += trimmed(a);
            }
            return done();
        }
        std::string joined;
        for (const std::string& a : answers_) {
            const std::string t = trimmed(a);
            if (t.empty()) continue;
            if (!joined.empty()) joined += "\n\n";
            joined += t;
        }
        ++round_;
        previous_input_size_ = input_size_;
        input_size_ = joined.size();
        MapReduceStep s;
        s.kind = MapReduceStep::Kind::Split;
        s.text = std::move(joined);
        s.round = round_;
        return s;
    }
    answers_.emplace_back();
    MapReduceStep s;
    s.kind = MapReduceStep::Kind::Generate;
    s.part = static_cast<int>(i) + 1;
    s.count = static_cast<int>(parts_.size());
    s.round = round_;
    if (each_) {
        s.text = render_prompt(action_.prompt, parts_[i], language_);
        s.max_tokens = answer_limit();
        s.streams = true;
        s.separator = i > 0;
    } else {
        s.text = render_prompt(part_summary_prompt(), parts_[i], {});
        s.max_tokens = std::min(answer_limit(), std::max(32, limits_.context / 8));
    }
    return s;
}

MapReduceStep MapReduce::generated(std::string answer) {
    if (answers_.empty()) return failed("no step was under way");
    answers_.back() = std::move(answer);
    if (final_ && !each_) {
        result_ = trimmed(answers_.back());
        return done();
    }
    return next_part();
}

MapReduceStep run_map_reduce(MapReduce& m, std::string source, const TokenCounter& count,
                             const std::function<std::string(const MapReduceStep&)>& generate,
                             const std::function<void(int, int, int)>& on_progress, const std::atomic<bool>* cancel) {
    MapReduceStep step = m.start(std::move(source));
    for (;;) {
        if (cancel && cancel->load()) return failed("stopped");
        switch (step.kind) {
            case MapReduceStep::Kind::Split:
                step = m.split_done(m.split(step.text, count, cancel));
                break;
            case MapReduceStep::Kind::Generate:
                if (on_progress && step.count > 1) on_progress(step.part, step.count, step.round);
                step = m.generated(generate(step));
                break;
            case MapReduceStep::Kind::Done:
            case MapReduceStep::Kind::Failed:
                return step;
        }
    }
}

}  // namespace kinglet::assist
