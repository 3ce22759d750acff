// Quantizers of the low-bit types (Q2_K, Q3_K, IQ4_NL, IQ4_XS): quantize -> dequantize
// round trips against error bounds that a reference-quality quantizer meets (and a
// naive min/max one does not), exact cases, layout invariants and agreement of vec_dot
// with the dequantized rows.
#include <QTest>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gguf/ggml_type.h"
#include "quant/quant.h"
#include "util/half.h"

using kinglet::GgmlType;

namespace {

using Bytes = std::vector<uint8_t>;

std::vector<float> gaussian(int64_t n, uint32_t seed, float sigma = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, sigma);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

Bytes quantize(GgmlType t, const std::vector<float>& x) {
    Bytes out(kinglet::row_bytes(t, int64_t(x.size())));
    kinglet::quantize_row(t, x.data(), out.data(), int64_t(x.size()));
    return out;
}

std::vector<float> dequantize(GgmlType t, const Bytes& b, int64_t n) {
    std::vector<float> out(n);
    kinglet::dequantize_row(t, b.data(), out.data(), n);
    return out;
}

// Root-mean-square error relative to the input's RMS.
double rel_rmse(const std::vector<float>& x, const std::vector<float>& y) {
    double e = 0, s = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        e += double(x[i] - y[i]) * (x[i] - y[i]);
        s += double(x[i]) * x[i];
    }
    return std::sqrt(e / s);
}

// Upper bounds on the relative RMSE for Gaussian rows. ggml's reference quantizers (no
// importance matrix) land at about Q2_K 0.29, Q3_K 0.17, IQ4_NL 0.10, IQ4_XS 0.10; a
// plain min/max grid is clearly worse (Q2_K ~0.40, Q3_K ~0.24).
struct Case {
    GgmlType type;
    double gaussian_bound;
};
const Case kCases[] = {{GgmlType::Q2_K, 0.33}, {GgmlType::Q3_K, 0.20}, {GgmlType::IQ4_NL, 0.115},
                       {GgmlType::IQ4_XS, 0.115}};

}  // namespace

class TestQuantLowbit : public QObject {
    Q_OBJECT
private slots:
    void canQuantize() {
        for (const auto& c : kCases) QVERIFY(kinglet::can_quantize_to(c.type));
    }

