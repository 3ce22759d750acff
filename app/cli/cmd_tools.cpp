// kinglet-cli quantize / synth: make model files (see inference/model/model_writer.h).
#include <cstdio>

#include "common.h"
#include "model/model_writer.h"

namespace kinglet::cli {

int cmd_quantize(const ArgList& argv) {
    Args args(argv, {}, {});
    const auto& pos = args.positional();
    if (pos.size() != 3) throw UsageError("usage: kinglet-cli quantize IN.gguf OUT.gguf TYPE (Q8_0, Q4_0, Q4_K, Q6_K, Q4_K_M, F16)");
    quantize_model(pos[0], pos[1], pos[2]);
    std::fprintf(stderr, "wrote %s\n", pos[1].c_str());
    return 0;
}

int cmd_synth(const ArgList& argv) {
    Args args(argv, {"--preset", "--type", "-o", "--vocab-dir", "--seed"}, {});
    auto preset = args.get("--preset");
    auto out = args.get("-o");
    if (!preset || !out) {
        std::string names;
        for (const auto& n : synth_presets()) names += " " + n;
        throw UsageError("usage: kinglet-cli synth --preset NAME --type T -o FILE [--vocab-dir DIR]; presets:" + names);
    }
    synth_model(*preset, args.get_or("--type", "Q4_K_M"), args.get_or("--vocab-dir", "../shared/tokenizer"), *out,
                args.get_u64("--seed", 1));
    std::fprintf(stderr, "wrote %s\n", out->c_str());
    return 0;
}

}  // namespace kinglet::cli
