// IBM Granite 3.x ("granite") and MiniCPM ("minicpm"): Llama's graph with multipliers, one
// graph for both in llama.cpp (every test here runs for each architecture), read as
// llama.cpp reads them: embeddings x embedding_scale, each block's output x residual_scale
// before it joins the residual stream, logits / logit_scale, and for Granite only the
// attention scores x attention.scale (instead of 1/sqrt(head size)). No such file is in
// ../shared, so tiny-llama is rewritten as one and the multipliers are checked by what
// they must and must not change:
//   - neutral values give Llama's logits exactly;
//   - logit_scale 4 gives exactly a quarter of them (a power of two scales without rounding);
//   - embedding_scale = residual_scale = 2 doubles the whole residual stream, which every
//     RMSNorm removes: with a negligible epsilon the logits stay Llama's bit for bit (doubling
//     is exact in floating point). Scaling only one of the two, or applying residual_scale
//     anywhere else, breaks this;
//   - Granite's attention scale reaches the scores (another value moves the logits);
//     MiniCPM's is ignored;
//   - the Vulkan backend (lavapipe in CI) gives the CPU's logits.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "gguf_rewrite.h"
#include "model/hparams.h"
#include "model/model.h"
#include "runtime/session.h"
#include "shared_data.h"
#include "util/error.h"
#include "vulkan/vulkan_backend.h"

using namespace kinglet;
using kinglet_test::gguf_number;
using kinglet_test::KeyChange;

namespace {

// Logits after each of a 12-token prompt (the tiled prompt kernels on a GPU), then after
// each of 3 tokens evaluated one by one (the decode kernels).
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

struct Multipliers {
    double embedding = 1, residual = 1, attention = 0, logit = 1;  // attention 0: key absent
    double norm_eps = 0;                                            // 0: the file's own
};

}  // namespace

class TestGranite : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString llama_;
    int head_dim_ = 0;

    // tiny-llama as the architecture under test (its llama.* keys renamed) with the
    // multipliers set.
    std::string granite(const Multipliers& m, const char* name) {
        QFETCH_GLOBAL(QString, arch_name);
        const std::string arch = arch_name.toStdString();
        std::map<std::string, KeyChange> changes;
        changes[arch + ".embedding_scale"] = {false, gguf_number(GgufValueType::F32, m.embedding)};
        changes[arch + ".residual_scale"] = {false, gguf_number(GgufValueType::F32, m.residual)};
        changes[arch + ".logit_scale"] = {false, gguf_number(GgufValueType::F32, m.logit)};
        if (m.attention > 0) changes[arch + ".attention.scale"] = {false, gguf_number(GgufValueType::F32, m.attention)};
        if (m.norm_eps > 0)
            changes[arch + ".attention.layer_norm_rms_epsilon"] = {false, gguf_number(GgufValueType::F32, m.norm_eps)};
        const std::string path = (dir_.path() + "/" + name).toStdString();
        kinglet_test::rewrite_as_arch(*GgufFile::open(llama_.toStdString()), arch, 1, changes, path);
        return path;
    }

