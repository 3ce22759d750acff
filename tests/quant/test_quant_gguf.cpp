// Real files: the tiny-llama models in ../shared were quantized by llama.cpp from the
// same F32 weights. Dequantizing them must land close to the F32 tensors, and our
// reference quantizers, run on the F32 tensors, must write the very same bytes.
#include <QTest>
#include <cmath>
#include <vector>

#include "gguf/gguf_file.h"
#include "quant/quant.h"
#include "shared_data.h"

using kinglet::GgmlType;

class TestQuantGguf : public QObject {
    Q_OBJECT
private slots:
    void matchesLlamaCpp_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("f16") << "models/tiny-llama-f16.gguf";
        QTest::newRow("q8_0") << "models/tiny-llama-q8_0.gguf";
        QTest::newRow("q4_0") << "models/tiny-llama-q4_0.gguf";
        QTest::newRow("q4_k_m") << "models/tiny-llama-q4_k_m.gguf";
        QTest::newRow("q6_k") << "models/tiny-llama-q6_k.gguf";
    }
    void matchesLlamaCpp() {
        QFETCH(QString, file);
        KINGLET_REQUIRE_SHARED(f32_path, "models/tiny-llama-f32.gguf");
        KINGLET_REQUIRE_SHARED(path, file);
        auto ref = kinglet::GgufFile::open(f32_path.toStdString());
        auto gguf = kinglet::GgufFile::open(path.toStdString());
        int checked = 0;
        for (const auto& t : gguf->tensors()) {
            if (t.type == GgmlType::F32) continue;
            const auto* r = ref->find_tensor(t.name);
            QVERIFY2(r && r->type == GgmlType::F32 && r->n_elements() == t.n_elements(), t.name.c_str());
            const int64_t n = t.n_elements(), row = t.ne[0];
            const float* x = reinterpret_cast<const float*>(r->data);

            std::vector<float> y(n);
            kinglet::dequantize_row(t.type, t.data, y.data(), n);
            double num = 0, den = 0;
            for (int64_t i = 0; i < n; ++i) {
                num += (double(y[i]) - x[i]) * (double(y[i]) - x[i]);
                den += double(x[i]) * x[i];
            }
            const double err = std::sqrt(num / den);
            const double bound = t.type == GgmlType::F16 ? 3e-4 : t.type == GgmlType::Q8_0 ? 0.007
                               : t.type == GgmlType::Q6_K ? 0.02 : 0.09;
            QVERIFY2(err < bound, qPrintable(QString("%1: error %2").arg(t.name.c_str()).arg(err)));

            std::vector<uint8_t> mine(t.nbytes);
            const size_t rb = kinglet::row_bytes(t.type, row);
            for (int64_t i = 0; i < t.n_rows(); ++i)
                kinglet::quantize_row(t.type, x + i * row, mine.data() + i * rb, row);
            size_t differ = 0;
            for (size_t i = 0; i < t.nbytes; ++i)
                if (mine[i] != t.data[i]) {
                    ++differ;
                    // Q8_0 rounds exact .5 ties to even (as llama.cpp's x86 activation
                    // quantizer does); its weight quantizer rounds them away from zero.
                    QVERIFY2(t.type == GgmlType::Q8_0 && std::abs(int(int8_t(mine[i])) - int(int8_t(t.data[i]))) == 1,
                             qPrintable(QString("%1 byte %2").arg(t.name.c_str()).arg(i)));
                }
            QVERIFY(differ <= t.nbytes / 10000);
            ++checked;
        }
        QVERIFY(checked > 0);
    }
};

QTEST_GUILESS_MAIN(TestQuantGguf)
#include "test_quant_gguf.moc"
