// Tiled gemm kernels (quant/gemm.h) against vec_dot, for every SIMD level this CPU offers,
// with row and token counts that leave partial tiles; and the F16 attention helpers.
#include <QTest>
#include <cmath>
#include <random>
#include <vector>

#include "gguf/ggml_type.h"
#include "quant/cpu_features.h"
#include "quant/gemm.h"
#include "quant/quant.h"
#include "util/half.h"

using kinglet::GgmlType;
using kinglet::SimdLevel;

namespace {

std::vector<float> gaussian(int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = dist(rng);
    return v;
}

}  // namespace

class TestQuantGemm : public QObject {
    Q_OBJECT
private slots:
    void cleanupTestCase() { kinglet::force_simd_level_for_tests(kinglet::max_supported_simd_level()); }

    void gemmMatchesVecDot_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("nr");
        QTest::addColumn<int>("nt");
        // Shapes: partial row panels (16 rows) and tiles, token counts below and above the
        // point where the VNNI kernels switch to row-interleaved panels, one token.
        const int shapes[][3] = {{512, 23, 11}, {768, 37, 21}, {256, 16, 8}, {512, 5, 7}, {256, 3, 1}, {1024, 48, 13}};
        for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K,
                           GgmlType::F16, GgmlType::F32})
            for (const auto& sh : shapes)
                QTest::newRow(qPrintable(QString("%1 n%2 r%3 t%4").arg(kinglet::type_name(t).c_str()).arg(sh[0]).arg(sh[1]).arg(sh[2])))
                    << int(t) << sh[0] << sh[1] << sh[2];
    }
    void gemmMatchesVecDot() {
        QFETCH(int, type);
        QFETCH(int, n);
        QFETCH(int, nr);
        QFETCH(int, nt);
        const auto wt = GgmlType(type);
        const GgmlType at = kinglet::vec_dot_type(wt);
        const size_t wrow = kinglet::row_bytes(wt, n), arow = kinglet::gemm_act_row_bytes(at, n);
        std::vector<uint8_t> w(wrow * nr), a(arow * nt);
        for (int64_t r = 0; r < nr; ++r) {
            auto v = gaussian(n, uint32_t(r + 1));
            if (r % 5 == 1) v[size_t(r) % size_t(n)] = 40.0f;  // an outlier: large and small scales in one panel
            kinglet::quantize_row(wt, v.data(), w.data() + r * wrow, n);
        }
        for (int64_t t = 0; t < nt; ++t) {
            kinglet::quantize_row(at, gaussian(n, uint32_t(100 + t)).data(), a.data() + t * arow, n);
            kinglet::gemm_act_extras(at, n, a.data() + t * arow);
        }
        int tested = 0;
        for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
            if (int(level) > int(kinglet::max_supported_simd_level())) continue;
            kinglet::force_simd_level_for_tests(level);
            const kinglet::GemmFn gemm = kinglet::gemm_fn(wt);
            if (!gemm) continue;  // MatMul loops over vec_dot for this type and level
            ++tested;
            const size_t ldy = size_t(nr) + 3;
            std::vector<float> y(ldy * size_t(nt), -1.0f);
            gemm(n, w.data(), wrow, nr, a.data(), arow, nt, y.data(), ldy);
            for (int64_t t = 0; t < nt; ++t)
                for (int64_t r = 0; r < nr; ++r) {
                    const float ref = kinglet::vec_dot(wt, n, w.data() + r * wrow, a.data() + t * arow);
                    const float got = y[size_t(t) * ldy + size_t(r)];
                    if (!(std::fabs(got - ref) <= 1e-4f * (1.0f + std::fabs(ref))))
                        QFAIL(qPrintable(QString("level %1 row %2 token %3: %4 vs %5")
                                             .arg(int(level)).arg(r).arg(t).arg(got).arg(ref)));
                }
            for (int64_t t = 0; t < nt; ++t)  // padding columns untouched
                for (size_t r = size_t(nr); r < ldy; ++r) QCOMPARE(y[size_t(t) * ldy + r], -1.0f);
        }
        if (wt != GgmlType::F16 && wt != GgmlType::F32 && int(kinglet::max_supported_simd_level()) >= int(SimdLevel::Avx2))
            QVERIFY(tested > 0);  // the quantized types have SIMD kernels
    }

    void f16Helpers() {
        const int n = 77;
        const auto x = gaussian(n, 7), hv = gaussian(n, 8);
        std::vector<uint16_t> h(n);
        for (int i = 0; i < n; ++i) h[size_t(i)] = kinglet::fp32_to_fp16(hv[size_t(i)]);
        double ref = 0;
        for (int i = 0; i < n; ++i) ref += double(x[size_t(i)]) * kinglet::fp16_to_fp32(h[size_t(i)]);
        for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
            if (int(level) > int(kinglet::max_supported_simd_level())) continue;
            kinglet::force_simd_level_for_tests(level);
            QVERIFY(std::fabs(kinglet::dot_f32_f16_fn()(n, x.data(), h.data()) - ref) < 1e-4);
            std::vector<float> y(x);
            kinglet::axpy_f16_fn()(n, 0.5f, h.data(), y.data());
            for (int i = 0; i < n; ++i)
                QVERIFY(std::fabs(y[size_t(i)] - (x[size_t(i)] + 0.5f * kinglet::fp16_to_fp32(h[size_t(i)]))) < 1e-6f);
        }
    }

    // Scores and weighted sums for 1-4 queries over the same rows (the tiles of CpuBackend::attention),
    // against sums in double; odd row counts and head sizes that are not multiples of 8 or 16.
    void attentionHelpers() {
        for (int d : {64, 80, 128, 36, 72})
            for (int nq = 1; nq <= kinglet::kAttnMaxQueries; ++nq) {
                const int n = 13, stride = 2 * d + 8;
                std::vector<uint16_t> kv(size_t(n) * stride);
                const auto src = gaussian(int64_t(kv.size()), uint32_t(d));
                for (size_t i = 0; i < kv.size(); ++i) kv[i] = kinglet::fp32_to_fp16(src[i]);
                std::vector<std::vector<float>> q, p;
                std::vector<std::vector<double>> ref_s, ref_w;
                for (int m = 0; m < nq; ++m) {
                    q.push_back(gaussian(d, 99 + uint32_t(m)));
                    p.push_back(gaussian(n, 50 + uint32_t(m)));
                    ref_s.emplace_back(size_t(n), 0.0);
                    ref_w.emplace_back(size_t(d), 0.0);
                    for (int j = 0; j < n; ++j) {
                        double s = 0;
                        for (int i = 0; i < d; ++i)
                            s += double(q[m][size_t(i)]) * kinglet::fp16_to_fp32(kv[size_t(j) * stride + i]);
                        ref_s[m][size_t(j)] = 0.5 * s;
                        for (int i = 0; i < d; ++i)
                            ref_w[m][size_t(i)] += double(p[m][size_t(j)]) * kinglet::fp16_to_fp32(kv[size_t(j) * stride + i]);
                    }
                }
                for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
                    if (int(level) > int(kinglet::max_supported_simd_level())) continue;
                    kinglet::force_simd_level_for_tests(level);
                    std::vector<std::vector<float>> s(size_t(nq), std::vector<float>(size_t(n), 7.0f)),
                        w(size_t(nq), std::vector<float>(size_t(d), 7.0f));
                    const float *qp[4], *pp[4];
                    float *sp[4], *wp[4];
                    for (int m = 0; m < nq; ++m) {
                        qp[m] = q[m].data();
                        pp[m] = p[m].data();
                        sp[m] = s[m].data();
                        wp[m] = w[m].data();
                    }
                    kinglet::attn_scores_fn()(d, n, nq, qp, kv.data(), size_t(stride), 0.5f, sp);
                    kinglet::attn_wsum_fn()(d, n, nq, pp, kv.data(), size_t(stride), wp);
                    for (int m = 0; m < nq; ++m) {
                        for (int j = 0; j < n; ++j)
                            QVERIFY2(std::fabs(s[m][size_t(j)] - ref_s[m][size_t(j)]) < 1e-4,
                                     qPrintable(QString("d %1, %2 queries, score %3.%4").arg(d).arg(nq).arg(m).arg(j)));
                        for (int i = 0; i < d; ++i)
                            QVERIFY2(std::fabs(w[m][size_t(i)] - ref_w[m][size_t(i)]) < 1e-4,
                                     qPrintable(QString("d %1, %2 queries, sum %3.%4").arg(d).arg(nq).arg(m).arg(i)));
                    }
                }
            }
    }
};

QTEST_GUILESS_MAIN(TestQuantGemm)
#include "test_quant_gemm.moc"
