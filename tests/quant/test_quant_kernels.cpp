// Quant kernels as a whole: dispatch tables, quantize -> dequantize error bounds,
// vec_dot against a double-precision dot of the dequantized rows, and every SIMD level
// this CPU offers against the scalar kernels.
#include <QTest>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gguf/ggml_type.h"
#include "quant/cpu_features.h"
#include "quant/quant.h"
#include "util/error.h"
#include "util/half.h"

using kinglet::GgmlType;
using kinglet::SimdLevel;

namespace {

const GgmlType kWeightTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16,   GgmlType::Q4_0,
                                 GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1,   GgmlType::Q8_0,
                                 GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K,   GgmlType::Q5_K,
                                 GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS};

const GgmlType kQuantizable[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q8_0,
                                 GgmlType::Q8_K, GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
                                 GgmlType::Q5_1, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};

using Bytes = std::vector<uint8_t>;

std::vector<float> gaussian(int64_t n, uint32_t seed, float sigma = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, sigma);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

Bytes quantized(GgmlType t, const std::vector<float>& x) {
    Bytes out(kinglet::row_bytes(t, int64_t(x.size())));
    kinglet::quantize_row(t, x.data(), out.data(), int64_t(x.size()));
    return out;
}

std::vector<float> dequantized(GgmlType t, const Bytes& b, int64_t n) {
    std::vector<float> out(n);
    kinglet::dequantize_row(t, b.data(), out.data(), n);
    return out;
}

// The byte offsets of the fp16 scale fields in each block.
std::vector<size_t> half_fields(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_0: case GgmlType::Q5_0: case GgmlType::Q8_0:
        case GgmlType::IQ4_NL: case GgmlType::IQ4_XS: return {0};
        case GgmlType::Q4_1: case GgmlType::Q5_1: case GgmlType::Q4_K: case GgmlType::Q5_K: return {0, 2};
        case GgmlType::Q2_K: return {80, 82};
        case GgmlType::Q3_K: return {108};
        case GgmlType::Q6_K: return {208};
        default: return {};
    }
}

// A weight row with every bit pattern possible: random bytes, with the fp16 scales set
// to finite values of sensible size. Plain float types get random values instead.
Bytes random_weights(GgmlType t, int64_t n, uint32_t seed) {
    if (t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16) return quantized(t, gaussian(n, seed));
    std::mt19937 rng(seed);
    Bytes b(kinglet::row_bytes(t, n));
    for (auto& x : b) x = uint8_t(rng());
    std::uniform_real_distribution<float> mag(0.001f, 0.05f);
    const auto info = kinglet::type_info(t);
    for (size_t blk = 0; blk < b.size() / info.type_size; ++blk)
        for (size_t off : half_fields(t)) {
            const float v = mag(rng) * ((rng() & 1) ? 1.0f : -1.0f);
            const uint16_t h = kinglet::fp32_to_fp16(v);
            b[blk * info.type_size + off] = uint8_t(h & 0xff);
            b[blk * info.type_size + off + 1] = uint8_t(h >> 8);
        }
    return b;
}

// Activations: random values with some all-zero blocks and one huge outlier, which
// exercise the zero-scale and the sign-of-maximum paths of the activation quantizers.
std::vector<float> activations(int64_t n, uint32_t seed) {
    auto x = gaussian(n, seed);
    if (n >= 512)
        for (int i = 256; i < 512; ++i) x[i] = 0.0f;
    if (n > 600) x[600] = -40.0f;
    return x;
}

struct DotCase {
    GgmlType type;
    int64_t n;
    Bytes w, a;
};

std::vector<DotCase> dot_cases() {
    std::vector<DotCase> cases;
    uint32_t seed = 1;
    for (GgmlType t : kWeightTypes) {
        const int64_t bs = kinglet::type_info(t).block_size;
        // Odd block counts reach the tails of unrolled SIMD loops.
        for (int64_t blocks : {int64_t(1), int64_t(3), int64_t(5), bs == 1 ? int64_t(4096) : int64_t(4096 / bs) + 1}) {
            const int64_t n = blocks * (bs == 1 ? 1 : bs);
            const GgmlType at = kinglet::vec_dot_type(t);
            cases.push_back({t, n, random_weights(t, n, seed++), quantized(at, activations(n, seed++))});
        }
        if (bs == 1)
            for (int64_t n : {2, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 1031})
                cases.push_back({t, n, random_weights(t, n, seed++), quantized(vec_dot_type(t), activations(n, seed++))});
    }
    return cases;
}

