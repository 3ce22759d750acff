// Sampling: greedy, each filter, repetition penalty, and determinism under a seed.
#include <QtTest>
#include <cfloat>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "sampling/sampler.h"
#include "util/error.h"

using namespace kinglet;

namespace {

// The specification the sampler's shortcuts must agree with: sort every token best first,
// cut by top-k, softmax at the temperature, cut by top-p and by min-p, then draw with the same
// random numbers (one 64-bit draw a token, as the sampler does).
struct ReferenceSampler {
    SamplingParams p;
    std::mt19937_64 rng;
    explicit ReferenceSampler(const SamplingParams& params) : p(params), rng(params.seed) {}

    TokenId sample(const std::vector<float>& logits, const std::vector<TokenId>& history) {
        struct C { TokenId id; float logit; float p; };
        std::vector<C> c(logits.size());
        for (size_t i = 0; i < logits.size(); ++i) {
            const float l = logits[i];
            c[i] = {TokenId(i), std::isnan(l) ? -INFINITY : std::min(l, FLT_MAX), 0.0f};
        }
        if (p.repeat_penalty != 1.0f) {
            const size_t n = std::min(history.size(), size_t(p.repeat_last_n));
            for (TokenId id : std::set<TokenId>(history.end() - n, history.end())) {
                float& l = c[id].logit;
                l = l > 0 ? l / p.repeat_penalty : l * p.repeat_penalty;
            }
        }
        std::sort(c.begin(), c.end(), [](const C& a, const C& b) { return a.logit > b.logit || (a.logit == b.logit && a.id < b.id); });
        if (p.temperature <= 0) return c[0].id;
        size_t n = p.top_k > 0 ? std::min(c.size(), size_t(p.top_k)) : c.size();
        double sum = 0;
        for (size_t i = 0; i < n; ++i) sum += c[i].p = std::exp((c[i].logit - c[0].logit) / p.temperature);
        for (size_t i = 0; i < n; ++i) c[i].p = float(c[i].p / sum);
        if (p.top_p < 1.0f) {
            double mass = 0;
            for (size_t i = 0; i < n; ++i)
                if ((mass += c[i].p) >= p.top_p) {
                    n = i + 1;
                    break;
                }
        }
        if (p.min_p > 0) {
            size_t keep = 1;
            while (keep < n && c[keep].p >= c[0].p * p.min_p) ++keep;
            n = keep;
        }
        double total = 0;
        for (size_t i = 0; i < n; ++i) total += c[i].p;
        const double u = double(rng() >> 11) * (1.0 / 9007199254740992.0) * total;
        double acc = 0;
        for (size_t i = 0; i < n; ++i)
            if (u < (acc += c[i].p)) return c[i].id;
        return c[n - 1].id;
    }
};

}  // namespace

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

    // argmax skips blocks of scores that cannot win: against a plain scan (the first of the
    // largest usable scores) on lengths around the block size, with ties across blocks,
    // NaN and infinities.
    void argmaxMatchesPlainScan() {
        const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
        const float values[] = {nan, -inf, inf, -3.0f, 0.0f, 1.0f, 2.0f, 2.0f};
        std::mt19937 rng(7);
        for (int trial = 0; trial < 2000; ++trial) {
            std::vector<float> logits(size_t(1 + rng() % 300));
            for (float& l : logits) l = rng() % 4 ? values[rng() % 8] : float(rng() % 1000) * 0.01f;
            TokenId want = -1;
            float best = -inf;
            for (size_t i = 0; i < logits.size(); ++i) {
                const float l = std::isnan(logits[i]) ? -inf : std::min(logits[i], std::numeric_limits<float>::max());
                if (l > best) {
                    best = l;
                    want = TokenId(i);
                }
            }
            if (want < 0) {
                QVERIFY_THROWS_EXCEPTION(Error, argmax(logits));
                continue;
            }
            QCOMPARE(argmax(logits), want);
        }
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

    // The sampler finds the top-k in one pass and, without top-k, sorts only the prefix that
    // top-p and min-p can keep (a 150k vocabulary was sorted every token). It must choose what
    // sorting everything chooses: vocabularies of 1 to 152k tokens, flat and peaked logits, ties,
    // NaN and infinities, every filter on and off, the penalty.
    void matchesSortingEverything() {
        std::mt19937 gen(7);
        int compared = 0;
        for (size_t n : {size_t(1), size_t(2), size_t(63), size_t(64), size_t(65), size_t(1000), size_t(152064)}) {
            for (int shape = 0; shape < 4; ++shape) {
                std::vector<float> logits(n);
                std::normal_distribution<float> normal(0.0f, shape == 1 ? 0.05f : 3.0f);
                for (size_t i = 0; i < n; ++i) {
                    logits[i] = normal(gen);
                    if (shape == 2) logits[i] = std::round(logits[i]);  // many ties
                    if (shape == 3 && i % 97 == 5) logits[i] = i % 3 ? NAN : (i % 2 ? INFINITY : -INFINITY);
                }
                if (shape == 3 && n > 10) logits[n / 2] = 30.0f;  // one token far ahead
                for (float temperature : {0.0f, 0.3f, 1.0f, 2.5f})
                    for (int top_k : {0, 1, 40, int(n)})
                        for (float top_p : {1.0f, 0.95f, 0.3f})
                            for (float min_p : {0.0f, 0.05f}) {
                                // Sorting 152k tokens takes the reference 16 ms: fewer of those.
                                if (n > 1000 && (top_k == 1 || temperature == 0.3f || shape == 2)) continue;
                                SamplingParams p;
                                p.temperature = temperature;
                                p.top_k = top_k;
                                p.top_p = top_p;
                                p.min_p = min_p;
                                p.seed = 1000 + compared;
                                Sampler sampler(p);
                                ReferenceSampler reference(p);
                                std::vector<TokenId> history = {0, TokenId(n / 3), TokenId(n - 1)};
                                for (int step = 0; step < (n > 1000 ? 2 : 12); ++step) {
                                    const TokenId want = reference.sample(logits, history);
                                    const TokenId got = sampler.sample(logits, history);
                                    if (got != want)
                                        QFAIL(qPrintable(QString("n %1 shape %2 T %3 top-k %4 top-p %5 min-p %6 step %7: %8, not %9")
                                                             .arg(n).arg(shape).arg(temperature).arg(top_k).arg(top_p)
                                                             .arg(min_p).arg(step).arg(got).arg(want)));
                                    history.push_back(got);
                                    ++compared;
                                }
                            }
            }
        }
        qInfo("%d choices compared", compared);
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
