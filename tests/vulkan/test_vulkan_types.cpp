// Every weight type the CPU backend runs, run on the Vulkan backend (lavapipe in CI).
// tiny-llama-f32 is quantized to the type (every 2-D weight, the embedding table included,
// so embed.comp and the matmul shaders both decode it) and the fox prompt + greedy tokens
// are evaluated three ways:
//   vk   the quantized file on Vulkan;
//   f32  the same weights dequantized into an F32 file, on the CPU;
//   cpu  the quantized file on the CPU.
// The shaders dequantize the weights exactly and multiply in F32, so vk must match f32
// within the F32/F16 tolerance of ../shared/README.md: a wrong block layout (a shifted
// nibble, a swapped scale) moves logits by whole units, far outside it. The CPU kernels
// round activations to 8 bits for quantized types, so vk against cpu gets the README's
// quantized tolerance. Both are applied to every logit of every position, not only the
// reference's top 10.
// No Vulkan device: fail under CI, skip elsewhere.
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/model.h"
#include "model/model_writer.h"
#include "runtime/session.h"
#include "shared_data.h"
#include "util/error.h"
#include "vulkan/vk_backend.h"
#include "vulkan/vulkan_backend.h"

using namespace kinglet;
using json = nlohmann::json;

namespace {

struct Diff {
    double mean = 0, max = 0;
    double agree = 0;         // fraction of positions with the same best token
    int strict_fail = 0;      // positions whose best token differs although b's top-two gap > `gap`
    double min_range = 1e30;  // smallest max - min logit of a position in b (for scale)
};

int argmax(const float* v, int n) { return int(std::max_element(v, v + n) - v); }

// a against b over every logit of every position.
Diff compare(const std::vector<float>& a, const std::vector<float>& b, int n_vocab, double gap) {
    Diff d;
    const size_t positions = b.size() / size_t(n_vocab);
    double sum = 0;
    int same = 0;
    for (size_t p = 0; p < positions; ++p) {
        const float* la = &a[p * n_vocab];
        const float* lb = &b[p * n_vocab];
        for (int i = 0; i < n_vocab; ++i) {
            const double delta = std::fabs(double(la[i]) - lb[i]);
            sum += delta;
            d.max = std::max(d.max, delta);
        }
        const int best = argmax(lb, n_vocab);
        std::vector<float> sorted(lb, lb + n_vocab);
        std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<float>());
        d.min_range = std::min(d.min_range, double(sorted[0]) - *std::min_element(lb, lb + n_vocab));
        if (argmax(la, n_vocab) == best) ++same;
        else if (sorted[0] - sorted[1] > gap) ++d.strict_fail;
    }
    d.mean = sum / (double(positions) * n_vocab);
    d.agree = double(same) / double(positions);
    return d;
}

std::vector<float> eval(const Model& m, const std::vector<TokenId>& tokens, const std::string& backend,
                        std::string* backend_name = nullptr, std::string* note = nullptr) {
    SessionOptions so;
    so.n_ctx = int(tokens.size()) + 8;
    so.n_threads = 2;
    so.backend = backend;
    Session session(m, so);
    if (backend_name) *backend_name = session.backend_name();
    if (note) *note = session.backend_note();
    return session.eval_all(tokens);
}

}  // namespace

class TestVulkanTypes : public QObject {
    Q_OBJECT
    std::string no_device_;  // why there is no Vulkan device, or empty

private slots:
    // Looked up once: every lookup makes a Vulkan instance, and some drivers (NVIDIA's 580)
    // refuse new instances after a few dozen in one process.
    void initTestCase() {
        std::string why;
        if (list_vulkan_devices(&why).empty()) no_device_ = "no Vulkan device: " + why;
    }