// Reference dot of the dequantized rows in double; also returns sum |w_i a_i| for the
// tolerance (integer inner products are exact, only float rounding differs).
double reference_dot(const DotCase& c, double* abs_sum) {
    const auto w = dequantized(c.type, c.w, c.n);
    const auto a = dequantized(kinglet::vec_dot_type(c.type), c.a, c.n);
    double s = 0, sa = 0;
    for (int64_t i = 0; i < c.n; ++i) {
        s += double(w[i]) * double(a[i]);
        sa += std::fabs(double(w[i]) * double(a[i]));
    }
    *abs_sum = sa;
    return s;
}

std::vector<SimdLevel> available_levels() {
    std::vector<SimdLevel> levels;
    for (int l = 0; l <= int(kinglet::max_supported_simd_level()); ++l) levels.push_back(SimdLevel(l));
    return levels;
}

double rel_rmse(const std::vector<float>& x, const std::vector<float>& y) {
    double num = 0, den = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        num += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
        den += double(x[i]) * x[i];
    }
    return std::sqrt(num / den);
}

}  // namespace

class TestQuantKernels : public QObject {
    Q_OBJECT
private slots:
    void init() { kinglet::force_simd_level_for_tests(kinglet::max_supported_simd_level()); }
    void cleanupTestCase() { kinglet::force_simd_level_for_tests(kinglet::max_supported_simd_level()); }