private slots:
    void initTestCase_data() {
        QTest::addColumn<QString>("arch_name");
        QTest::newRow("granite") << "granite";
        QTest::newRow("minicpm") << "minicpm";
    }

    void initTestCase() {
        QVERIFY(dir_.isValid());
        KINGLET_REQUIRE_SHARED(path, "models/tiny-llama-f32.gguf");
        llama_ = path;
        head_dim_ = read_hparams(*GgufFile::open(llama_.toStdString())).head_dim;
    }

    void readsTheMultipliers() {
        const Hparams h = read_hparams(*GgufFile::open(granite({2.0, 0.25, 0.0078125, 8.0}, "keys.gguf")));
        QFETCH_GLOBAL(QString, arch_name);
        const bool is_granite = arch_name == "granite";
        QCOMPARE(QString::fromStdString(h.arch), arch_name);
        QCOMPARE(h.embed_scale, 2.0f);
        QCOMPARE(h.residual_scale, 0.25f);
        QCOMPARE(h.attn_scale, is_granite ? 0.0078125f : 0.0f);  // as llama.cpp, which reads it for Granite only
        QCOMPARE(h.logit_scale, 8.0f);
        QVERIFY(h.rope_style == RopeStyle::Normal);
        // A zero or negative multiplier would silently zero or flip the model: refused by name.
        Multipliers bad;
        bad.logit = 0;
        try {
            Model::load(granite(bad, "bad.gguf"));
            QFAIL("a zero logit scale loaded");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find(arch_name.toStdString() + ".logit_scale") != std::string::npos, e.what());
        }
    }

    void neutralMultipliersAreLlama() {
        const auto llama = logits_of(llama_.toStdString());
        QCOMPARE(max_abs_diff(logits_of(granite({}, "neutral.gguf")), llama), 0.0);
        Multipliers explicit_scale;  // the default attention scale, written out
        explicit_scale.attention = 1.0 / std::sqrt(double(head_dim_));
        QVERIFY(max_abs_diff(logits_of(granite(explicit_scale, "explicit.gguf")), llama) < 1e-5);
    }

    void logitScaleDividesLogits() {
        const auto neutral = logits_of(granite({}, "neutral.gguf"));
        Multipliers m;
        m.logit = 4;
        const auto quarter = logits_of(granite(m, "logit4.gguf"));
        QCOMPARE(quarter.size(), neutral.size());
        for (size_t i = 0; i < neutral.size(); ++i) QCOMPARE(quarter[i], neutral[i] / 4);
    }

    void embeddingAndResidualScaleTheStream() {
        // A negligible epsilon, so that the norms remove the scale exactly.
        constexpr double eps = 1e-12;
        const auto neutral = logits_of(granite({1, 1, 0, 1, eps}, "neutral-eps.gguf"));
        double spread = 0;
        for (float v : neutral) spread = std::max(spread, double(std::fabs(v)));
        const double d_both = max_abs_diff(logits_of(granite({2.0, 2.0, 0, 1, eps}, "both2.gguf")), neutral);
        // Either alone changes the balance between the embedding and the blocks.
        const double d_emb = max_abs_diff(logits_of(granite({2.0, 1.0, 0, 1, eps}, "emb2.gguf")), neutral);
        const double d_res = max_abs_diff(logits_of(granite({1.0, 2.0, 0, 1, eps}, "res2.gguf")), neutral);
        qInfo("max |d logit|: both x2 %.2e, embedding only %.2e, residual only %.2e (logits up to %.2f)", d_both, d_emb,
              d_res, spread);
        QCOMPARE(d_both, 0.0);
        QVERIFY(d_emb > 1e-2);
        QVERIFY(d_res > 1e-2);
    }

    // Granite's attention.scale reaches the scores; MiniCPM's is ignored, as llama.cpp does.
    void attentionScaleReachesTheScores() {
        QFETCH_GLOBAL(QString, arch_name);
        const auto neutral = logits_of(granite({}, "neutral.gguf"));
        Multipliers m;
        m.attention = 0.5;
        const double d = max_abs_diff(logits_of(granite(m, "attn.gguf")), neutral);
        if (arch_name == "granite") QVERIFY(d > 1e-2);
        else QCOMPARE(d, 0.0);
    }

    void vulkanMatchesCpu() {
        std::string why;
        if (list_vulkan_devices(&why).empty()) {
            if (kinglet_test::inCi()) QFAIL(("no Vulkan device: " + why).c_str());
            QSKIP("no Vulkan device");
        }
        const std::string path = granite({1.5, 0.7, 0.1, 2.5}, "all.gguf");
        const auto cpu = logits_of(path);
        const auto vk = logits_of(path, "vulkan");
        double spread = 0;
        for (float v : cpu) spread = std::max(spread, double(std::fabs(v)));
        const double d = max_abs_diff(cpu, vk);
        qInfo("Vulkan vs CPU: max |d logit| %.2e (logits up to %.2f)", d, spread);
        QVERIFY(d < 1e-3 * std::max(1.0, spread));
    }
};

QTEST_GUILESS_MAIN(TestGranite)
#include "test_granite.moc"
