// Sliding-window layers keep only a ring of cache rows (runtime/kv_cache.h): the cache is
// smaller, and a multi-turn conversation whose prompt-cache rewinds cross the ring's
// boundary gives the same logits as a fresh session, on the CPU and on Vulkan when there
// is a device.
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <random>

#include "model/model.h"
#include "runtime/backend_select.h"
#include "runtime/kv_cache.h"
#include "runtime/session.h"
#include "shared_data.h"
#include "vulkan/vulkan_backend.h"

using namespace kinglet;

namespace {

constexpr int kCtx = 1024;  // > window + batch (512 on Vulkan), so local layers get a ring

// The layout Gemma 3 1B has: 26 layers, 1 KV head of 256, window 512, 5 local : 1 global.
Hparams gemma3_1b_shape() {
    Hparams h;
    h.arch = "gemma3";
    h.n_layer = 26;
    h.n_head = 4;
    h.n_head_kv = 1;
    h.head_dim = h.head_dim_v = 256;
    h.sliding_window = 512;
    for (int l = 0; l < h.n_layer; ++l) h.layer_is_local.push_back((l + 1) % 6 != 0);
    return h;
}

// Every layer holding n_ctx rows (the layout before rings).
size_t full_cache_bytes(const Hparams& h, int n_ctx) { return 2 * size_t(h.n_layer) * n_ctx * h.kv_dim() * 2; }

// Largest |a - b| / (1 + |b|).
double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - b[i]) / (1.0 + std::fabs(b[i])));
    return m;
}

int argmax(const std::vector<float>& v) { return int(std::max_element(v.begin(), v.end()) - v.begin()); }

std::vector<TokenId> random_tokens(int n, int n_vocab, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> d(4, n_vocab - 1);
    std::vector<TokenId> t(n);
    for (auto& x : t) x = d(rng);
    return t;
}

std::vector<TokenId> concat(std::vector<TokenId> a, const std::vector<TokenId>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::vector<TokenId> prefix(const std::vector<TokenId>& a, int n) { return {a.begin(), a.begin() + n}; }

}  // namespace

class TestKvWindow : public QObject {
    Q_OBJECT

    // Skips (fails under CI) when `backend` is "vulkan" and there is no device.
    static bool backendAvailable(const QString& backend) {
        if (backend != "vulkan") return true;
        std::string why;
        if (make_vulkan_backend("", &why)) return true;
        const QByteArray msg = ("no Vulkan device: " + why).c_str();
        if (kinglet_test::inCi()) QTest::qFail(msg.constData(), __FILE__, __LINE__);
        else QTest::qSkip(msg.constData(), __FILE__, __LINE__);
        return false;
    }

    static void addBackendRows() {
        QTest::addColumn<QString>("backend");
        QTest::newRow("cpu") << QString("cpu");
        QTest::newRow("vulkan") << QString("vulkan");
    }

    static SessionOptions options(const QString& backend) {
        SessionOptions so;
        so.n_ctx = kCtx;
        so.n_threads = 2;
        so.backend = backend.toStdString();
        return so;
    }

private slots:
    void gemma3OneBCacheIsSmaller() {
        const Hparams h = gemma3_1b_shape();
        const int n_ctx = 32768, batch = 256;
        QCOMPARE(kv_layer_rows(h, 0, n_ctx, batch), 512 + batch - 1);  // local: window + batch - 1
        QCOMPARE(kv_layer_rows(h, 5, n_ctx, batch), n_ctx);            // global: the whole context
        const size_t before = full_cache_bytes(h, n_ctx), after = kv_cache_bytes(h, n_ctx, batch);
        QCOMPARE(after, size_t(22 * (512 + batch - 1) + 4 * n_ctx) * 256 * 2 * 2);
        qInfo("Gemma 3 1B shape, n_ctx %d: KV cache %zu bytes (%.1f MiB) before, %zu bytes (%.1f MiB) with rings",
              n_ctx, before, before / 1048576.0, after, after / 1048576.0);
        QVERIFY(after * 5 < before);
        // A context of at most window + batch - 1 positions needs no ring.
        QCOMPARE(kv_cache_bytes(h, 600, batch), full_cache_bytes(h, 600));
    }

    void backendsAllocateTheRing_data() { addBackendRows(); }
    void backendsAllocateTheRing() {
        QFETCH(QString, backend);
        KINGLET_REQUIRE_SHARED(path, "models/tiny-gemma3-f16.gguf");
        if (!backendAvailable(backend)) return;
        auto m = Model::load(path.toStdString());
        const Hparams& h = m->hparams();
        BackendChoice c = create_transformer(*m, kCtx, BackendRequest{backend.toStdString(), "", 2});
        const Transformer& tf = *c.transformer;
        for (int l = 0; l < h.n_layer; ++l) {
            if (h.layer_is_local[l]) QVERIFY(tf.kv_rows(l) < kCtx);
            else QCOMPARE(tf.kv_rows(l), kCtx);
        }
        QCOMPARE(tf.backend().kv_bytes(), kv_cache_bytes(h, kCtx, tf.max_batch()));
        QVERIFY(tf.backend().kv_bytes() < full_cache_bytes(h, kCtx));
    }