    void dispatchTables() {
        QCOMPARE(kinglet::vec_dot_type(GgmlType::F32), GgmlType::F32);
        QCOMPARE(kinglet::vec_dot_type(GgmlType::F16), GgmlType::F16);
        QCOMPARE(kinglet::vec_dot_type(GgmlType::BF16), GgmlType::BF16);
        for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0,
                           GgmlType::IQ4_NL})
            QCOMPARE(kinglet::vec_dot_type(t), GgmlType::Q8_0);
        for (GgmlType t : {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K,
                           GgmlType::IQ4_XS})
            QCOMPARE(kinglet::vec_dot_type(t), GgmlType::Q8_K);
        for (GgmlType t : kWeightTypes) QVERIFY(kinglet::is_supported_weight_type(t));
        QVERIFY(!kinglet::is_supported_weight_type(GgmlType::IQ2_XXS));
        QVERIFY(!kinglet::is_supported_weight_type(GgmlType::Q8_K));
        QVERIFY_THROWS_EXCEPTION(kinglet::Error, kinglet::vec_dot_type(GgmlType::IQ1_S));
        for (GgmlType t : kQuantizable) QVERIFY(kinglet::can_quantize_to(t));
        for (GgmlType t : {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS})
            QVERIFY(kinglet::can_quantize_to(t));
        for (GgmlType t : {GgmlType::Q8_1, GgmlType::IQ2_XS}) QVERIFY(!kinglet::can_quantize_to(t));
        float x[256] = {};
        uint8_t out[512];
        QVERIFY_THROWS_EXCEPTION(kinglet::Error, kinglet::quantize_row(GgmlType::IQ2_XS, x, out, 256));
        QVERIFY_THROWS_EXCEPTION(kinglet::Error, kinglet::quantize_row(GgmlType::Q8_0, x, out, 33));
        QVERIFY_THROWS_EXCEPTION(kinglet::Error, kinglet::dequantize_row(GgmlType::IQ2_XS, out, x, 256));
        QVERIFY_THROWS_EXCEPTION(kinglet::Error, kinglet::vec_dot(GgmlType::IQ2_XS, 256, out, out));
    }

    void forcingClamps() {
        const SimdLevel max = kinglet::max_supported_simd_level();
        QCOMPARE(kinglet::force_simd_level_for_tests(SimdLevel::Scalar), SimdLevel::Scalar);
        QCOMPARE(kinglet::simd_level(), SimdLevel::Scalar);
        QCOMPARE(kinglet::force_simd_level_for_tests(SimdLevel::Avx512), max);
        QCOMPARE(kinglet::simd_level(), max);
        using kinglet::apply_simd_level_request;
        QCOMPARE(apply_simd_level_request(nullptr, SimdLevel::Avx512), SimdLevel::Avx512);
        QCOMPARE(apply_simd_level_request("", SimdLevel::Avx2), SimdLevel::Avx2);
        QCOMPARE(apply_simd_level_request("scalar", SimdLevel::Avx512), SimdLevel::Scalar);
        QCOMPARE(apply_simd_level_request("avx2", SimdLevel::Avx512), SimdLevel::Avx2);
        QCOMPARE(apply_simd_level_request("avx512", SimdLevel::Avx2), SimdLevel::Avx2);  // never above
        QCOMPARE(apply_simd_level_request("avx2", SimdLevel::Scalar), SimdLevel::Scalar);
        QCOMPARE(apply_simd_level_request("amx", SimdLevel::Avx2), SimdLevel::Avx2);     // unknown: no limit
        qInfo("CPU: max level %s, avx512 vnni %d, running %s", kinglet::simd_level_name(max).c_str(),
              int(kinglet::cpu_features().avx512vnni), kinglet::simd_level_name(kinglet::simd_level()).c_str());
    }

    // quantize -> dequantize on Gaussian data; bounds are on the relative RMS error and a
    // bit above what each format's step size gives (about step/sqrt(12)).
    void roundTrip_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<double>("bound");
        QTest::newRow("F32") << int(GgmlType::F32) << 0.0;
        QTest::newRow("F16") << int(GgmlType::F16) << 3e-4;     // 2^-11 relative, RMS lower
        QTest::newRow("BF16") << int(GgmlType::BF16) << 2.5e-3;  // 2^-8 relative
        QTest::newRow("Q8_0") << int(GgmlType::Q8_0) << 0.0075;
        QTest::newRow("Q8_K") << int(GgmlType::Q8_K) << 0.0075;
        QTest::newRow("Q6_K") << int(GgmlType::Q6_K) << 0.03;
        QTest::newRow("Q5_0") << int(GgmlType::Q5_0) << 0.06;
        QTest::newRow("Q5_1") << int(GgmlType::Q5_1) << 0.06;
        QTest::newRow("Q5_K") << int(GgmlType::Q5_K) << 0.05;
        QTest::newRow("Q4_0") << int(GgmlType::Q4_0) << 0.12;
        QTest::newRow("Q4_1") << int(GgmlType::Q4_1) << 0.12;
        QTest::newRow("Q4_K") << int(GgmlType::Q4_K) << 0.10;
    }
    void roundTrip() {
        QFETCH(int, type);
        QFETCH(double, bound);
        const auto t = GgmlType(type);
        for (SimdLevel level : available_levels()) {
            kinglet::force_simd_level_for_tests(level);
            const int64_t n = 256 * 64;
            const auto x = gaussian(n, 42, 0.02f);  // weight-like magnitudes
            const auto y = dequantized(t, quantized(t, x), n);
            const double err = rel_rmse(x, y);
            if (level == SimdLevel::Scalar) qInfo("%s: relative RMS error %.5f", kinglet::type_name(t).c_str(), err);
            QVERIFY2(err <= bound, qPrintable(QString("error %1 > %2").arg(err).arg(bound)));
            // A block of zeros stays zero; a constant block stays (nearly) constant.
            const int64_t bs = kinglet::type_info(t).block_size == 1 ? 256 : kinglet::type_info(t).block_size;
            std::vector<float> z(bs, 0.0f);
            for (float v : dequantized(t, quantized(t, z), bs)) QCOMPARE(v, 0.0f);
        }
    }

    // Q8_0 elementwise: |x - y| <= about half a step (the fp16 scale adds a little).
    void q8_0ElementBound() {
        const auto x = activations(4096, 7);
        const auto y = dequantized(GgmlType::Q8_0, quantized(GgmlType::Q8_0, x), 4096);
        for (int b = 0; b < 4096 / 32; ++b) {
            float amax = 0;
            for (int j = 0; j < 32; ++j) amax = std::fmax(amax, std::fabs(x[32 * b + j]));
            for (int j = 0; j < 32; ++j) QVERIFY(std::fabs(x[32 * b + j] - y[32 * b + j]) <= 0.6f * amax / 127);
        }
    }

    void vecDotMatchesDequantized() {
        const auto cases = dot_cases();
        for (SimdLevel level : available_levels()) {
            kinglet::force_simd_level_for_tests(level);
            for (const auto& c : cases) {
                double abs_sum = 0;
                const double ref = reference_dot(c, &abs_sum);
                const double got = kinglet::vec_dot(c.type, c.n, c.w.data(), c.a.data());
                const double tol = 1e-5 * abs_sum + 1e-30;
                if (!(std::fabs(got - ref) <= tol))
                    QFAIL(qPrintable(QString("%1 n=%2 level %3: vec_dot %4, reference %5 (tolerance %6)")
                                         .arg(kinglet::type_name(c.type).c_str()).arg(c.n)
                                         .arg(kinglet::simd_level_name(level).c_str())
                                         .arg(got, 0, 'g', 10).arg(ref, 0, 'g', 10).arg(tol)));
            }
        }
    }

    // Every level must agree with scalar: dots within float rounding, the activation
    // quantizers bit for bit (they use the same arithmetic by design).
    void simdLevelsAgreeWithScalar() {
        const auto cases = dot_cases();
        kinglet::force_simd_level_for_tests(SimdLevel::Scalar);
        std::vector<float> scalar_dots;
        for (const auto& c : cases) scalar_dots.push_back(kinglet::vec_dot(c.type, c.n, c.w.data(), c.a.data()));
        std::vector<Bytes> scalar_quant;
        const std::vector<int64_t> sizes = {256, 512, 4096 + 256};
        for (GgmlType t : kQuantizable)
            for (int64_t n : sizes) scalar_quant.push_back(quantized(t, activations(n, uint32_t(n))));
        // Halves over the whole float range, subnormals, ties and overflow included.
        std::vector<float> wide(8 * 1031);
        std::mt19937 rng(99);
        for (auto& v : wide) {
            uint32_t bits = rng();
            std::memcpy(&v, &bits, 4);
            if (std::isnan(v)) v = 1.0f;
            v = std::ldexp(std::fmod(v, 2.0f), int(rng() % 50) - 30);
        }
        wide[0] = std::ldexp(1.0f, -25); wide[1] = std::ldexp(3.0f, -25); wide[2] = 65520.0f; wide[3] = -65519.0f;
        Bytes scalar_wide = quantized(GgmlType::F16, wide);

        for (SimdLevel level : available_levels()) {
            if (level == SimdLevel::Scalar) continue;
            QCOMPARE(kinglet::force_simd_level_for_tests(level), level);
            const char* name = kinglet::simd_level_name(level) == "avx2" ? "avx2" : "avx512";
            for (size_t i = 0; i < cases.size(); ++i) {
                const auto& c = cases[i];
                double abs_sum = 0;
                reference_dot(c, &abs_sum);
                const float got = kinglet::vec_dot(c.type, c.n, c.w.data(), c.a.data());
                if (!(std::fabs(double(got) - scalar_dots[i]) <= 1e-5 * abs_sum + 1e-30))
                    QFAIL(qPrintable(QString("%1 n=%2 %3: %4 vs scalar %5").arg(kinglet::type_name(c.type).c_str())
                                         .arg(c.n).arg(name).arg(got, 0, 'g', 10).arg(scalar_dots[i], 0, 'g', 10)));
            }
            size_t k = 0;
            for (GgmlType t : kQuantizable)
                for (int64_t n : sizes) {
                    const Bytes got = quantized(t, activations(n, uint32_t(n)));
                    if (got != scalar_quant[k++])
                        QFAIL(qPrintable(QString("quantize_row %1 n=%2 differs at %3").arg(kinglet::type_name(t).c_str())
                                             .arg(n).arg(name)));
                }
            QVERIFY(quantized(GgmlType::F16, wide) == scalar_wide);
        }
    }
};

QTEST_GUILESS_MAIN(TestQuantKernels)
#include "test_quant_kernels.moc"