    void typeRunsOnVulkanAndMatchesCpu_data() {
        QTest::addColumn<QString>("type");
        for (const char* t : {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K",
                              "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
            QTest::newRow(t) << QString(t);
    }

    void typeRunsOnVulkanAndMatchesCpu() {
        QFETCH(QString, type);
        KINGLET_REQUIRE_SHARED(model_path, "models/tiny-llama-f32.gguf");
        KINGLET_REQUIRE_SHARED(prompt_path, "reference/tiny-llama-f32.fox.json");
        if (!no_device_.empty()) {
            if (kinglet_test::inCi()) QFAIL(no_device_.c_str());
            QSKIP(no_device_.c_str());
        }

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string quantized = dir.filePath("q.gguf").toStdString();
        const std::string f32copy = dir.filePath("q-as-f32.gguf").toStdString();
        quantize_model(model_path.toStdString(), quantized, type.toStdString());
        quantize_model(quantized, f32copy, "F32");
        auto mq = Model::load(quantized);
        auto mf = Model::load(f32copy);
        const int n_vocab = mq->hparams().n_vocab;

        // tiny-llama's rows (256 and 768) are whole 256-blocks, so every 2-D weight, the
        // embedding table included, has the type: no tensor quietly fell back to another.
        const GgmlType want = mq->weights().token_embd->type;
        QCOMPARE(QString::fromStdString(type_name(want)), type);
        QVERIFY(VulkanBackend::supports_weight_type(want));
        QCOMPARE(mq->weights().output->type, want);
        for (const auto& lw : mq->weights().layers)
            for (const TensorInfo* t : {lw.wq, lw.wk, lw.wv, lw.wo, lw.ffn_gate, lw.ffn_up, lw.ffn_down})
                if (t) QVERIFY2(t->type == want, t->name.c_str());

        std::ifstream in(prompt_path.toStdString());
        const json doc = json::parse(in);
        std::vector<TokenId> tokens = doc["tokens"].get<std::vector<TokenId>>();
        const auto greedy = doc["greedy"].get<std::vector<TokenId>>();
        tokens.insert(tokens.end(), greedy.begin(), greedy.end());

        // Asked for by name, the Vulkan backend either runs the model or throws: no silent
        // CPU fallback. The name and the empty note confirm it ran there.
        std::string name, note;
        std::vector<float> lv;
        try {
            lv = eval(*mq, tokens, "vulkan", &name, &note);
        } catch (const Error& e) {
            QFAIL(e.what());
        }
        QVERIFY2(name.rfind("Vulkan", 0) == 0, name.c_str());
        QVERIFY2(note.empty(), note.c_str());
        const auto lf = eval(*mf, tokens, "cpu");
        const auto lc = eval(*mq, tokens, "cpu");
        QCOMPARE(lv.size(), tokens.size() * size_t(n_vocab));

        const Diff exact = compare(lv, lf, n_vocab, 0.04);
        const Diff quant = compare(lv, lc, n_vocab, 0.4);
        qInfo("%-6s on %s: vs its F32 weights on the CPU mean %.5f max %.5f best %.0f%% | vs the CPU kernels mean "
              "%.4f max %.4f best %.0f%% | smallest logit range %.2f (%zu positions)",
              qPrintable(type), name.c_str(), exact.mean, exact.max, 100 * exact.agree, quant.mean, quant.max,
              100 * quant.agree, exact.min_range, tokens.size());

        // F32/F16 tolerance (README): what llama.cpp moves from its own reference when only
        // its attention path changes, times two. The logits span several units at every
        // position (printed), so 0.04 is around 1% of the range.
        QVERIFY2(exact.mean <= 0.005, qPrintable(QString("mean delta %1").arg(exact.mean)));
        QVERIFY2(exact.max <= 0.04, qPrintable(QString("max delta %1").arg(exact.max)));
        QCOMPARE(exact.strict_fail, 0);
        // Quantized tolerance (README): the CPU's 8-bit activations against F32 ones.
        QVERIFY2(quant.mean <= 0.06, qPrintable(QString("mean delta vs CPU %1").arg(quant.mean)));
        QVERIFY2(quant.max <= 0.4, qPrintable(QString("max delta vs CPU %1").arg(quant.max)));
        QVERIFY2(quant.agree >= 0.8, qPrintable(QString("best token agreed with the CPU at %1").arg(quant.agree)));
    }

    // Types no CPU kernel runs either stay refused (init() then names the tensor and type).
    void unsupportedTypeIsRefused() {
        QVERIFY(!VulkanBackend::supports_weight_type(GgmlType::IQ2_XXS));
        QVERIFY(!VulkanBackend::supports_weight_type(GgmlType::Q8_K));  // activation format only
        QVERIFY(!VulkanBackend::supports_weight_type(GgmlType::I32));
    }
};

QTEST_GUILESS_MAIN(TestVulkanTypes)
#include "test_vulkan_types.moc"
