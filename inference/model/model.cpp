#include "model/model.h"

#include <map>
#include <set>

#include "quant/quant.h"
#include "util/error.h"
#include "util/printable.h"

namespace kinglet {
namespace {

std::string dims_to_string(std::initializer_list<int64_t> dims) {
    std::string s = "[";
    bool first = true;
    for (int64_t d : dims) {
        s += (first ? "" : ", ") + std::to_string(d);
        first = false;
    }
    return s + "]";
}

// Looks up a tensor and checks its shape (ne[0] first) and that we can compute with its type.
class TensorBinder {
public:
    explicit TensorBinder(const GgufFile& f) : f_(f) {}

    const TensorInfo* get(const std::string& name, std::initializer_list<int64_t> dims, bool required = true) {
        const TensorInfo* t = f_.find_tensor(name);
        if (!t) {
            if (required) throw Error("model file is missing tensor '" + name + "'");
            return nullptr;
        }
        used_.insert(name);
        int i = 0;
        bool ok = t->n_dims <= static_cast<int>(dims.size()) || dims.size() == 0;
        for (int64_t d : dims) {
            if (t->ne[i] != d) ok = false;
            ++i;
        }
        for (; i < 4; ++i)
            if (t->ne[i] != 1) ok = false;
        if (!ok)
            throw Error("tensor '" + name + "' has shape " + t->shape_string() + ", expected " + dims_to_string(dims));
        if (!is_supported_weight_type(t->type))
            throw Error("tensor '" + name + "' has type " + type_name(t->type) + ", which this version cannot run");
        return t;
    }

