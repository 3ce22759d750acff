// CpuBackend::attention against sums in double, batch after batch over one cache: its tiles of
// up to four queries that share a KV head (grouped heads, then the next tokens) read the union of
// their visible ranges, so windows that start at different positions inside one tile, grouped
// heads split across tiles, sliding-window rings that wrap, capped scores and thread counts that
// shrink the tiles are each a row here. The reference engine's cases never have a window shorter
// than the prompt; this test does.
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "gguf/gguf_file.h"
#include "gguf_rewrite.h"
#include "model/model.h"
#include "util/half.h"
#include "runtime/cpu_backend.h"
#include "runtime/kv_cache.h"
#include "shared_data.h"

using namespace kinglet;

namespace {

std::vector<float> random_floats(size_t n, uint32_t seed) {
    std::vector<float> v(n);
    uint32_t s = seed * 2654435761u + 1;
    for (float& x : v) {
        s = s * 1664525u + 1013904223u;
        x = float(s >> 8) / float(1u << 24) * 2.0f - 1.0f;
    }
    return v;
}

float f16_round(float x) { return fp16_to_fp32(fp32_to_fp16(x)); }

}  // namespace

class TestCpuAttention : public QObject {
    Q_OBJECT

private slots:
    void attention_data() {
        QTest::addColumn<QString>("model");    // "llama", "heads N/KV/D" (llama rewritten), "gemma3 ring"
        QTest::addColumn<QString>("batches");  // tokens per batch, one after another
        QTest::addColumn<int>("window");
        QTest::addColumn<float>("softcap");
        QTest::addColumn<int>("threads");
        for (int threads : {1, 2, 5}) {
            const QString th = QString(", %1 threads").arg(threads);
            QTest::newRow(qPrintable("causal" + th)) << "llama" << "12,7,1" << 0 << 0.0f << threads;
            QTest::newRow(qPrintable("window 8 inside tiles of tokens" + th)) << "llama" << "30,30,2,1" << 8 << 0.0f << threads;
            QTest::newRow(qPrintable("capped scores, window 5" + th)) << "llama" << "21,9" << 5 << 0.3f << threads;
            // Qwen2.5-0.5B's grouping: 7 heads a KV head, tiles of 4 cross into the next token.
            QTest::newRow(qPrintable("7 heads per KV head" + th)) << "heads 14/2/64" << "45,1,1,3" << 0 << 0.0f << threads;
            QTest::newRow(qPrintable("7 heads per KV head, window 20" + th)) << "heads 14/2/64" << "45,38" << 20 << 0.0f << threads;
            // Llama-3.2-1B's: 4 a KV head; and heads of 72 (not a multiple of 8 or 16).
            QTest::newRow(qPrintable("4 heads per KV head" + th)) << "heads 8/2/64" << "33,2,1" << 0 << 0.0f << threads;
            QTest::newRow(qPrintable("3 heads of 72, window 10" + th)) << "heads 3/1/72" << "25,25,1" << 10 << 0.0f << threads;
            // A local layer's ring of window + batch - 1 rows, wrapped several times.
            QTest::newRow(qPrintable("ring of 23 rows, window 16" + th)) << "gemma3 ring" << "8,8,8,5,1,1,8,8,3" << 16 << 0.0f
                                                                          << threads;
        }
    }

