// Fuzzes everything a model file reaches: the GGUF reader, the hyper-parameters, the
// tensor table, the vocabulary, and one short evaluation on the CPU.
//
// Input: byte 0 picks one of the shared test models, byte 1 the kind of edits. Odd: byte
// edits, each [offset u32][length 1-8][bytes], applied to a copy of the file, then maybe a
// truncation; they land in the header (metadata and tensor table) 7 times in 8, where
// random bytes of a whole file would mostly hit weights. Even: structured edits of keys
// and tensors (gguf_mutations.h). Anything the engine rejects must be a kinglet::Error; a
// crash, a sanitizer report, a hang or a huge allocation is a bug.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz_input.h"
#include "gguf_mutations.h"
#include "gguf/gguf_file.h"
#include "model/model.h"
#include "runtime/session.h"
#include "util/error.h"

namespace {

struct BaseFile {
    std::string bytes;
    std::unique_ptr<kinglet::GgufFile> gguf;
    size_t header_size = 0;  // where the tensor data starts
};

const std::vector<BaseFile>& base_files() {
    static const std::vector<BaseFile> files = [] {
        const char* names[] = {"stories260K", "tiny-llama-q4_0", "tiny-llama-q4_k_m", "tiny-llama-q6_k",
                               "tiny-llama3-q4_k_m", "tiny-phi3-q4_k_m", "tiny-qwen2-q4_k_m", "tiny-qwen2-q8_0",
                               "tiny-qwen3-q4_k_m", "tiny-gemma3-q4_k_m"};
        std::vector<BaseFile> out;
        for (const char* name : names) {
            const std::string path = std::string(KINGLET_SHARED_DIR) + "/models/" + name + ".gguf";
            std::ifstream in(path, std::ios::binary);
            if (!in) continue;
            BaseFile f;
            f.bytes.assign(std::istreambuf_iterator<char>(in), {});
            f.gguf = kinglet::GgufFile::open(path);
            f.header_size = f.gguf->data_offset();
            out.push_back(std::move(f));
        }
        if (out.empty()) {
            fprintf(stderr, "fuzz_gguf_model: no models in %s/models\n", KINGLET_SHARED_DIR);
            abort();
        }
        return out;
    }();
    return files;
}

std::string byte_edited_file(const BaseFile& base, kinglet_fuzz::FuzzInput& in) {
    std::string file = base.bytes;
    const bool truncate = in.byte() & 1;
    const uint32_t truncate_at = in.u32();
    while (in.left() > 5) {
        const uint32_t where = in.u32();
        const size_t len = 1 + in.byte() % 8;
        const size_t span = (where >> 29) == 7 ? file.size() : base.header_size;
        const size_t at = where % span;
        const std::string patch = in.bytes(len);
        memcpy(file.data() + at, patch.data(), std::min(patch.size(), file.size() - at));
    }
    if (truncate) file.resize(truncate_at % (file.size() + 1));
    return file;
}

std::vector<float> evaluate(const kinglet::Model& model, const std::vector<kinglet::TokenId>& ids,
                            const std::string& backend) {
    kinglet::SessionOptions options;
    options.n_ctx = 16;
    options.n_threads = 1;
    options.backend = backend;
    kinglet::Session session(model, options);
    return session.eval(ids);
}

// Weights made of edited bytes give logits of any size, so the difference is measured
// against the largest logit; the paths round differently (F16 and 8-bit activations).
void report_difference(const std::vector<float>& cpu, const std::vector<float>& gpu) {
    float largest = 1.0f, diff = 0.0f;
    size_t unlike = 0;  // one is NaN or infinite and the other is not the same
    float unlike_cpu = 0.0f, unlike_gpu = 0.0f;
    for (size_t i = 0; i < cpu.size() && i < gpu.size(); ++i) {
        if (!std::isfinite(cpu[i]) || !std::isfinite(gpu[i])) {
            if (cpu[i] == gpu[i] || (std::isnan(cpu[i]) && std::isnan(gpu[i]))) continue;
            if (unlike++ == 0) unlike_cpu = cpu[i], unlike_gpu = gpu[i];
            continue;
        }
        largest = std::max(largest, std::fabs(cpu[i]));
        diff = std::max(diff, std::fabs(cpu[i] - gpu[i]));
    }
    if (unlike > 0 || cpu.size() != gpu.size() || diff > 0.05f * largest)
        fprintf(stderr, "  DIFFER: cpu vs vulkan max |delta| %g, largest logit %g, %zu NaN/inf unlike (%g vs %g)\n", diff,
                largest, unlike, unlike_cpu, unlike_gpu);
    else if (kinglet_fuzz::verbose())
        fprintf(stderr, "  cpu and vulkan agree: max |delta| %g, largest logit %g\n", diff, largest);
}

void run_model(const std::string& path) {
    kinglet::LoadOptions load;
    load.prefetch = false;
    auto model = kinglet::Model::load(path, load);
    (void)model->name();
    (void)model->quantization();
    (void)model->parameter_count();
    (void)model->chat_template();

    const kinglet::Tokenizer& tok = model->tokenizer();
    std::vector<kinglet::TokenId> ids = tok.encode("Hello world! <|im_end|> 123 héllo", true, true);
    (void)tok.decode(ids);
    if (ids.empty()) ids.push_back(0);
    if (ids.size() > 6) ids.resize(6);

    // The CPU by default: a Vulkan device per input is slow. KINGLET_FUZZ_BACKEND=vulkan
    // replays a corpus on the GPU path (lavapipe included); =compare runs both and reports
    // where their logits differ.
    const char* env = getenv("KINGLET_FUZZ_BACKEND");
    const std::string backend = env ? env : "cpu";
    const std::vector<float> logits = evaluate(*model, ids, backend == "compare" ? "cpu" : backend);
    if (static_cast<int>(logits.size()) != tok.n_tokens()) {
        fprintf(stderr, "logits: %zu values for a %d-token vocabulary\n", logits.size(), tok.n_tokens());
        abort();
    }
    if (backend == "compare") report_difference(logits, evaluate(*model, ids, "vulkan"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    kinglet_fuzz::FuzzInput in(data, size);
    static const std::string path = kinglet_fuzz::scratch_path("kinglet-fuzz-model");
    const auto& bases = base_files();
    const BaseFile& base = bases[in.byte() % bases.size()];
    try {
        if (in.byte() & 1) {
            const std::string file = byte_edited_file(base, in);
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out.write(file.data(), static_cast<std::streamsize>(file.size()));
        } else {
            kinglet_fuzz::write_structured_edits(*base.gguf, in, path);
        }
        run_model(path);
        if (kinglet_fuzz::verbose()) fprintf(stderr, "  loaded and ran\n");
    } catch (const kinglet::Error& e) {
        // Rejected with a message: what a hostile file should get.
        if (kinglet_fuzz::verbose()) fprintf(stderr, "  rejected: %s\n", e.what());
    }
    return 0;
}
