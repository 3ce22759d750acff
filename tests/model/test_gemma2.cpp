// Gemma 2 ("gemma2"): Gemma 3's graph without Q/K norms, every other layer local, one RoPE
// base for all layers, and attention scores soft-capped (score -> cap * tanh(score / cap))
// before the softmax, as llama.cpp runs it. No Gemma 2 file is in ../shared, so tiny-gemma3
// is rewritten as one (in F32, its Q/K norms dropped) and checked by what must hold:
//   - llama.cpp's defaults where the file is silent (caps 50 and 30, window 4096);
//   - a vanishing cap flattens every score, so attention becomes a plain average of the
//     visible values: the logits equal those of the same model with its query weights
//     zeroed (all scores 0) and a normal cap. A cap applied anywhere but to the scores
//     before the softmax fails this;
//   - the final cap bounds the logits;
//   - the Vulkan backend (lavapipe in CI) gives the CPU's logits.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "gguf_rewrite.h"
#include "model/hparams.h"
#include "model/model.h"
#include "model/model_writer.h"
#include "runtime/session.h"
#include "shared_data.h"
#include "util/error.h"
#include "vulkan/vulkan_backend.h"

using namespace kinglet;
using kinglet_test::gguf_number;
using kinglet_test::KeyChange;

namespace {

// Logits after each of a 12-token prompt, then after each of 3 tokens one by one.
std::vector<float> logits_of(const std::string& path, const std::string& backend = "cpu") {
    auto model = Model::load(path);
    SessionOptions options;
    options.backend = backend;
    options.n_threads = 1;
    options.n_ctx = 64;
    Session session(*model, options);
    const int n_vocab = model->hparams().n_vocab;
    std::vector<TokenId> tokens;
    for (int i = 0; i < 12; ++i) tokens.push_back(TokenId((i * 37 + 5) % n_vocab));
    std::vector<float> logits = session.eval_all(tokens);
    for (int i = 0; i < 3; ++i) {
        const std::vector<float>& next = session.eval({TokenId((i * 11 + 3) % n_vocab)});
        logits.insert(logits.end(), next.begin(), next.end());
    }
    return logits;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double d = 0;
    for (size_t i = 0; i < a.size(); ++i) d = std::max(d, double(std::fabs(a[i] - b[i])));
    return d;
}

double max_abs(const std::vector<float>& a) {
    double m = 0;
    for (float v : a) m = std::max(m, double(std::fabs(v)));
    return m;
}

KeyChange f32(double v) { return {false, gguf_number(GgufValueType::F32, v)}; }

}  // namespace

class TestGemma2 : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString gemma3_;

    // tiny-gemma3 as Gemma 2: keys renamed, Q/K norms dropped, `changes` applied; with
    // zero_q, every query weight is 0.
    std::string gemma2(const std::map<std::string, KeyChange>& changes, const char* name, bool zero_q = false) {
        const std::string path = (dir_.path() + "/" + name).toStdString();
        kinglet_test::rewrite_as_arch(*GgufFile::open(gemma3_.toStdString()), "gemma2", 1, changes, path,
                                      [&](const std::string& tensor, std::vector<uint8_t>& bytes) {
                                          if (tensor.ends_with("attn_q_norm.weight") || tensor.ends_with("attn_k_norm.weight"))
                                              return false;
                                          if (zero_q && tensor.ends_with("attn_q.weight")) std::fill(bytes.begin(), bytes.end(), 0);
                                          return true;
                                      });
        return path;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        KINGLET_REQUIRE_SHARED(path, "models/tiny-gemma3-f16.gguf");
        // In F32: the CPU rounds activations to F16 for F16 weights, which would turn the
        // millionths the vanishing cap leaves into occasional F16 rounding steps.
        gemma3_ = dir_.filePath("gemma3-f32.gguf");
        quantize_model(path.toStdString(), gemma3_.toStdString(), "F32");
    }

    void llamaCppDefaults() {
        const Hparams h = read_hparams(*GgufFile::open(gemma2({{"gemma2.attention.sliding_window", {true, {}}}}, "d.gguf")));
        QCOMPARE(h.arch, std::string("gemma2"));
        QCOMPARE(h.attn_logit_softcap, 50.0f);
        QCOMPARE(h.final_logit_softcap, 30.0f);
        QCOMPARE(h.sliding_window, 4096);
        QCOMPARE(h.layer_is_local, (std::vector<bool>{true, false, true, false, true, false}));
        QCOMPARE(h.rope_freq_base_local, h.rope_freq_base);  // gemma3's freq_base_swa does not apply
        QCOMPARE(h.embed_scale, std::sqrt(float(h.n_embd)));
        const Hparams own = read_hparams(
            *GgufFile::open(gemma2({{"gemma2.attn_logit_softcapping", f32(20)}, {"gemma2.final_logit_softcapping", f32(5)}},
                                   "own.gguf")));
        QCOMPARE(own.attn_logit_softcap, 20.0f);
        QCOMPARE(own.final_logit_softcap, 5.0f);
        // A zero cap would divide by zero: refused by name.
        try {
            Model::load(gemma2({{"gemma2.attn_logit_softcapping", f32(0)}}, "zero.gguf"));
            QFAIL("a zero attention cap loaded");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("gemma2.attn_logit_softcapping") != std::string::npos, e.what());
        }
    }

    void vanishingCapAveragesTheValues() {
        const auto flat = logits_of(gemma2({{"gemma2.attn_logit_softcapping", f32(1e-6)}}, "flat.gguf"));
        const auto zero_q = logits_of(gemma2({}, "zero-q.gguf", true));
        const auto normal = logits_of(gemma2({}, "normal.gguf"));
        const double d = max_abs_diff(flat, zero_q), spread = max_abs(normal);
        qInfo("vanishing cap vs zero queries: max |d logit| %.2e; vs the model as is: %.2e (logits up to %.2f)", d,
              max_abs_diff(flat, normal), spread);
        QVERIFY(d < 1e-4 * std::max(1.0, spread));
        QVERIFY(max_abs_diff(flat, normal) > 1e-2);
    }

    void finalCapBoundsTheLogits() {
        const auto capped = logits_of(gemma2({{"gemma2.final_logit_softcapping", f32(0.5)}}, "final.gguf"));
        QVERIFY(max_abs(capped) <= 0.5);
        QVERIFY(max_abs(capped) > 0.1);
    }

    void vulkanMatchesCpu() {
        std::string why;
        if (list_vulkan_devices(&why).empty()) {
            if (kinglet_test::inCi()) QFAIL(("no Vulkan device: " + why).c_str());
            QSKIP("no Vulkan device");
        }
        // A cap small enough to bend the scores, and a window the prompt outgrows.
        const std::string path = gemma2({{"gemma2.attn_logit_softcapping", f32(0.5)},
                                         {"gemma2.attention.sliding_window", {false, gguf_number(GgufValueType::U32, 5)}}},
                                        "vk.gguf");
        const auto cpu = logits_of(path), vk = logits_of(path, "vulkan");
        QCOMPARE(vk.size(), cpu.size());
        const double d = max_abs_diff(cpu, vk);
        qInfo("Vulkan vs CPU: max |d logit| %.2e (logits up to %.2f)", d, max_abs(cpu));
        QVERIFY(d < 1e-3 * std::max(1.0, max_abs(cpu)));
    }
};

QTEST_GUILESS_MAIN(TestGemma2)
#include "test_gemma2.moc"
