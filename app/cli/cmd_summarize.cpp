// kinglet-cli summarize: the writing assistant in the terminal. Applies an action (the
// app's own templates, default "summarize") to a file or standard input; text longer
// than the context goes map-reduce, with the same splitting and steps as the app
// (inference/assist). Progress ("part 3 of 7") goes to stderr, the result to stdout.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "assist/map_reduce.h"
#include "chat/prompt_formatter.h"
#include "chat/stop_filter.h"
#include "common.h"
#include "runtime/generator.h"
#include "util/error.h"

namespace kinglet::cli {
namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string action_list() {
    std::string ids;
    for (const auto& a : assist::default_actions()) ids.append(ids.empty() ? "" : ", ").append(a.id);
    return ids;
}

}  // namespace

int cmd_summarize(const ArgList& argv) {
    Args args(argv, merge({kModelOptions, kSessionOptions, kSamplingOptions, {"-f", "--file", "-n", "--action", "--language"}}),
              {"--json"});
    if (!args.positional().empty()) throw UsageError("summarize reads -f FILE or standard input, not '" + args.positional().front() + "'");
    const std::string action_name = args.get_or("--action", "summarize");
    const assist::Action* action = assist::find_action(assist::default_actions(), action_name);
    if (!action) throw UsageError("no action '" + action_name + "' (there are: " + action_list() + ")");
    const int n_predict = args.get_int("-n", 0, 0, 1 << 20);  // 0: a quarter of the context
    const bool json = args.flag("--json");
    SamplingParams sampling = sampling_params(args);
    const auto file = args.get("-f") ? args.get("-f") : args.get("--file");

    const auto t_start = std::chrono::steady_clock::now();
    std::string text;
    if (file) {
        text = read_text_file(*file);
    } else {
        if (isatty(STDIN_FILENO)) std::fprintf(stderr, "reading the text from standard input (Ctrl-D ends it)\n");
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    }
    if (text.find_first_not_of(" \t\r\n\f\v") == std::string::npos)
        throw Error(file ? "'" + *file + "' holds no text" : "no text came on standard input");

    double load_ms = 0;
    auto model = load_model(args, &load_ms);
    Session session(*model, session_options(args));
    if (!session.backend_note().empty()) std::fprintf(stderr, "note: %s\n", session.backend_note().c_str());
    chat::PromptFormatter formatter(*model);
    if (!formatter.note().empty()) std::fprintf(stderr, "note: %s\n", formatter.note().c_str());

    assist::MapReduceLimits limits;
    limits.context = session.n_ctx();
    limits.max_tokens = n_predict;
    assist::MapReduce plan(*action, args.get_or("--language", "English"), limits);
    const Tokenizer& tok = model->tokenizer();
    double split_ms = 0;
    auto count = [&](std::string_view s) { return static_cast<int>(tok.encode(s, false, false).size()); };
    auto timed_count = [&](std::string_view s) {
        const auto t0 = std::chrono::steady_clock::now();
        const int n = count(s);
        split_ms += ms_since(t0);
        return n;
    };

    double prompt_ms = 0, gen_ms = 0;
    long prompt_tokens = 0, generated_tokens = 0;
    int steps = 0;
    bool streamed_any = false;
    auto generate_step = [&](const assist::MapReduceStep& step) {
        GenerateRequest req;
        req.sampling = sampling;
        req.max_tokens = step.max_tokens;
        // The plan left room for the answer; the prompt may use the rest.
        req.prompt = formatter.fit({{"user", step.text}}, session.n_ctx() - std::min(step.max_tokens, session.n_ctx() / 2)).tokens;
        chat::StopFilter filter(formatter.stopStrings());
        std::atomic<bool> stop{false};
        std::string answer;
        const bool show = step.streams && !json;
        if (show && step.separator) std::fputs("\n\n", stdout);
        auto emit = [&](const std::string& shown) {
            // The answer's first words often come with the space that followed the prompt.
            std::string_view out = shown;
            if (answer.empty()) {
                const size_t lead = out.find_first_not_of(" \t");
                out.remove_prefix(lead == std::string_view::npos ? out.size() : lead);
            }
            answer += out;
            if (show && !out.empty()) {
                std::fwrite(out.data(), 1, out.size(), stdout);
                std::fflush(stdout);
                streamed_any = true;
            }
        };
        auto result = generate(session, req, [&](std::string_view piece) {
            emit(filter.push(piece));
            if (filter.stopped()) stop = true;
        }, &stop);
        if (!filter.stopped()) emit(filter.flush());
        prompt_ms += result.prompt_ms;
        gen_ms += result.gen_ms;
        prompt_tokens += result.prompt_tokens - result.reused_tokens;
        generated_tokens += static_cast<long>(result.tokens.size());
        ++steps;
        return answer;
    };
    auto progress = [&](int part, int n, int round) {
        if (round == 0) std::fprintf(stderr, "part %d of %d\n", part, n);
        else std::fprintf(stderr, "combining summaries (round %d): part %d of %d\n", round, part, n);
    };

    const assist::MapReduceStep last = assist::run_map_reduce(plan, std::move(text), timed_count, generate_step, progress);
    if (last.kind == assist::MapReduceStep::Kind::Failed) throw Error(last.text);
    const double total_ms = ms_since(t_start);
    if (json) {
        nlohmann::json j = {
            {"text", plan.result()},
            {"chunks", plan.chunks()},
            {"rounds", plan.rounds()},
            {"action", plan.action().id},
            {"backend", session.backend_name()},
            {"timings",
             {{"load_ms", load_ms},
              {"split_ms", split_ms},
              {"prompt_ms", prompt_ms},
              {"gen_ms", gen_ms},
              {"total_ms", total_ms},
              {"steps", steps},
              {"prompt_tokens", prompt_tokens},
              {"generated_tokens", generated_tokens}}},
        };
        std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
        if (streamed_any) std::printf("\n");
        std::fflush(stdout);
        std::fprintf(stderr, "%s | %d part%s, %d round%s of summaries | %d steps, %ld tokens read, %ld written | %.0f ms\n",
                     session.backend_name().c_str(), plan.chunks(), plan.chunks() == 1 ? "" : "s", plan.rounds(),
                     plan.rounds() == 1 ? "" : "s", steps, prompt_tokens, generated_tokens, total_ms);
    }
    return 0;
}

}  // namespace kinglet::cli
