// Every quantized tensor type end to end: tiny-llama-f32 is quantized to the type with
// quantize_model (all 2-D weights of that type), and the result is evaluated twice:
// through the type's own kernels, and as an F32 file holding the identical (dequantized)
// weights. The two must agree within ../shared/README.md's quantized tolerance, which
// checks the type's vec_dot/activation path on real model shapes independently of how
// much the quantizer itself loses. How far each type lands from the f32 reference is
// printed (and loosely bounded for types of 4 bits and more).
#include <QDir>
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

using namespace kinglet;
using json = nlohmann::json;

namespace {

struct Prompt {
    std::string name;
    std::vector<TokenId> tokens;  // prompt + greedy
    std::vector<const json*> refs;  // reference logits entry per position
    json doc;
};

Prompt load_prompt(const QString& path, const std::string& name) {
    Prompt p;
    p.name = name;
    std::ifstream in(path.toStdString());
    p.doc = json::parse(in);
    p.tokens = p.doc["tokens"].get<std::vector<TokenId>>();
    const auto greedy = p.doc["greedy"].get<std::vector<TokenId>>();
    p.tokens.insert(p.tokens.end(), greedy.begin(), greedy.end());
    return p;
}

std::vector<const json*> reference_entries(const json& doc) {
    std::vector<const json*> out;
    for (const auto& e : doc["prompt_logits"]) out.push_back(&e);
    for (const auto& e : doc["greedy_logits"]) out.push_back(&e);
    return out;
}

std::vector<float> eval(const Model& m, const std::vector<TokenId>& tokens) {
    SessionOptions so;
    so.n_ctx = int(tokens.size()) + 8;
    so.n_threads = 2;
    so.backend = "cpu";  // the type's CPU kernels are what is under test
    Session session(m, so);
    return session.eval_all(tokens);
}

struct Stats {
    double sum = 0, max = 0;
    long count = 0;
    int positions = 0, best_agree = 0;
    double mean() const { return count ? sum / count : 0.0; }
    double agree() const { return positions ? double(best_agree) / positions : 0.0; }
};

int argmax(const float* v, int n) { return int(std::max_element(v, v + n) - v); }

// Δ over the reference's listed ids at each position: `a` against `b` (another engine
// run) when b is non-null, else against the reference's own logits.
void accumulate(const std::vector<float>& a, const std::vector<float>* b, const std::vector<const json*>& refs,
                int n_vocab, Stats& s) {
    for (size_t i = 0; i < refs.size(); ++i) {
        const float* la = &a[i * n_vocab];
        const auto& top = (*refs[i])["top"];
        for (const auto& pair : top) {
            const int id = pair[0].get<int>();
            const double other = b ? double((*b)[i * n_vocab + id]) : pair[1].get<double>();
            const double d = std::fabs(double(la[id]) - other);
            s.sum += d;
            s.max = std::max(s.max, d);
            ++s.count;
        }
        const int best_other = b ? argmax(&(*b)[i * n_vocab], n_vocab) : top[0][0].get<int>();
        s.best_agree += argmax(la, n_vocab) == best_other;
        ++s.positions;
    }
}

}  // namespace

class TestQuantModels : public QObject {
    Q_OBJECT
private slots:
    void quantizedTypeMatchesItsF32Weights_data() {
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("bits");  // nominal bits per weight, for the loose reference check
        const std::pair<const char*, int> types[] = {{"Q4_0", 4}, {"Q4_1", 4}, {"Q5_0", 5},   {"Q5_1", 5},
                                                     {"Q8_0", 8}, {"Q2_K", 2}, {"Q3_K", 3},   {"Q4_K", 4},
                                                     {"Q5_K", 5}, {"Q6_K", 6}, {"IQ4_NL", 4}, {"IQ4_XS", 4}};
        for (const auto& [name, bits] : types) QTest::newRow(name) << QString(name) << bits;
    }

    void quantizedTypeMatchesItsF32Weights() {
        QFETCH(QString, type);
        QFETCH(int, bits);
        KINGLET_REQUIRE_SHARED(model_path, "models/tiny-llama-f32.gguf");
        KINGLET_REQUIRE_SHARED(fox_path, "reference/tiny-llama-f32.fox.json");
        KINGLET_REQUIRE_SHARED(long_path, "reference/tiny-llama-f32.long.json");

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string quantized = dir.filePath("q.gguf").toStdString();
        const std::string f32copy = dir.filePath("q-as-f32.gguf").toStdString();
        quantize_model(model_path.toStdString(), quantized, type.toStdString());
        quantize_model(quantized, f32copy, "F32");

        auto mq = Model::load(quantized);
        auto mf = Model::load(f32copy);
        const int n_vocab = mq->hparams().n_vocab;
        QCOMPARE(mf->hparams().n_vocab, n_vocab);

        Stats vs_f32, vs_ref;
        for (const auto& [path, name] : {std::pair{fox_path, "fox"}, std::pair{long_path, "long"}}) {
            const Prompt p = load_prompt(path, name);
            QCOMPARE(p.doc["n_vocab"].get<int>(), n_vocab);
            const auto refs = reference_entries(p.doc);
            QCOMPARE(refs.size(), p.tokens.size());
            const auto lq = eval(*mq, p.tokens);
            const auto lf = eval(*mf, p.tokens);
            accumulate(lq, &lf, refs, n_vocab, vs_f32);
            accumulate(lq, nullptr, refs, n_vocab, vs_ref);
        }
        qInfo("%-6s vs identical F32 weights: mean %.5f max %.5f best %.1f%% | vs f32 reference: mean %.4f max %.4f "
              "best %.1f%% (%d positions)",
              qPrintable(type), vs_f32.mean(), vs_f32.max, 100 * vs_f32.agree(), vs_ref.mean(), vs_ref.max,
              100 * vs_ref.agree(), vs_f32.positions);

        QVERIFY2(vs_f32.mean() <= 0.06, qPrintable(QString("mean delta %1").arg(vs_f32.mean())));
        QVERIFY2(vs_f32.max <= 0.4, qPrintable(QString("max delta %1").arg(vs_f32.max)));
        QVERIFY2(vs_f32.agree() >= 0.8, qPrintable(QString("best token agreed at %1").arg(vs_f32.agree())));
        // Loose sanity bound on the quantizer itself. Random weights are hard on 4-bit grids:
        // llama.cpp's own tiny-llama-q4_0 lands at mean ~0.36 from the f32 reference on the
        // prompt positions (q6_k 0.11, q8_0 0.04), and pure Q4_0/Q4_K/IQ4 here at 0.5-0.62, so 4-bit
        // types get 0.75 and 5 bits or more 0.3. 2- and 3-bit types are only reported.
        const double ref_bound = bits >= 5 ? 0.3 : 0.75;
        if (bits >= 4)
            QVERIFY2(vs_ref.mean() <= ref_bound,
                     qPrintable(QString("mean delta to the f32 reference %1 > %2").arg(vs_ref.mean()).arg(ref_bound)));
    }
};

QTEST_GUILESS_MAIN(TestQuantModels)
#include "test_quant_models.moc"
