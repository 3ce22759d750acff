// The element-wise math kernels (quant/vec_math.h) at every SIMD level this CPU offers,
// against std::exp computed in double: the exponential over its whole useful range (and
// past both ends), row tails of every length, softmax rows and the SiLU gate.
#include <QTest>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "quant/cpu_features.h"
#include "quant/vec_math.h"
#include "runtime/cpu_ops.h"

using kinglet::SimdLevel;

namespace {

// |a - b| in units of b's last place (float), b a normal float or 0.
double ulps(float a, double b) {
    if (b == 0.0) return a == 0.0f ? 0.0 : std::numeric_limits<double>::infinity();
    const double ulp = std::ldexp(1.0, std::ilogb(b) - 23);
    return std::fabs(double(a) - b) / ulp;
}

std::vector<SimdLevel> levels() {
    std::vector<SimdLevel> v;
    for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512})
        if (int(l) <= int(kinglet::max_supported_simd_level())) v.push_back(l);
    return v;
}

}  // namespace

class TestVecMath : public QObject {
    Q_OBJECT
private slots:
    void cleanupTestCase() { kinglet::force_simd_level_for_tests(kinglet::max_supported_simd_level()); }

    // exp(x - shift) with shift 0 over [-87, 88] in fine steps: within 2 ulp; the row's sum
    // within float rounding of the exact sum.
    void expMatchesStdExp() {
        std::vector<float> xs;
        for (double x = -87.0; x <= 88.0; x += 0.0137) xs.push_back(float(x));
        for (float x : {0.0f, -0.0f, 1e-8f, -1e-8f, 0.5f, -0.5f, 0.34657359f, -0.34657359f}) xs.push_back(x);
        for (SimdLevel level : levels()) {
            kinglet::force_simd_level_for_tests(level);
            std::vector<float> v = xs;
            kinglet::exp_shift_sum_fn()(v.data(), int64_t(v.size()), 0.0f);
            double worst = 0;
            for (size_t i = 0; i < xs.size(); ++i) worst = std::max(worst, ulps(v[i], std::exp(double(xs[i]))));
            qInfo("%s: worst %.2f ulp over %zu values", kinglet::simd_level_name(level).c_str(), worst, xs.size());
            QVERIFY2(worst <= 2.0, qPrintable(QString("%1 ulp").arg(worst)));
            // The returned sum (a softmax row's: inputs <= 0).
            std::vector<float> row;
            for (float x = -20.0f; x <= 0.0f; x += 0.0371f) row.push_back(x);
            double exact_sum = 0;
            for (float x : row) exact_sum += std::exp(double(x));
            const float sum = kinglet::exp_shift_sum_fn()(row.data(), int64_t(row.size()), 0.0f);
            QVERIFY2(std::fabs(sum - exact_sum) <= 1e-6 * exact_sum, qPrintable(QString("sum %1 vs %2").arg(sum).arg(exact_sum)));
        }
    }

    // Far below the range: 0 (as expf, up to denormals); the shift is applied; every tail length.
    void edgesAndTails() {
        for (SimdLevel level : levels()) {
            kinglet::force_simd_level_for_tests(level);
            std::vector<float> v = {-1000.0f, -104.0f, -88.0f, 3.0f, 2.0f};
            const float sum = kinglet::exp_shift_sum_fn()(v.data(), 5, 3.0f);
            QCOMPARE(v[0], 0.0f);
            QCOMPARE(v[1], 0.0f);
            QVERIFY(v[2] >= 0.0f && v[2] < 1e-37f);
            QVERIFY(ulps(v[3], 1.0) <= 2.0);
            QVERIFY(ulps(v[4], std::exp(-1.0)) <= 2.0);
            QVERIFY(std::fabs(sum - (1.0 + std::exp(-1.0))) < 1e-6);
            for (int n = 0; n <= 19; ++n) {
                std::vector<float> in(static_cast<size_t>(n));
                for (int i = 0; i < n; ++i) in[size_t(i)] = -0.37f * float(i);
                std::vector<float> row = in;
                kinglet::exp_shift_sum_fn()(row.data(), n, 0.0f);
                for (int i = 0; i < n; ++i) QVERIFY(ulps(row[size_t(i)], std::exp(double(in[size_t(i)]))) <= 2.0);
            }
        }
    }

    void softmaxAndSilu() {
        std::mt19937 rng(5);
        std::normal_distribution<float> dist(0.0f, 4.0f);
        std::vector<float> scores(203), gate(1003), up(1003);
        for (float& x : scores) x = dist(rng);
        for (float& x : gate) x = dist(rng) * 4.0f;  // reaches far into both tails of silu
        for (float& x : up) x = dist(rng);
        for (SimdLevel level : levels()) {
            kinglet::force_simd_level_for_tests(level);
            std::vector<float> p = scores;
            kinglet::softmax(p.data(), int(p.size()));
            // The reference subtracts the max in float as the kernel does (that rounding alone
            // moves exp by up to ~1e-6 relative for scores far below the max).
            float max = scores[0];
            for (float x : scores) max = std::max(max, x);
            double sum = 0, total = 0;
            for (float x : scores) sum += std::exp(double(x - max));
            for (size_t i = 0; i < p.size(); ++i) {
                const double want = std::exp(double(scores[i] - max)) / sum;
                QVERIFY2(std::fabs(p[i] - want) <= 1e-6 * want + 1e-30,
                         qPrintable(QString("p[%1] = %2, want %3").arg(i).arg(p[i], 0, 'g', 9).arg(want, 0, 'g', 9)));
                total += p[i];
            }
            QVERIFY(std::fabs(total - 1.0) < 1e-5);

            std::vector<float> g = gate;
            kinglet::silu_mul(g.data(), up.data(), int(g.size()));
            for (size_t i = 0; i < g.size(); ++i) {
                const double x = gate[i], want = x / (1.0 + std::exp(-x)) * up[i];
                QVERIFY2(std::fabs(g[i] - want) <= 1e-6 * std::fabs(want) + 1e-30,
                         qPrintable(QString("silu(%1) * %2: %3 vs %4").arg(x).arg(up[i]).arg(g[i]).arg(want)));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestVecMath)
#include "test_vec_math.moc"
