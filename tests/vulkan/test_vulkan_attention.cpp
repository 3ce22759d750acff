// Attention on whatever Vulkan device there is (lavapipe in CI): rope_store_kv, then attention
// over batch after batch (each attends to cache rows the ones before wrote), against the same
// steps on the host. Batches of more than 4 tokens take the prompt kernel
// (attention_prompt.comp: tiles of 16 tokens, or 8 for heads over 128 values, keys in chunks
// of 32), smaller ones the decode kernel (attention.comp). No device: fail under CI, skip
// elsewhere.
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "gguf/gguf_file.h"
#include "gguf_rewrite.h"
#include "runtime/cpu_ops.h"
#include "vulkan_test_util.h"

using namespace kinglet;
using namespace kinglet_vk_test;

class TestVulkanAttention : public QObject {
    Q_OBJECT

private slots:
    void attention_data() {
        QTest::addColumn<QString>("file");  // "heads NxD": tiny-llama rewritten to N heads of D values
        QTest::addColumn<QString>("batches");  // tokens per batch, one after another
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("rope");  // 0: no rotation, 1: normal, 2: NEOX (partial, with factors)
        QTest::addColumn<float>("softcap");
        QTest::addColumn<bool>("decode_kernel");  // prompts through attention.comp too
        const QString llama = "models/tiny-llama-f32.gguf";
        QTest::newRow("causal") << llama << "12,7" << 0 << 0 << 0.0f << false;
        QTest::newRow("window 5") << llama << "12,7" << 5 << 0 << 0.0f << false;
        QTest::newRow("causal, rope") << llama << "12,7" << 0 << 1 << 0.0f << false;
        QTest::newRow("window 5, rope neox") << llama << "12,7" << 5 << 2 << 0.0f << false;
        QTest::newRow("causal, scores capped at 0.3 (Gemma 2)") << llama << "12,7" << 0 << 1 << 0.3f << false;
        // Several tiles and key chunks; a window that starts inside a chunk; then decode.
        QTest::newRow("long") << llama << "45,38" << 0 << 1 << 0.0f << false;
        QTest::newRow("long, window 20") << llama << "45,38" << 20 << 2 << 0.0f << false;
        QTest::newRow("long, then 3 decode tokens") << llama << "45,3" << 0 << 1 << 0.0f << false;
        QTest::newRow("head 128 (Gemma 3 shape)") << "models/tiny-gemma3-f16.gguf" << "45,38" << 0 << 2 << 0.0f << false;
        QTest::newRow("head 256") << "heads 1x256" << "45,38" << 0 << 1 << 0.0f << false;
        QTest::newRow("head 256, window 20, capped") << "heads 1x256" << "45,38" << 20 << 1 << 0.5f << false;
        // attention.comp over whole batches: several 64-key chunks, windows that start inside one,
        // heads whose words do not fill its 4-lane scoring or 8-key output batches evenly.
        QTest::newRow("decode kernel: long") << llama << "45,38" << 0 << 1 << 0.0f << true;
        QTest::newRow("decode kernel: long, window 20, capped") << llama << "45,38" << 20 << 2 << 0.3f << true;
        QTest::newRow("decode kernel: 3 heads of 72") << "heads 3x72" << "70,30" << 0 << 1 << 0.0f << true;
        QTest::newRow("decode kernel: 2 heads of 512, window 50") << "heads 2x512" << "45,38" << 50 << 2 << 0.0f << true;
        QTest::newRow("decode kernel: head 256") << "heads 1x256" << "45,38" << 0 << 1 << 0.0f << true;
        // Decode over more than 128 keys: pieces of keys, merged by the last piece to finish;
        // step after step (the pieces' counts start at 0 again), 3-token steps whose tokens see
        // different numbers of keys, pieces left empty (129 keys), windows, capped scores.
        QTest::newRow("split decode") << llama << "200,1,1,3,1" << 0 << 1 << 0.0f << false;
        QTest::newRow("split decode, 129 keys") << llama << "128,1" << 0 << 1 << 0.0f << false;
        QTest::newRow("split decode, window 150, capped") << llama << "190,2,1" << 150 << 2 << 0.4f << false;
        QTest::newRow("split decode, heads of 512") << "heads 2x512" << "180,1,3" << 0 << 1 << 0.0f << false;
        QTest::newRow("split decode, 3 heads of 72, window 200") << "heads 3x72" << "300,4,1" << 200 << 1 << 0.0f << false;
    }
    void attention() {
        QFETCH(QString, file);
        QFETCH(QString, batches);
        QFETCH(int, window);
        QFETCH(int, rope);
        QFETCH(float, softcap);
        QFETCH(bool, decode_kernel);
        QTemporaryDir dir;
        QString path;
        int n_head = 0, head_dim = 0;
        if (std::sscanf(file.toUtf8().constData(), "heads %dx%d", &n_head, &head_dim) == 2) {
            KINGLET_REQUIRE_SHARED(base, "models/tiny-llama-f32.gguf");
            path = dir.filePath("heads.gguf");
            kinglet_test::rewrite_attention_heads(*GgufFile::open(base.toStdString()), n_head, 1, head_dim,
                                                  path.toStdString());
        } else {
            KINGLET_REQUIRE_SHARED(shared_path, file);
            path = shared_path;
        }
        const ScopedEnv no_prompt_kernel("KINGLET_VK_NO_PROMPT_ATTENTION", decode_kernel ? "1" : nullptr);
        REQUIRE_VULKAN(backend);
        const auto model = Model::load(path.toStdString());
        std::vector<int> sizes;
        for (const QString& b : batches.split(',')) sizes.push_back(b.toInt());
        const int n_ctx = std::accumulate(sizes.begin(), sizes.end(), 0) + 8;
        backend->init(*model, BackendShape{*std::max_element(sizes.begin(), sizes.end()), n_ctx});
        auto* vk = dynamic_cast<VulkanBackend*>(backend.get());
        const Hparams& h = model->hparams();
        const int D = h.head_dim, KV = h.kv_dim(), Q = h.q_dim(), group = h.n_head / h.n_head_kv;
        if (head_dim) QCOMPARE(D, head_dim);
        std::vector<float> factors(size_t(D / 4 * 3 / 2), 1.5f);
        const RopeTable table = rope ? make_rope_table(D / 4 * 3, 10000.0f, 1.0f, factors.data(), rope == 2, 1.1f)
                                     : RopeTable{};
        std::vector<float> kall, vall;
        std::vector<float> got, want;
        for (int batch = 0, pos0 = 0; batch < int(sizes.size()); pos0 += sizes[size_t(batch)], ++batch) {
            const int nt = sizes[size_t(batch)];  // each batch right after the one before
            auto k = random_floats(size_t(nt) * KV, 100 + batch), v = random_floats(size_t(nt) * KV, 200 + batch);
            auto q = random_floats(size_t(nt) * Q, 300 + batch);
            vk->write_act(Act::K, k.data(), k.size());
            vk->write_act(Act::V, v.data(), v.size());
            vk->write_act(Act::Q, q.data(), q.size());
            vk->rope_store_kv(1, nt, pos0, table, {});
            vk->attention(1, nt, pos0, window, 0.125f, softcap);
            got.assign(size_t(nt) * Q, 0);
            vk->read_act(Act::Att, got.data(), got.size());
            for (int t = 0; t < nt; ++t) {
                kinglet::rope(&q[size_t(t) * Q], h.n_head, D, pos0 + t, table);
                kinglet::rope(&k[size_t(t) * KV], h.n_head_kv, D, pos0 + t, table);
            }
            // The rotated K as the device stored it. Its sin/cos may differ from the CPU's in
            // the last bits, and a value that lies near the middle of two F16 values then
            // rounds to the other one: one such step moved the outputs by 6e-5 on an H200.
            // Each stored value must be the CPU's rounding within one F16 step, plus 2e-6 for
            // the rotation itself (an H200's sin/cos are off by up to about 5e-7 of the
            // values rotated, which near zero is several F16 steps: 1.1301e-4 stored for
            // 1.12683e-4). The reference below then attends over what was stored, so that
            // attention itself is checked tightly (an H200: at most 2.2e-6).
            std::vector<uint16_t> stored(size_t(pos0 + nt) * KV);
            vk->read_k_cache(1, stored.data(), stored.size());
            int steps = 0;
            for (size_t i = 0; i < k.size(); ++i) {
                const float mine = f16_round(k[i]), gpu = fp16_to_fp32(stored[size_t(pos0) * KV + i]);
                // F16's spacing at this magnitude (2^-24 among the subnormals).
                const float a = std::max({std::fabs(mine), std::fabs(gpu), 6.1035156e-5f});
                const float step = std::ldexp(1.0f, std::ilogb(a) - 10);
                QVERIFY2(std::fabs(gpu - mine) <= step + 2e-6f,
                         qPrintable(QString("K value %1 of batch %2: stored %3, rotated here %4").arg(i).arg(batch)
                                        .arg(double(gpu)).arg(double(k[i]))));
                steps += gpu != mine;
                k[i] = gpu;
            }
            for (float& x : v) x = f16_round(x);
            kall.resize(size_t(pos0) * KV);  // the cache rows before this batch
            vall.resize(size_t(pos0) * KV);
            kall.insert(kall.end(), k.begin(), k.end());
            vall.insert(vall.end(), v.begin(), v.end());
            want.assign(got.size(), 0);
            for (int t = 0; t < nt; ++t)
                for (int head = 0; head < h.n_head; ++head) {
                    const int pos = pos0 + t, kvh = head / group;
                    const int start = window > 0 ? std::max(0, pos - window + 1) : 0;
                    std::vector<float> s;
                    for (int j = start; j <= pos; ++j) {
                        double dot = 0;
                        for (int i = 0; i < D; ++i)
                            dot += double(q[size_t(t) * Q + head * D + i]) * kall[size_t(j) * KV + kvh * D + i];
                        const float score = float(dot * 0.125);
                        s.push_back(softcap > 0 ? softcap * std::tanh(score / softcap) : score);
                    }
                    softmax(s.data(), int(s.size()));
                    for (int i = 0; i < D; ++i) {
                        double a = 0;
                        for (int j = start; j <= pos; ++j) a += s[j - start] * vall[size_t(j) * KV + kvh * D + i];
                        want[size_t(t) * Q + head * D + i] = float(a);
                    }
                }
            // 5e-5: Q's rotation and the sums' order still differ from the host's.
            const double d = max_rel_diff(got, want);
            qInfo("batch %d (%d tokens at %d): max rel diff %.2e (%d K values a rounding step away)", batch, nt, pos0,
                  d, steps);
            QVERIFY2(d < 5e-5, qPrintable(QString("batch %1 diff %2").arg(batch).arg(d)));
        }
    }
};

QTEST_GUILESS_MAIN(TestVulkanAttention)
#include "test_vulkan_attention.moc"
