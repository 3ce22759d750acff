// The device-memory check before a model goes to the GPU: the estimate and the refusal on
// made-up numbers, the free memory devices report, and a real load under a tiny budget
// (KINGLET_VK_BUDGET_MB) falling back to the CPU under auto and failing under vulkan, with
// the reason in both cases. No Vulkan device: the device tests fail under CI, skip elsewhere.
#include <QRegularExpression>
#include <QtTest>

#include "model/model.h"
#include "runtime/session.h"
#include "shared_data.h"
#include "util/error.h"
#include "vulkan/vk_memory_fit.h"
#include "vulkan/vulkan_backend.h"

using namespace kinglet;

namespace {

constexpr uint64_t kMiB = uint64_t(1) << 20;

// An 8B-class shape (Llama 3.1 8B's numbers).
Hparams llama8b() {
    Hparams h;
    h.n_embd = 4096;
    h.n_layer = 32;
    h.n_head = 32;
    h.n_head_kv = 8;
    h.head_dim = h.head_dim_v = 128;
    h.n_ff = 14336;
    h.n_vocab = 128256;
    return h;
}

// Restores an environment variable when the test ends, however it ends.
struct EnvGuard {
    QByteArray name, old;
    bool had;
    EnvGuard(const char* n, const QByteArray& value) : name(n), old(qgetenv(n)), had(qEnvironmentVariableIsSet(n)) {
        qputenv(n, value);
    }
    ~EnvGuard() {
        if (had) qputenv(name.constData(), old);
        else qunsetenv(name.constData());
    }
};

}  // namespace

#define REQUIRE_VULKAN_DEVICE()                                              \
    do {                                                                     \
        std::string why_;                                                    \
        if (list_vulkan_devices(&why_).empty()) {                            \
            const QByteArray msg = ("no Vulkan device: " + why_).c_str();    \
            if (kinglet_test::inCi()) QFAIL(msg.constData());                \
            QSKIP(msg.constData());                                          \
        }                                                                    \
    } while (0)

class TestVulkanMemory : public QObject {
    Q_OBJECT
private slots:
    void estimateAddsWeightsCacheAndActivations() {
        const Hparams h = llama8b();
        const uint64_t weights = 4700 * kMiB, kv = 512 * kMiB;
        const VulkanMemoryNeed need = estimate_vulkan_memory(h, weights, kv, 256);
        QCOMPARE(need.weights, weights);
        QCOMPARE(need.kv_cache, kv);
        // Per token: x 4096, xn 4096, q 4096, k 1024, v 1024, attention 4096, gate and up
        // 2 x 14336, ffn out 4096 = 51200 floats; 256 tokens of 4 bytes. Logits: 64 rows
        // (kMaxLogitRows) of 128256. Plus split-K's partial sums: 8 slices x 256 tokens x 4096
        // would be 32 MiB a buffer, so 64 MiB / 3 buffers.
        QCOMPARE(need.activations,
                 (uint64_t(51200) * 256 + uint64_t(64) * 128256) * 4 + (64 * kMiB) / 3 / 4 * 4 * 3);
        QCOMPARE(need.total(), weights + kv + need.activations);
        // A batch of one: 8 slices x 4096 floats a buffer.
        QCOMPARE(estimate_vulkan_memory(h, weights, kv, 1).activations, uint64_t(179456) * 4 + 3 * 8 * 4096 * 4);
    }

    void refusalOnlyWhenItCannotFit() {
        VulkanMemoryNeed need;
        need.weights = 7000 * kMiB;
        need.kv_cache = 1024 * kMiB;
        need.activations = 180 * kMiB;  // 8204 MiB in all
        QVERIFY(vulkan_memory_refusal(need, 8204 * kMiB).empty());   // exactly fits
        QVERIFY(vulkan_memory_refusal(need, 24576 * kMiB).empty());  // a 24 GiB card
        const std::string why = vulkan_memory_refusal(need, 6000 * kMiB);
        QCOMPARE(QString::fromStdString(why),
                 QString("needs 8204 MiB of GPU memory (weights 7000 MiB, KV cache 1024 MiB, activations 180 MiB), "
                         "the device has 6000 MiB free"));
        // The total is rounded up, free memory down: the message never reads like a fit.
        need = VulkanMemoryNeed{kMiB + 1, 0, 0};
        QVERIFY(vulkan_memory_refusal(need, kMiB).find("needs 2 MiB") != std::string::npos);
        QVERIFY(!vulkan_memory_refusal(need, 0).empty());
        QVERIFY(vulkan_memory_refusal(VulkanMemoryNeed{}, 0).empty());  // nothing needs nothing
    }