    // A tensor the graph never reads (an attention-output bias, a layer past block_count)
    // means a variant of the architecture that this code would run wrongly, without a
    // word: refuse it and say which tensor, as llama.cpp does.
    void check_all_used(const std::string& arch) const {
        size_t unused = 0;
        std::string first;
        for (const TensorInfo& t : f_.tensors())
            if (!used_.count(t.name) && unused++ == 0) first = t.name;
        if (unused > 0)
            throw Error("model file has " + std::to_string(unused) + " tensor" + (unused > 1 ? "s" : "") +
                        " that this version does not use (first: '" + printable(first) + "'), so it is a variant of '" +
                        printable(arch) + "' that Kinglet cannot run correctly");
    }

private:
    const GgufFile& f_;
    std::set<std::string> used_;
};

}  // namespace

std::unique_ptr<Model> Model::load(const std::string& path, const LoadOptions& options) {
    std::unique_ptr<Model> m(new Model());
    m->file_ = GgufFile::open(path);
    m->hparams_ = read_hparams(*m->file_);
    m->bind_weights();
    m->tokenizer_ = Tokenizer::from_gguf(*m->file_);
    if (m->tokenizer_->n_tokens() != m->hparams_.n_vocab)
        throw Error("vocabulary has " + std::to_string(m->tokenizer_->n_tokens()) + " tokens but the embedding has " +
                    std::to_string(m->hparams_.n_vocab) + " rows");

    // Page the weights in now (sequential reads are fast) so the first reply is not slow,
    // reporting progress so the UI can show it.
    if (options.prefetch || options.progress) {
        const auto& tensors = m->file_->tensors();
        uint64_t total = 0, done = 0;
        for (const auto& t : tensors) total += t.nbytes;
        volatile uint8_t sink = 0;
        for (const auto& t : tensors) {
            if (options.prefetch)
                for (size_t off = 0; off < t.nbytes; off += 4096) sink = sink + t.data[off];
            done += t.nbytes;
            if (options.progress && !options.progress(total ? float(done) / float(total) : 1.0f))
                throw Error("loading cancelled");
        }
        (void)sink;
    }
    return m;
}

void Model::bind_weights() {
    const Hparams& h = hparams_;
    TensorBinder b(*file_);
    const int64_t E = h.n_embd;

    const TensorInfo* embd = file_->find_tensor("token_embd.weight");
    if (!embd) throw Error("model file is missing tensor 'token_embd.weight'");
    if (h.n_vocab == 0) hparams_.n_vocab = static_cast<int>(embd->ne[1]);
    weights_.token_embd = b.get("token_embd.weight", {E, hparams_.n_vocab});
    weights_.output_norm = b.get("output_norm.weight", {E});
    weights_.output = b.get("output.weight", {E, hparams_.n_vocab}, false);
    if (!weights_.output) weights_.output = weights_.token_embd;  // tied embeddings
    weights_.rope_freqs = b.get("rope_freqs.weight", {h.rope_dim / 2}, false);
    weights_.rope_factors_short = b.get("rope_factors_short.weight", {h.rope_dim / 2}, false);
    weights_.rope_factors_long = b.get("rope_factors_long.weight", {h.rope_dim / 2}, false);

    const bool gemma = h.arch == "gemma2" || h.arch == "gemma3";
    const bool qk_norm = h.arch == "qwen3" || h.arch == "gemma3";
    const bool biases = h.arch == "qwen2";
    const bool fused = h.arch == "phi3";

    weights_.layers.resize(h.n_layer);
    for (int l = 0; l < h.n_layer; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        LayerWeights& w = weights_.layers[l];
        w.attn_norm = b.get(p + "attn_norm.weight", {E});
        if (fused) {
            w.wqkv = b.get(p + "attn_qkv.weight", {E, h.q_dim() + 2 * h.kv_dim()});
        } else {
            w.wq = b.get(p + "attn_q.weight", {E, h.q_dim()});
            w.wk = b.get(p + "attn_k.weight", {E, h.kv_dim()});
            w.wv = b.get(p + "attn_v.weight", {E, h.v_dim()});
        }
        w.bq = b.get(p + "attn_q.bias", {h.q_dim()}, biases);
        w.bk = b.get(p + "attn_k.bias", {h.kv_dim()}, biases);
        w.bv = b.get(p + "attn_v.bias", {h.v_dim()}, biases);
        w.q_norm = b.get(p + "attn_q_norm.weight", {h.head_dim}, qk_norm);
        w.k_norm = b.get(p + "attn_k_norm.weight", {h.head_dim}, qk_norm);
        w.wo = b.get(p + "attn_output.weight", {h.n_head * h.head_dim_v, E});
        w.post_attn_norm = b.get(p + "post_attention_norm.weight", {E}, gemma);
        w.ffn_norm = b.get(p + "ffn_norm.weight", {E});
        if (fused) {
            w.ffn_up = b.get(p + "ffn_up.weight", {E, 2 * int64_t(h.n_ff)});
        } else {
            w.ffn_gate = b.get(p + "ffn_gate.weight", {E, h.n_ff});
            w.ffn_up = b.get(p + "ffn_up.weight", {E, h.n_ff});
        }
        w.ffn_down = b.get(p + "ffn_down.weight", {h.n_ff, E});
        w.post_ffn_norm = b.get(p + "post_ffw_norm.weight", {E}, gemma);
    }
    b.check_all_used(h.arch);
}

std::string Model::name() const {
    if (auto n = file_->get_string("general.name"); n && !n->empty()) return *n;
    std::string p = file_->path();
    auto slash = p.find_last_of('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::optional<std::string> Model::chat_template() const { return file_->get_string("tokenizer.chat_template"); }

uint64_t Model::parameter_count() const {
    uint64_t n = 0;
    for (const auto& t : file_->tensors()) n += static_cast<uint64_t>(t.n_elements());
    return n;
}

uint64_t Model::weight_bytes() const {
    uint64_t n = 0;
    for (const auto& t : file_->tensors()) n += t.nbytes;
    return n;
}

std::string Model::quantization() const {
    // llama.cpp's file-type numbers (general.file_type), which name the mix ("Q4_K_M").
    static const std::map<int64_t, const char*> kFileTypes = {
        {0, "F32"}, {1, "F16"}, {2, "Q4_0"}, {3, "Q4_1"}, {7, "Q8_0"}, {8, "Q5_0"}, {9, "Q5_1"}, {10, "Q2_K"},
        {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"}, {15, "Q4_K_M"}, {16, "Q5_K_S"},
        {17, "Q5_K_M"}, {18, "Q6_K"}, {19, "IQ2_XXS"}, {20, "IQ2_XS"}, {21, "Q2_K_S"}, {22, "IQ3_XS"},
        {23, "IQ3_XXS"}, {24, "IQ1_S"}, {25, "IQ4_NL"}, {26, "IQ3_S"}, {27, "IQ3_M"}, {28, "IQ2_S"}, {29, "IQ2_M"},
        {30, "IQ4_XS"}, {31, "IQ1_M"}, {32, "BF16"}, {36, "TQ1_0"}, {37, "TQ2_0"}};
    if (auto ft = file_->get_int("general.file_type")) {
        auto it = kFileTypes.find(*ft);
        if (it != kFileTypes.end()) return it->second;
    }
    return dominant_type();
}

std::string Model::dominant_type() const {
    std::map<std::string, uint64_t> bytes;
    for (const auto& t : file_->tensors())
        if (t.n_dims >= 2) bytes[type_name(t.type)] += t.nbytes;
    std::string best;
    uint64_t most = 0;
    for (const auto& [name, n] : bytes)
        if (n > most) most = n, best = name;
    return best;
}

}  // namespace kinglet
