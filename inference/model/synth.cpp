// Random-weight models with the exact shapes of popular small models (see model_writer.h).
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "model/model_writer.h"
#include "quant/quant.h"
#include "runtime/thread_pool.h"
#include "util/error.h"

namespace kinglet {
namespace {

struct Preset {
    std::string arch, vocab_file;
    int n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab, n_ctx;
    float rope_base, eps;
    bool biases = false, qk_norm = false, llama3_rope = false;
};

const std::map<std::string, Preset>& presets() {
    static const std::map<std::string, Preset> p = {
        {"qwen2.5-0.5b", {"qwen2", "ggml-vocab-qwen2.gguf", 896, 24, 14, 2, 64, 4864, 151936, 32768, 1e6f, 1e-6f, true}},
        {"qwen3-0.6b", {"qwen3", "ggml-vocab-qwen2.gguf", 1024, 28, 16, 8, 128, 3072, 151936, 40960, 1e6f, 1e-6f, false, true}},
        {"llama-3.2-1b", {"llama", "ggml-vocab-llama-bpe.gguf", 2048, 16, 32, 8, 64, 8192, 128256, 131072, 5e5f, 1e-5f,
                          false, false, true}},
        {"smollm2-360m", {"llama", "ggml-vocab-gpt-2.gguf", 960, 32, 15, 5, 64, 2560, 49152, 8192, 1e5f, 1e-5f}},
    };
    return p;
}

// Llama 3.1 frequency factors (factor 32, low 1, high 4, original context 8192).
std::vector<float> llama3_rope_factors(int rope_dim, float base) {
    const float factor = 32, low = 1, high = 4, orig = 8192;
    std::vector<float> f(rope_dim / 2);
    for (int i = 0; i < rope_dim / 2; ++i) {
        const float freq = std::pow(base, -2.0f * i / rope_dim);
        const float wavelen = 2 * float(M_PI) / freq;
        if (wavelen < orig / high) f[i] = 1;
        else if (wavelen > orig / low) f[i] = factor;
        else {
            const float smooth = (orig / wavelen - low) / (high - low);
            f[i] = 1.0f / ((1 - smooth) / factor + smooth);
        }
    }
    return f;
}

// Deterministic, fast pseudo-normal values (sum of uniforms), scaled.
std::vector<float> random_values(size_t n, uint64_t seed, float scale) {
    std::vector<float> v(n);
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; ++i) {
        float acc = 0;
        for (int k = 0; k < 3; ++k) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            acc += float(s >> 40) / float(1 << 24) - 0.5f;
        }
        v[i] = acc * scale * 2.0f;
    }
    return v;
}

}  // namespace

std::vector<std::string> synth_presets() {
    std::vector<std::string> names;
    for (const auto& [name, p] : presets()) names.push_back(name);
    return names;
}