    void estimateForALoadedModel() {
        KINGLET_REQUIRE_SHARED(path, "models/tiny-llama-q4_0.gguf");
        auto m = Model::load(path.toStdString());
        const Hparams& h = m->hparams();
        const VulkanMemoryNeed need = estimate_vulkan_memory(*m, 1000, 256);
        // Q4_0 matrices as stored (a bit under the file's size: 1-D tensors are F32 anyway)
        // plus the F16 K and V of every layer and position.
        uint64_t stored = 0;
        for (const TensorInfo& t : m->file().tensors()) stored += t.nbytes;
        QCOMPARE(need.weights, stored);
        QCOMPARE(need.kv_cache, uint64_t(2) * h.n_layer * 1000 * h.kv_dim() * 2);
        QCOMPARE(need.activations, estimate_vulkan_memory(h, 0, 0, 256).activations);
    }

    void slidingWindowLayersCountTheirRingOnly() {
        KINGLET_REQUIRE_SHARED(path, "models/tiny-gemma3-q4_k_m.gguf");
        auto m = Model::load(path.toStdString());
        const Hparams& h = m->hparams();
        QVERIFY(h.sliding_window > 0);
        // 6 layers, 5 local with a window of 64: at 4096 positions and batches of 256 a
        // local layer keeps 64 + 256 - 1 rows, the global one all 4096.
        int local = 0;
        for (int l = 0; l < h.n_layer; ++l) local += h.layer_is_local[size_t(l)];
        const uint64_t rows = uint64_t(local) * (h.sliding_window + 255) + uint64_t(h.n_layer - local) * 4096;
        QCOMPARE(estimate_vulkan_memory(*m, 4096, 256).kv_cache, 2 * rows * h.kv_dim() * 2);
        QVERIFY(local > 0 && local < h.n_layer);
    }

    void budgetOverride() {
        VulkanDeviceInfo info;
        info.free_device_memory = 3000 * kMiB;
        {
            EnvGuard env("KINGLET_VK_BUDGET_MB", "12");
            QCOMPARE(vulkan_free_memory(info), 12 * kMiB);
        }
        for (const char* bad : {"", "abc", "12x", "-5"}) {
            EnvGuard env("KINGLET_VK_BUDGET_MB", bad);
            QCOMPARE(vulkan_free_memory(info), 3000 * kMiB);
        }
    }

    void devicesReportFreeMemory() {
        REQUIRE_VULKAN_DEVICE();
        std::string why;
        for (const VulkanDeviceInfo& d : list_vulkan_devices(&why)) {
            qInfo("%s", d.summary().c_str());
            QVERIFY(d.device_local_bytes > 0);
            QVERIFY(d.free_device_memory > 0);
            QVERIFY(d.free_device_memory <= d.device_local_bytes);
            if (!d.memory_budget) QCOMPARE(d.free_device_memory, d.device_local_bytes);
            QVERIFY(d.summary().find(" MiB free") != std::string::npos);
        }
    }

    void tooLittleMemoryFallsBackWithTheReason() {
        KINGLET_REQUIRE_SHARED(path, "models/tiny-llama-q4_0.gguf");
        REQUIRE_VULKAN_DEVICE();
        auto m = Model::load(path.toStdString());
        SessionOptions so;
        so.n_ctx = 64;
        so.n_threads = 2;
        so.device = "0";  // named, so auto tries it even when it is a software device
        EnvGuard budget("KINGLET_VK_BUDGET_MB", "1");
        EnvGuard backend_env("KINGLET_BACKEND", "");

        so.backend = "auto";
        Session fallback(*m, so);
        QVERIFY2(fallback.backend_name().rfind("Vulkan", 0) != 0, fallback.backend_name().c_str());
        const QString note = QString::fromStdString(fallback.backend_note());
        qInfo("auto: %s", qPrintable(note));
        QVERIFY2(note.contains(QRegularExpression("the model needs \\d+ MiB of GPU memory .*, the device has 1 MiB free")),
                 qPrintable(note));
        QVERIFY(!fallback.eval({1, 2, 3}).empty());  // and the CPU runs it

        so.backend = "vulkan";
        try {
            Session refused(*m, so);
            QFAIL("the Vulkan backend was created although the model does not fit");
        } catch (const Error& e) {
            qInfo("vulkan: %s", e.what());
            QVERIFY2(QString(e.what()).contains("MiB of GPU memory") && QString(e.what()).contains("1 MiB free"), e.what());
        }

        // With room to spare the same request runs on the GPU.
        qputenv("KINGLET_VK_BUDGET_MB", "100000");
        Session fits(*m, so);
        QVERIFY2(fits.backend_name().rfind("Vulkan", 0) == 0, fits.backend_name().c_str());
    }
};

QTEST_GUILESS_MAIN(TestVulkanMemory)
#include "test_vulkan_memory.moc"
