// Pieces shared by the kinglet-cli commands: finding and loading the model, and the
// options every command that runs the model accepts.
#pragma once
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "args.h"
#include "model/model.h"
#include "runtime/session.h"
#include "sampling/sampler.h"

namespace kinglet::cli {

using ArgList = std::vector<std::string>;

// Options understood by every command that loads a model.
extern const std::set<std::string> kModelOptions;     // -m
extern const std::set<std::string> kSessionOptions;   // --ctx, --threads, --backend, --device
extern const std::set<std::string> kSamplingOptions;  // --temp, --top-k, ...
std::set<std::string> merge(std::initializer_list<std::set<std::string>> sets);

// -m MODEL, or the demo model installed next to this program.
std::string model_path(const Args& args);
std::unique_ptr<Model> load_model(const Args& args, double* load_ms = nullptr);
SessionOptions session_options(const Args& args);
SamplingParams sampling_params(const Args& args);
// The whole file as bytes; throws kinglet::Error when it cannot be read.
std::string read_text_file(const std::string& path);

int cmd_info(const ArgList& argv);
int cmd_tokenize(const ArgList& argv);
int cmd_generate(const ArgList& argv);
int cmd_chat(const ArgList& argv);
int cmd_summarize(const ArgList& argv);
int cmd_logits(const ArgList& argv);
int cmd_bench(const ArgList& argv);
int cmd_quantize(const ArgList& argv);
int cmd_synth(const ArgList& argv);
int cmd_devices(const ArgList& argv);
int cmd_template(const ArgList& argv);
int cmd_download(const ArgList& argv);  // only in builds with the app (Qt Network)

}  // namespace kinglet::cli