void synth_model(const std::string& preset_name, const std::string& target, const std::string& vocab_dir,
                 const std::string& out_path, uint64_t seed) {
    auto it = presets().find(preset_name);
    if (it == presets().end()) throw Error("unknown preset '" + preset_name + "'");
    const Preset& p = it->second;
    auto vocab = GgufFile::open(vocab_dir + "/" + p.vocab_file);

    GgufWriter w;
    for (const auto& [key, value] : vocab->metadata())
        if (key.rfind("tokenizer.", 0) == 0 && key != "tokenizer.chat_template") w.set_value(key, value);
    // Real files pad the token list to the embedding size; trim or pad it to n_vocab.
    const GgufArray* tok = vocab->get_array("tokenizer.ggml.tokens");
    const GgufArray* types = vocab->get_array("tokenizer.ggml.token_type");
    if (!tok) throw Error("vocabulary file has no tokens");
    std::vector<std::string> tokens(tok->strings.begin(), tok->strings.begin() + std::min<size_t>(tok->size(), p.n_vocab));
    std::vector<int32_t> tt;
    for (size_t i = 0; i < tokens.size(); ++i) tt.push_back(types && i < types->ints.size() ? int32_t(types->ints[i]) : 1);
    while (tokens.size() < size_t(p.n_vocab)) {
        tokens.push_back("[PAD" + std::to_string(tokens.size()) + "]");
        tt.push_back(5);  // unused
    }
    w.set_string_array("tokenizer.ggml.tokens", tokens);
    w.set_i32_array("tokenizer.ggml.token_type", tt);
    if (vocab->get_array("tokenizer.ggml.scores")) w.set_f32_array("tokenizer.ggml.scores", std::vector<float>(p.n_vocab, 0.0f));
    if (const GgufArray* merges = vocab->get_array("tokenizer.ggml.merges")) {
        std::set<std::string> kept(tokens.begin(), tokens.end());
        std::vector<std::string> m;
        for (const auto& rule : merges->strings) {
            auto sp = rule.find(' ');
            if (sp != std::string::npos && kept.count(rule.substr(0, sp)) && kept.count(rule.substr(sp + 1)) &&
                kept.count(rule.substr(0, sp) + rule.substr(sp + 1)))
                m.push_back(rule);
        }
        w.set_string_array("tokenizer.ggml.merges", m);
    }
    for (const char* key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"})
        if (auto id = vocab->get_int(key); id && *id >= p.n_vocab) w.set_u32(key, 0);

    const std::string a = p.arch + ".";
    w.set_string("general.architecture", p.arch);
    w.set_string("general.name", "synthetic " + preset_name + " " + target);
    w.set_u32("general.file_type", file_type_number(target));
    w.set_u32(a + "embedding_length", p.n_embd);
    w.set_u32(a + "block_count", p.n_layer);
    w.set_u32(a + "attention.head_count", p.n_head);
    w.set_u32(a + "attention.head_count_kv", p.n_head_kv);
    w.set_u32(a + "attention.key_length", p.head_dim);
    w.set_u32(a + "attention.value_length", p.head_dim);
    w.set_u32(a + "feed_forward_length", p.n_ff);
    w.set_u32(a + "context_length", p.n_ctx);
    w.set_u32(a + "rope.dimension_count", p.head_dim);
    w.set_f32(a + "rope.freq_base", p.rope_base);
    w.set_f32(a + "attention.layer_norm_rms_epsilon", p.eps);

    uint64_t tensor_seed = seed;
    auto add = [&](const std::string& name, std::vector<int64_t> dims, float scale, int layer) {
        size_t n = 1;
        for (auto d : dims) n *= size_t(d);
        std::vector<float> values = scale == 0 ? std::vector<float>(n, 1.0f) : random_values(n, ++tensor_seed, scale);
        const GgmlType type = choose_tensor_type(target, name, int(dims.size()), dims[0], layer, p.n_layer);
        const size_t rb = row_bytes(type, dims[0]);
        const int64_t rows = int64_t(n) / dims[0];
        std::vector<uint8_t> data(rb * rows);
        ThreadPool pool(0);
        pool.parallel_for(rows, [&](int64_t b, int64_t e) {
            for (int64_t r = b; r < e; ++r) quantize_row(type, values.data() + r * dims[0], data.data() + r * rb, dims[0]);
        });
        w.add_tensor(name, type, dims, std::move(data));
    };
    const int64_t E = p.n_embd, Q = int64_t(p.n_head) * p.head_dim, KV = int64_t(p.n_head_kv) * p.head_dim;
    add("token_embd.weight", {E, p.n_vocab}, 0.02f, -1);
    add("output_norm.weight", {E}, 0, -1);
    if (p.llama3_rope) {
        auto f = llama3_rope_factors(p.head_dim, p.rope_base);
        std::vector<uint8_t> bytes(f.size() * 4);
        std::memcpy(bytes.data(), f.data(), bytes.size());
        w.add_tensor("rope_freqs.weight", GgmlType::F32, {int64_t(f.size())}, bytes);
    }
    for (int l = 0; l < p.n_layer; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        add(b + "attn_norm.weight", {E}, 0, l);
        add(b + "attn_q.weight", {E, Q}, 0.02f, l);
        add(b + "attn_k.weight", {E, KV}, 0.02f, l);
        add(b + "attn_v.weight", {E, KV}, 0.02f, l);
        if (p.biases) {
            add(b + "attn_q.bias", {Q}, 0.02f, l);
            add(b + "attn_k.bias", {KV}, 0.02f, l);
            add(b + "attn_v.bias", {KV}, 0.02f, l);
        }
        if (p.qk_norm) {
            add(b + "attn_q_norm.weight", {p.head_dim}, 0, l);
            add(b + "attn_k_norm.weight", {p.head_dim}, 0, l);
        }
        add(b + "attn_output.weight", {Q, E}, 0.02f, l);
        add(b + "ffn_norm.weight", {E}, 0, l);
        add(b + "ffn_gate.weight", {E, p.n_ff}, 0.02f, l);
        add(b + "ffn_up.weight", {E, p.n_ff}, 0.02f, l);
        add(b + "ffn_down.weight", {p.n_ff, E}, 0.02f, l);
    }
    w.write(out_path);
}

}  // namespace kinglet