    void attention() {
        QFETCH(QString, model);
        QFETCH(QString, batches);
        QFETCH(int, window);
        QFETCH(float, softcap);
        QFETCH(int, threads);
        QTemporaryDir dir;
        QString path = dir.filePath("model.gguf");
        int n_head = 0, n_kv = 0, head_dim = 0;
        if (model == "gemma3 ring") {
            KINGLET_REQUIRE_SHARED(base, "models/tiny-gemma3-f16.gguf");
            kinglet_test::rewrite_gguf(*GgufFile::open(base.toStdString()),
                                       {{"gemma3.attention.sliding_window",
                                         {false, kinglet_test::gguf_number(GgufValueType::U32, window)}}},
                                       path.toStdString());
        } else {
            KINGLET_REQUIRE_SHARED(base, "models/tiny-llama-f32.gguf");
            if (std::sscanf(model.toUtf8().constData(), "heads %d/%d/%d", &n_head, &n_kv, &head_dim) == 3)
                kinglet_test::rewrite_attention_heads(*GgufFile::open(base.toStdString()), n_head, n_kv, head_dim,
                                                      path.toStdString());
            else
                path = base;
        }
        const auto m = Model::load(path.toStdString());
        const Hparams& h = m->hparams();
        if (n_head) QCOMPARE(h.n_head, n_head);
        std::vector<int> sizes;
        for (const QString& b : batches.split(',')) sizes.push_back(b.toInt());
        const int max_tokens = *std::max_element(sizes.begin(), sizes.end());
        const bool ring = model == "gemma3 ring";
        const int n_ctx = ring ? 128 : std::accumulate(sizes.begin(), sizes.end(), 0) + 4;
        CpuBackend cpu(threads);
        cpu.init(*m, BackendShape{max_tokens, n_ctx});
        const int layer = 0;  // local on the ring model (Gemma 3: 5 local layers, then a global one)
        if (ring) QVERIFY(kv_layer_rows(h, layer, n_ctx, max_tokens) < 40);
        const int D = h.head_dim, KV = h.kv_dim(), Q = h.q_dim(), group = h.n_head / h.n_head_kv;
        const float scale = 1.0f / std::sqrt(float(D));
        std::vector<float> kall, vall;  // every position's K and V, as the cache holds them
        int pos0 = 0;
        for (size_t b = 0; b < sizes.size(); ++b) {
            const int nt = sizes[b];
            auto k = random_floats(size_t(nt) * KV, 100 + uint32_t(b)), v = random_floats(size_t(nt) * KV, 200 + uint32_t(b));
            const auto q = random_floats(size_t(nt) * Q, 300 + uint32_t(b));
            cpu.write_act(Act::K, k.data(), k.size());
            cpu.write_act(Act::V, v.data(), v.size());
            cpu.write_act(Act::Q, q.data(), q.size());
            cpu.rope_store_kv(layer, nt, pos0, RopeTable{}, {});  // no rotation: only the store
            cpu.attention(layer, nt, pos0, window, scale, softcap);
            std::vector<float> got(size_t(nt) * Q);
            cpu.read_act(Act::Att, got.data(), got.size());
            for (float& x : k) kall.push_back(f16_round(x));
            for (float& x : v) vall.push_back(f16_round(x));
            double worst = 0;
            for (int t = 0; t < nt; ++t)
                for (int head = 0; head < h.n_head; ++head) {
                    const int pos = pos0 + t, kvh = head / group;
                    const int start = window > 0 ? std::max(0, pos - window + 1) : 0;
                    std::vector<double> s;
                    for (int j = start; j <= pos; ++j) {
                        double dot = 0;
                        for (int i = 0; i < D; ++i)
                            dot += double(q[size_t(t) * Q + head * D + i]) * kall[size_t(j) * KV + kvh * D + i];
                        dot *= scale;
                        s.push_back(softcap > 0 ? softcap * std::tanh(dot / softcap) : dot);
                    }
                    const double mx = *std::max_element(s.begin(), s.end());
                    double sum = 0;
                    for (double& x : s) sum += (x = std::exp(x - mx));
                    for (int i = 0; i < D; ++i) {
                        double a = 0;
                        for (int j = start; j <= pos; ++j) a += s[size_t(j - start)] / sum * vall[size_t(j) * KV + kvh * D + i];
                        worst = std::max(worst, std::fabs(a - got[size_t(t) * Q + head * D + i]));
                    }
                }
            qInfo("batch %zu (%d tokens at %d): max abs diff %.2e", b, nt, pos0, worst);
            QVERIFY2(worst < 2e-5, qPrintable(QString("batch %1: diff %2").arg(b).arg(worst)));
            pos0 += nt;
        }
    }
};

QTEST_GUILESS_MAIN(TestCpuAttention)
#include "test_cpu_attention.moc"
