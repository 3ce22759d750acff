// SmolLM3 ("smollm3"): Llama's graph in which every 4th layer (3, 7, 11, ...) attends
// without positions (NoPE), as llama.cpp runs it. No SmolLM3 file is in ../shared, so
// tiny-llama (2 layers) is grown to 4 layers by repeating its two and written as both a
// Llama and a SmolLM3 file; then layer 3 is the one without RoPE:
//   - at position 0 RoPE is the identity, so both give the same logits; later they differ;
//   - with layers 0-2 made inert (their output projections zeroed, so the residual stream
//     holds the bare embeddings), only layer 3 acts. Without positions, what the last token
//     sees is a set: shuffling the tokens before it must not change its logits. With RoPE
//     (the Llama file) it must;
//   - the Vulkan backend (lavapipe in CI) gives the CPU's logits.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "gguf_rewrite.h"
#include "model/hparams.h"
#include "model/model.h"
#include "runtime/session.h"
#include "shared_data.h"
#include "vulkan/vulkan_backend.h"

using namespace kinglet;

namespace {

// The logits after every token of `tokens`, then after each of `decode` one by one.
std::vector<float> logits_of(const std::string& path, const std::vector<TokenId>& tokens,
                             const std::vector<TokenId>& decode = {}, const std::string& backend = "cpu") {
    auto model = Model::load(path);
    SessionOptions options;
    options.backend = backend;
    options.n_threads = 1;
    options.n_ctx = 64;
    Session session(*model, options);
    std::vector<float> logits = session.eval_all(tokens);
    for (TokenId t : decode) {
        const std::vector<float>& next = session.eval({t});
        logits.insert(logits.end(), next.begin(), next.end());
    }
    return logits;
}

double max_abs_diff(const float* a, const float* b, size_t n) {
    double d = 0;
    for (size_t i = 0; i < n; ++i) d = std::max(d, double(std::fabs(a[i] - b[i])));
    return d;
}

}  // namespace

class TestSmollm3 : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString llama_;
    int n_vocab_ = 0;

    // tiny-llama with layers 0, 1, 0, 1 as architecture `arch`; with `inert`, layers 0-2
    // write nothing to the residual stream.
    std::string four_layers(const std::string& arch, bool inert, const char* name) {
        const std::string path = (dir_.path() + "/" + name).toStdString();
        kinglet_test::rewrite_as_arch(*GgufFile::open(llama_.toStdString()), arch, 2, {}, path,
                                      [&](const std::string& tensor, std::vector<uint8_t>& bytes) {
                                          const bool output = tensor.ends_with(".attn_output.weight") ||
                                                              tensor.ends_with(".ffn_down.weight");
                                          if (inert && output && std::stoi(tensor.substr(4)) < 3)
                                              std::fill(bytes.begin(), bytes.end(), 0);
                                          return true;
                                      });
        return path;
    }

    std::vector<TokenId> tokens(int n, int seed) const {
        std::vector<TokenId> t;
        for (int i = 0; i < n; ++i) t.push_back(TokenId((i * 37 + seed) % n_vocab_));
        return t;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        KINGLET_REQUIRE_SHARED(path, "models/tiny-llama-f32.gguf");
        llama_ = path;
        n_vocab_ = read_hparams(*GgufFile::open(llama_.toStdString())).n_vocab;
    }

    void everyFourthLayerHasNoPositions() {
        const Hparams h = read_hparams(*GgufFile::open(four_layers("smollm3", false, "smol.gguf")));
        QCOMPARE(h.n_layer, 4);
        QCOMPARE(h.layer_uses_rope, (std::vector<bool>{true, true, true, false}));
        QVERIFY(h.rope_style == RopeStyle::Normal);
        const Hparams l = read_hparams(*GgufFile::open(four_layers("llama", false, "llama4.gguf")));
        QCOMPARE(l.layer_uses_rope, (std::vector<bool>{true, true, true, true}));
    }

    void differsFromLlamaOnlyAfterTheFirstPosition() {
        const auto prompt = tokens(10, 5);
        const auto smol = logits_of(four_layers("smollm3", false, "smol.gguf"), prompt);
        const auto llama = logits_of(four_layers("llama", false, "llama4.gguf"), prompt);
        QCOMPARE(max_abs_diff(smol.data(), llama.data(), n_vocab_), 0.0);
        const size_t last = size_t(prompt.size() - 1) * n_vocab_;
        QVERIFY(max_abs_diff(smol.data() + last, llama.data() + last, n_vocab_) > 1e-3);
    }

    void noPositionLayerSeesASet() {
        auto prompt = tokens(9, 11);
        auto shuffled = prompt;
        std::swap(shuffled[0], shuffled[5]);
        std::swap(shuffled[2], shuffled[7]);
        std::swap(shuffled[1], shuffled[3]);
        const size_t last = size_t(prompt.size() - 1) * n_vocab_;
        auto shift = [&](const std::string& path) {
            const auto a = logits_of(path, prompt), b = logits_of(path, shuffled);
            return max_abs_diff(a.data() + last, b.data() + last, n_vocab_);
        };
        const double smol = shift(four_layers("smollm3", true, "smol-inert.gguf"));
        const double llama = shift(four_layers("llama", true, "llama-inert.gguf"));
        qInfo("last token's logits moved by shuffling the tokens before it: %.2e without RoPE, %.2e with", smol, llama);
        QVERIFY(smol < 1e-5);
        QVERIFY(llama > 1e-3);
    }

    void vulkanMatchesCpu() {
        std::string why;
        if (list_vulkan_devices(&why).empty()) {
            if (kinglet_test::inCi()) QFAIL(("no Vulkan device: " + why).c_str());
            QSKIP("no Vulkan device");
        }
        const std::string path = four_layers("smollm3", false, "smol.gguf");
        const auto prompt = tokens(12, 3), decode = tokens(3, 17);
        const auto cpu = logits_of(path, prompt, decode);
        const auto vk = logits_of(path, prompt, decode, "vulkan");
        QCOMPARE(vk.size(), cpu.size());
        double spread = 0;
        for (float v : cpu) spread = std::max(spread, double(std::fabs(v)));
        const double d = max_abs_diff(cpu.data(), vk.data(), cpu.size());
        qInfo("Vulkan vs CPU: max |d logit| %.2e (logits up to %.2f)", d, spread);
        QVERIFY(d < 1e-3 * std::max(1.0, spread));
    }
};

QTEST_GUILESS_MAIN(TestSmollm3)
#include "test_smollm3.moc"
