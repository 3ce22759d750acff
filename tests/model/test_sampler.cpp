// Sampling: greedy, each filter, repetition penalty, and determinism under a seed.
#include <QtTest>
#include <map>

#include "sampling/sampler.h"
#include "util/error.h"

using namespace kinglet;

class TestSampler : public QObject {
    Q_OBJECT
private slots:
    void greedyPicksLargest() {
        SamplingParams p;
        p.temperature = 0;
        p.repeat_penalty = 1;
        Sampler s(p);
        std::vector<float> logits = {0.1f, 3.0f, -1.0f, 2.9f};
        QCOMPARE(s.sample(logits, {}), 1);
        QCOMPARE(argmax(logits), 1);
    }

    // A damaged file or an overflow can put NaN or infinity in the logits. NaN breaks the
    // ordering a sort needs (a crash in practice): it is never chosen, and when nothing
    // else is left the caller gets an error to show.
    void nanAndInfinityLogits() {
        const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
        std::vector<float> logits(5000);
        for (size_t i = 0; i < logits.size(); ++i) logits[i] = i % 3 == 0 ? nan : float(i % 11) * 0.5f;
        logits[7] = -inf;
        const std::vector<TokenId> history = {1, 2, 3};
        for (float temperature : {0.0f, 0.7f, 1.5f})
            for (int top_k : {0, 40}) {
                SamplingParams p;
                p.temperature = temperature;
                p.top_k = top_k;
                Sampler s(p);
                for (int i = 0; i < 50; ++i) {
                    const TokenId id = s.sample(logits, history);
                    QVERIFY(id >= 0 && size_t(id) < logits.size());
                    QVERIFY(!std::isnan(logits[id]) && logits[id] > -inf);
                }
            }
        logits[4] = inf;  // the largest finite score, so it wins greedily
        QCOMPARE(argmax(logits), 4);
        SamplingParams greedy;
        greedy.temperature = 0;
        QCOMPARE(Sampler(greedy).sample(logits, {}), 4);
        std::vector<float> unusable = {nan, -inf, nan};
        QVERIFY_THROWS_EXCEPTION(Error, argmax(unusable));
        QVERIFY_THROWS_EXCEPTION(Error, Sampler(SamplingParams{}).sample(unusable, {}));
    }

    void sameSeedSameOutput() {
        SamplingParams p;
        p.temperature = 1.0f;
        p.top_k = 0;
        p.top_p = 1.0f;
        p.min_p = 0;
        p.seed = 42;
        std::vector<float> logits(50);
        for (int i = 0; i < 50; ++i) logits[i] = float(i % 7) * 0.3f;
        Sampler a(p), b(p);
        std::vector<TokenId> ra, rb;
        for (int i = 0; i < 100; ++i) {
            ra.push_back(a.sample(logits, {}));
            rb.push_back(b.sample(logits, {}));
        }
        QCOMPARE(ra, rb);
        p.seed = 43;
        Sampler c(p);
        std::vector<TokenId> rc;
        for (int i = 0; i < 100; ++i) rc.push_back(c.sample(logits, {}));
        QVERIFY(rc != ra);
    }

    void topKLimitsChoices() {
        SamplingParams p;
        p.temperature = 5.0f;  // nearly uniform: only the filter restricts the choice
        p.top_k = 2;
        p.top_p = 1.0f;
        p.min_p = 0;
        p.repeat_penalty = 1;
        Sampler s(p);
        std::vector<float> logits = {1.0f, 4.0f, 3.0f, 0.0f, 2.0f};
        std::map<TokenId, int> seen;
        for (int i = 0; i < 500; ++i) seen[s.sample(logits, {})]++;
        QCOMPARE(seen.size(), size_t(2));
        QVERIFY(seen.count(1) && seen.count(2));
    }

    void topPKeepsSmallestNucleus() {
        SamplingParams p;
        p.temperature = 1.0f;
        p.top_k = 0;
        p.top_p = 0.5f;
        p.min_p = 0;
        p.repeat_penalty = 1;
        Sampler s(p);
        // Probabilities ~ {0.64, 0.24, 0.09, 0.03}: the nucleus for 0.5 is the first token alone.
        std::vector<float> logits = {3.0f, 2.0f, 1.0f, 0.0f};
        for (int i = 0; i < 200; ++i) QCOMPARE(s.sample(logits, {}), 0);
    }

    void minPDropsUnlikelyTokens() {
        SamplingParams p;
        p.temperature = 1.0f;
        p.top_k = 0;
        p.top_p = 1.0f;
        p.min_p = 0.5f;  // keep tokens at least half as likely as the best
        p.repeat_penalty = 1;
        Sampler s(p);
        // exp(0)=1, exp(-0.5)=0.61 (kept), exp(-1)=0.37 (dropped)
        std::vector<float> logits = {0.0f, -0.5f, -1.0f, -3.0f};
        std::map<TokenId, int> seen;
        for (int i = 0; i < 500; ++i) seen[s.sample(logits, {})]++;
        QCOMPARE(seen.size(), size_t(2));
        QVERIFY(seen.count(0) && seen.count(1));
    }

    void repeatPenaltyDemotesRecentTokens() {
        SamplingParams p;
        p.temperature = 0;
        p.repeat_penalty = 2.0f;
        p.repeat_last_n = 4;
        Sampler s(p);
        std::vector<float> logits = {3.0f, 2.0f, 0.0f};
        std::vector<TokenId> history = {0};
        QCOMPARE(s.sample(logits, history), 1);  // 3/2 = 1.5 < 2
        history = {0, 5, 5, 5, 5};  // token 0 is outside the last 4
        QCOMPARE(s.sample(logits, history), 0);
    }
};

QTEST_GUILESS_MAIN(TestSampler)
#include "test_sampler.moc"