    // One conversation, turn by turn, against a fresh session for each prompt: continuing
    // past the ring's wrap, a short rewind whose window wraps round the ring, the longest
    // rewind the ring still allows, and one step further, which must start over. The fresh
    // sessions run on the CPU (cheap); Vulkan is compared with them within the tolerance
    // between the backends, far below what a stale ring row does (staleRingIsDetectable).
    void rewindsMatchFreshSession_data() {
        QTest::addColumn<QString>("backend");
        QTest::addColumn<double>("tolerance");
        QTest::newRow("cpu") << QString("cpu") << 1e-4;  // the same arithmetic, summed in another order at most
        QTest::newRow("vulkan") << QString("vulkan") << 2e-2;
    }
    void rewindsMatchFreshSession() {
        QFETCH(QString, backend);
        QFETCH(double, tolerance);
        KINGLET_REQUIRE_SHARED(path, "models/tiny-gemma3-f16.gguf");
        if (!backendAvailable(backend)) return;
        auto m = Model::load(path.toStdString());
        const Hparams& h = m->hparams();
        const int V = h.n_vocab, W = h.sliding_window;
        Session s(*m, options(backend));
        QCOMPARE(s.n_ctx(), kCtx);
        int local = 0;
        while (!h.layer_is_local[local]) ++local;
        QVERIFY(W > 0);
        const int R = kv_layer_rows(h, local, kCtx, s.max_batch());
        QVERIFY2(R < kCtx, "the test needs a ring smaller than the context");

        // Turn by turn: keeps what the prompt cache allows (checked against expect_keep),
        // evaluates the rest as one prompt, then `reply` tokens one by one (the decode path),
        // and compares the last logits with a fresh CPU session's.
        std::vector<TokenId> history;
        uint32_t seed = 0;
        auto turn = [&](const std::vector<TokenId>& prompt, int expect_keep, int reply, const char* what) {
            const int keep = s.keep_common_prefix(prompt);
            QCOMPARE(keep, expect_keep);
            std::vector<float> got = s.eval({prompt.begin() + keep, prompt.end()});
            history = prompt;
            for (const TokenId t : random_tokens(reply, V, ++seed + 100)) {
                history.push_back(t);
                got = s.eval({t});
            }
            QVERIFY(s.tokens() == history);
            SessionOptions cpu = options("cpu");
            Session fresh(*m, cpu);
            const std::vector<float> want = fresh.eval(history);
            const double d = max_rel_diff(got, want);
            qInfo("%s: kept %d, %zu tokens, max diff %.2g", what, keep, history.size(), d);
            QVERIFY2(d < tolerance, qPrintable(QString("%1: diff %2").arg(what).arg(d)));
            QCOMPARE(argmax(got), argmax(want));
        };
        auto extend = [&](const std::vector<TokenId>& base, int keep, int n_new) {
            return concat(prefix(base, keep), random_tokens(n_new, V, ++seed));
        };

        // A prompt of two batches, then a reply that runs past the ring's last row.
        turn(random_tokens(R - 4, V, 1), 0, 10, "turn 1 wraps");
        if (QTest::currentTestFailed()) return;
        QVERIFY(s.n_past() > R);
        // The whole history is kept; new tokens follow.
        turn(extend(history, int(history.size()), 50), int(history.size()), 4, "turn 2 continues");
        if (QTest::currentTestFailed()) return;
        const int high = s.n_past();
        // The last 30 tokens are replaced; the window before them wraps round the ring.
        const int keep3 = high - 30;
        QVERIFY((keep3 - W + 1) % R > (keep3 - 1) % R);
        turn(extend(history, keep3, 30), keep3, 0, "turn 3 short rewind across the wrap");
        if (QTest::currentTestFailed()) return;
        QCOMPARE(s.n_past(), high);
        // The deepest rewind the ring allows: its oldest row still holds position high - R.
        const int keep4 = high - R + W - 1;
        turn(extend(history, keep4, 30), keep4, 0, "turn 4 deepest rewind kept");
        if (QTest::currentTestFailed()) return;
        // One token deeper, position high - R is gone: everything is recomputed.
        turn(extend(history, keep4 - 1, 40), 0, 4, "turn 5 recomputed");
        if (QTest::currentTestFailed()) return;
        // And the conversation goes on from there.
        turn(extend(history, int(history.size()), 20), int(history.size()), 0, "turn 6 continues");
    }

    // Why turn 5 above must start over: continuing on a ring whose window rows were
    // overwritten gives different logits. (Guards the test itself: the comparison with a
    // fresh session does catch a stale ring.)
    void staleRingIsDetectable() {
        KINGLET_REQUIRE_SHARED(path, "models/tiny-gemma3-f16.gguf");
        auto m = Model::load(path.toStdString());
        const int V = m->hparams().n_vocab;
        BackendChoice c = create_transformer(*m, kCtx, BackendRequest{"cpu", "", 2});
        Transformer& tf = *c.transformer;
        const std::vector<TokenId> first = random_tokens(kCtx - 20, V, 7), tail = random_tokens(30, V, 8);
        std::vector<float> logits, stale, want;
        tf.forward(first.data(), int(first.size()), 0, logits, false);
        tf.forward(tail.data(), int(tail.size()), 100, stale, false);  // rows 37..99 were overwritten
        const std::vector<TokenId> prompt = concat(prefix(first, 100), tail);
        tf.forward(prompt.data(), int(prompt.size()), 0, want, false);
        const double d = max_rel_diff(stale, want);
        qInfo("stale ring: max diff %.2g", d);
        QVERIFY2(d > 0.5, qPrintable(QString("diff %1").arg(d)));
    }
};

QTEST_GUILESS_MAIN(TestKvWindow)
#include "test_kv_window.moc"
