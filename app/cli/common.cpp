#include "common.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "util/error.h"

namespace kinglet::cli {

const std::set<std::string> kModelOptions = {"-m", "--model"};
const std::set<std::string> kSessionOptions = {"--ctx", "-c", "--threads", "-t", "--backend", "--device"};
const std::set<std::string> kSamplingOptions = {"--temp", "--top-k", "--top-p", "--min-p", "--repeat-penalty",
                                                "--repeat-last-n", "--seed"};

std::set<std::string> merge(std::initializer_list<std::set<std::string>> sets) {
    std::set<std::string> all;
    for (const auto& s : sets) all.insert(s.begin(), s.end());
    return all;
}

namespace {

std::string executable_dir() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string(".") : exe.parent_path().string();
}

}  // namespace

std::string model_path(const Args& args) {
    if (auto m = args.get("-m")) return *m;
    if (auto m = args.get("--model")) return *m;
    // The demo model lives in <prefix>/share/kinglet/models, next to <prefix>/bin.
    auto demo = std::filesystem::path(executable_dir()) / ".." / "share" / "kinglet" / "models" / "stories260K.gguf";
    if (std::filesystem::exists(demo)) return std::filesystem::weakly_canonical(demo).string();
    throw UsageError("no model given (-m MODEL) and no demo model installed");
}

std::unique_ptr<Model> load_model(const Args& args, double* load_ms) {
    auto t0 = std::chrono::steady_clock::now();
    auto model = Model::load(model_path(args));
    if (load_ms) *load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return model;
}

SessionOptions session_options(const Args& args) {
    SessionOptions o;
    o.n_ctx = args.get("-c") ? args.get_int("-c", 0, 1, 1 << 24) : args.get_int("--ctx", 0, 1, 1 << 24);
    o.n_threads = args.get("-t") ? args.get_int("-t", 0, 1, 256) : args.get_int("--threads", 0, 1, 256);
    o.backend = args.get_or("--backend", "auto");
    if (o.backend != "auto" && o.backend != "cpu" && o.backend != "vulkan")
        throw UsageError("--backend must be auto, cpu or vulkan");
    o.device = args.get_or("--device", "");
    if (!o.device.empty() && !args.get("--backend")) o.backend = "vulkan";
    return o;
}

SamplingParams sampling_params(const Args& args) {
    SamplingParams p;
    p.temperature = float(args.get_double("--temp", p.temperature, 0.0, 100.0));
    p.top_k = args.get_int("--top-k", p.top_k, 0, 1 << 30);
    p.top_p = float(args.get_double("--top-p", p.top_p, 0.0, 1.0));
    p.min_p = float(args.get_double("--min-p", p.min_p, 0.0, 1.0));
    p.repeat_penalty = float(args.get_double("--repeat-penalty", p.repeat_penalty, 0.01, 100.0));
    p.repeat_last_n = args.get_int("--repeat-last-n", p.repeat_last_n, 0, 1 << 20);
    p.seed = args.get_u64("--seed", p.seed);
    return p;
}

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read '" + path + "'");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace kinglet::cli
