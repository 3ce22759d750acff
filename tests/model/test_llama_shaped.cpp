// Architectures whose graph is Llama's, under their own names (no such files are in
// ../shared, so tiny-llama is rewritten as each):
// ERNIE 4.5 ("ernie4_5"): Llama's graph and RoPE: the logits must be Llama's bit for bit.
// EXAONE 3.x ("exaone"): Llama's graph, but llama.cpp's converter leaves Q and K in Hugging
// Face's order, so RoPE rotates the pairs (i, i + D/2) of each head (NEOX) instead of
// (2i, 2i + 1). tiny-llama is rewritten as EXAONE with the rows of Q and K reordered the way the converter would not have: pair member 2i to i,
// 2i + 1 to i + D/2. The model is then the same function, so its logits must be Llama's
// (up to the order of additions in the Q.K sums). Read as NORM, or with the rows left as
// they are, the logits move by whole units.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <cstring>

#include "gguf_rewrite.h"
#include "model/hparams.h"
#include "model/model.h"
#include "runtime/session.h"
#include "shared_data.h"
#include "vulkan/vulkan_backend.h"

using namespace kinglet;

namespace {

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

}  // namespace

class TestLlamaShaped : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString llama_;
    int head_dim_ = 0;

    // tiny-llama as EXAONE; with `neox_rows`, each head's Q and K rows in NEOX order.
    std::string exaone(bool neox_rows, const char* name) {
        const std::string path = (dir_.path() + "/" + name).toStdString();
        auto f = GgufFile::open(llama_.toStdString());
        const int D = head_dim_;
        kinglet_test::rewrite_as_arch(*f, "exaone", 1, {}, path, [&](const std::string& tensor, std::vector<uint8_t>& bytes) {
            if (!neox_rows || !(tensor.ends_with("attn_q.weight") || tensor.ends_with("attn_k.weight"))) return true;
            const TensorInfo* t = f->find_tensor(tensor);
            const size_t row = bytes.size() / size_t(t->ne[1]);  // F32: one output row after another
            const std::vector<uint8_t> old = bytes;
            for (int64_t r = 0; r < t->ne[1]; ++r) {
                const int64_t head = r / D, j = r % D;
                const int64_t to = head * D + (j % 2 == 0 ? j / 2 : j / 2 + D / 2);
                std::memcpy(&bytes[size_t(to) * row], &old[size_t(r) * row], row);
            }
            return true;
        });
        return path;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        KINGLET_REQUIRE_SHARED(path, "models/tiny-llama-f32.gguf");
        llama_ = path;
        const Hparams h = read_hparams(*GgufFile::open(llama_.toStdString()));
        head_dim_ = h.head_dim;
        QCOMPARE(h.rope_dim, h.head_dim);  // the reordering below assumes full rotary
    }

    void ernieIsLlama() {
        const std::string path = (dir_.path() + "/ernie.gguf").toStdString();
        kinglet_test::rewrite_as_arch(*GgufFile::open(llama_.toStdString()), "ernie4_5", 1, {}, path);
        const Hparams h = read_hparams(*GgufFile::open(path));
        QCOMPARE(h.arch, std::string("ernie4_5"));
        QVERIFY(h.rope_style == RopeStyle::Normal);
        QCOMPARE(max_abs_diff(logits_of(path), logits_of(llama_.toStdString())), 0.0);
    }

    void readsAsNeox() {
        const Hparams h = read_hparams(*GgufFile::open(exaone(false, "plain.gguf")));
        QCOMPARE(h.arch, std::string("exaone"));
        QVERIFY(h.rope_style == RopeStyle::Neox);
    }

    void reorderedRowsGiveLlamasLogits() {
        const auto llama = logits_of(llama_.toStdString());
        const double d = max_abs_diff(logits_of(exaone(true, "neox.gguf")), llama);
        const double d_plain = max_abs_diff(logits_of(exaone(false, "plain.gguf")), llama);
        qInfo("EXAONE with NEOX-ordered Q/K vs Llama: max |d logit| %.2e; rows as they are: %.2e", d, d_plain);
        QVERIFY(d < 1e-4);
        QVERIFY(d_plain > 1e-2);
    }

    void vulkanMatchesCpu() {
        std::string why;
        if (list_vulkan_devices(&why).empty()) {
            if (kinglet_test::inCi()) QFAIL(("no Vulkan device: " + why).c_str());
            QSKIP("no Vulkan device");
        }
        const std::string path = exaone(true, "neox.gguf");
        const double d = max_abs_diff(logits_of(path), logits_of(path, "vulkan"));
        qInfo("Vulkan vs CPU: max |d logit| %.2e", d);
        QVERIFY(d < 1e-3);
    }
};

QTEST_GUILESS_MAIN(TestLlamaShaped)
#include "test_llama_shaped.moc"