    void gaussianRoundTrip_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<double>("bound");
        for (const auto& c : kCases)
            QTest::newRow(kinglet::type_name(c.type).c_str()) << int(c.type) << c.gaussian_bound;
    }

    void gaussianRoundTrip() {
        QFETCH(int, type);
        QFETCH(double, bound);
        const auto t = static_cast<GgmlType>(type);
        // Several scales, so the fp16 super-block scales and small magnitudes are exercised.
        for (float sigma : {1.0f, 0.02f, 300.0f}) {
            const int64_t n = 256 * 64;
            const auto x = gaussian(n, 7 + uint32_t(sigma * 3), sigma);
            const auto y = dequantize(t, quantize(t, x), n);
            const double e = rel_rmse(x, y);
            qInfo("%s sigma %g: relative RMSE %.4f", kinglet::type_name(t).c_str(), sigma, e);
            QVERIFY2(e <= bound, qPrintable(QString("relative RMSE %1 > %2").arg(e).arg(bound)));
            for (float v : y) QVERIFY(std::isfinite(v));
        }
    }

    // Heavy-tailed rows (a few large outliers per block, as in real weights).
    void outliers_data() { gaussianRoundTrip_data(); }
    void outliers() {
        QFETCH(int, type);
        QFETCH(double, bound);
        const auto t = static_cast<GgmlType>(type);
        const int64_t n = 256 * 32;
        auto x = gaussian(n, 99);
        std::mt19937 rng(5);
        for (int64_t i = 0; i < n; i += 61) x[i] *= 8.0f + float(rng() % 8);
        const auto y = dequantize(t, quantize(t, x), n);
        const double e = rel_rmse(x, y);
        qInfo("%s outliers: relative RMSE %.4f", kinglet::type_name(t).c_str(), e);
        QVERIFY(e <= 1.5 * bound);
    }

    void zerosStayZero_data() { gaussianRoundTrip_data(); }
    void zerosStayZero() {
        QFETCH(int, type);
        const auto t = static_cast<GgmlType>(type);
        std::vector<float> x(512, 0.0f);
        const auto y = dequantize(t, quantize(t, x), 512);
        for (float v : y) QCOMPARE(v, 0.0f);
        // A block of zeros next to a normal one must not be disturbed by it.
        auto z = gaussian(512, 3);
        std::fill(z.begin(), z.begin() + 256, 0.0f);
        const auto w = dequantize(t, quantize(t, z), 512);
        for (int i = 0; i < 256; ++i) QCOMPARE(w[i], 0.0f);
    }

    // Values that sit exactly on the type's grid come back (nearly) exactly.
    void exactGrid() {
        // IQ4_NL: codebook values times a power of two.
        {
            static const int8_t kValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
            std::vector<float> x(64);
            for (int i = 0; i < 64; ++i) x[i] = kValues[(i * 7) % 16] * (i < 32 ? 0.0078125f : -0.25f);
            const auto y = dequantize(GgmlType::IQ4_NL, quantize(GgmlType::IQ4_NL, x), 64);
            for (int i = 0; i < 64; ++i) QCOMPARE(y[i], x[i]);
        }
        // Q3_K: integers in [-4, 3] with every sub-block reaching -4.
        {
            std::vector<float> x(256);
            for (int i = 0; i < 256; ++i) x[i] = float((i * 5) % 8 - 4);
            const auto y = dequantize(GgmlType::Q3_K, quantize(GgmlType::Q3_K, x), 256);
            for (int i = 0; i < 256; ++i) QCOMPARE(y[i], x[i]);
        }
        // Q2_K: integers in [0, 3] (min 0).
        {
            std::vector<float> x(256);
            for (int i = 0; i < 256; ++i) x[i] = float((i * 3) % 4);
            const auto y = dequantize(GgmlType::Q2_K, quantize(GgmlType::Q2_K, x), 256);
            for (int i = 0; i < 256; ++i) QVERIFY2(std::fabs(y[i] - x[i]) < 1e-3, qPrintable(QString::number(i)));
        }
    }

    // Each value is rounded to the nearest level the stored scales can decode to, so
    // re-quantizing the decoded row changes nothing (up to the scale search landing on
    // the same grid).
    void requantizeIsStable_data() { gaussianRoundTrip_data(); }
    void requantizeIsStable() {
        QFETCH(int, type);
        const auto t = static_cast<GgmlType>(type);
        const int64_t n = 256 * 16;
        const auto x = gaussian(n, 11);
        const auto y = dequantize(t, quantize(t, x), n);
        const auto z = dequantize(t, quantize(t, y), n);
        const double e = rel_rmse(y, z);
        qInfo("%s requantize drift %.5f", kinglet::type_name(t).c_str(), e);
        QVERIFY(e < 0.05);  // Q3_K drifts most (~0.03): its sub-block grids can move by one step
    }

    // The engine's dot product on the quantized row matches the dequantized row.
    void vecDotMatchesDequantized_data() { gaussianRoundTrip_data(); }
    void vecDotMatchesDequantized() {
        QFETCH(int, type);
        const auto t = static_cast<GgmlType>(type);
        const int64_t n = 1024;
        const auto w = gaussian(n, 21);
        const auto a = gaussian(n, 22);
        const Bytes wq = quantize(t, w);
        const auto wd = dequantize(t, wq, n);
        const GgmlType at = kinglet::vec_dot_type(t);
        const Bytes aq = quantize(at, a);
        const auto ad = dequantize(at, aq, n);
        double ref = 0, mag = 0;
        for (int64_t i = 0; i < n; ++i) {
            ref += double(wd[i]) * ad[i];
            mag += std::fabs(double(wd[i]) * ad[i]);
        }
        const float got = kinglet::vec_dot(t, n, wq.data(), aq.data());
        QVERIFY2(std::fabs(got - ref) <= 1e-4 * mag + 1e-4,
                 qPrintable(QString("dot %1 vs %2").arg(got).arg(ref)));
    }

    // IQ4_XS: block scales are 6-bit signed; the largest-magnitude block uses -32
    // (or 31) so the fp16 scale is not wasted.
    void iq4xsUsesScaleRange() {
        const auto x = gaussian(256, 31);
        const Bytes b = quantize(GgmlType::IQ4_XS, x);
        uint16_t scales_h;
        std::memcpy(&scales_h, b.data() + 2, 2);
        int extreme = 0;
        for (int ib = 0; ib < 8; ++ib) {
            const int ls = ((b[4 + ib / 2] >> (4 * (ib % 2))) & 0xf) | (((scales_h >> (2 * ib)) & 3) << 4);
            extreme = std::max(extreme, std::abs(ls - 32));
        }
        QVERIFY(extreme >= 31);
    }

    void rejectsBadLength() {
        std::vector<float> x(300, 1.0f);
        uint8_t out[1024];
        for (const auto& c : kCases)
            QVERIFY_THROWS_EXCEPTION(std::exception, kinglet::quantize_row(c.type, x.data(), out, 300));
    }
};

QTEST_GUILESS_MAIN(TestQuantLowbit)
#include "test_quant_lowbit.moc"
