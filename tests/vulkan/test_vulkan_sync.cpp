// The Vulkan backend's synchronisation under the Khronos validation layer's synchronisation
// checks (package vulkan-validationlayers): prompts in several batches and decode steps that
// reuse their command buffer, on models that take different paths (V of another type than Q
// and K, Q/K norms, NEOX rotation, Gemma's norms), with the decode fusions on and off, split
// prompt products and the decode attention on prompts. Not one hazard may be reported.
// lavapipe runs every command in order whatever the barriers say, so only the layer can tell
// a barrier that names too few stages or accesses for a GPU. Each run is a fresh kinglet-cli
// process: the layer is chosen when the Vulkan instance is created.
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTest>

#include "shared_data.h"

namespace {

struct Run {
    int status = -1;
    QByteArray output;  // stdout and stderr: the layer reports to stdout, the CLI to both
};

Run run_validated(const QStringList& args, const QMap<QString, QString>& env) {
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert("VK_INSTANCE_LAYERS", "VK_LAYER_KHRONOS_validation");
    e.insert("VK_LAYER_ENABLES", "VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT");
    for (auto it = env.begin(); it != env.end(); ++it) e.insert(it.key(), it.value());
    p.setProcessEnvironment(e);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(KINGLET_BINARY_DIR "/bin/kinglet-cli"), args);
    Run r;
    if (!p.waitForFinished(300000)) return r;
    r.status = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.output = p.readAll();
    return r;
}

// Where the Vulkan loader looks for explicit layers (the system's directories).
bool validation_layer_installed() {
    for (const char* dir : {"/usr/share/vulkan/explicit_layer.d", "/usr/local/share/vulkan/explicit_layer.d",
                            "/etc/vulkan/explicit_layer.d"})
        if (QFileInfo::exists(QString(dir) + "/VkLayer_khronos_validation.json")) return true;
    return false;
}

int hazards(const QByteArray& output) { return int(output.count("SYNC-HAZARD")) + int(output.count("Validation Error")); }

// The generate command for a model of ../shared, greedy, on Vulkan (named, so even lavapipe).
QStringList generate(const QString& model, int n) {
    return {"generate", "-m", model, "-p", "Once upon a time there was a little girl who lived in a small house",
            "-n", QString::number(n), "--temp", "0", "--backend", "vulkan", "--device", "0"};
}

}  // namespace

#define REQUIRE_VALIDATION_LAYER()                                                             \
    if (!validation_layer_installed()) {                                                       \
        const char* why_ = "the Khronos validation layer is not installed (vulkan-validationlayers)"; \
        if (kinglet_test::inCi()) QFAIL(why_);                                                  \
        QSKIP(why_);                                                                            \
    }

class TestVulkanSync : public QObject {
    Q_OBJECT
private slots:
    // The check itself works: with the barriers left out (a test hook), the layer reports
    // hazards, and the run says it was on Vulkan.
    void layerSeesMissingBarriers() {
        REQUIRE_VALIDATION_LAYER();
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        const Run r = run_validated(generate(model, 3), {{"KINGLET_VK_TEST_DROP_BARRIERS", "1"}});
        if (r.output.contains("no Vulkan device") || r.output.contains("GPU not used")) {
            if (kinglet_test::inCi()) QFAIL(r.output.constData());
            QSKIP("no Vulkan device");
        }
        QVERIFY2(hazards(r.output) > 0, r.output.right(2000).constData());
    }

    void noHazards_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("env");  // K=V,K2=V2
        // Prompts of about 30 tokens in batches of 16: a second batch reads the first's cache.
        const QString batches = "KINGLET_MAX_BATCH=16";
        QTest::newRow("llama, V of another type") << "tiny-llama-q4_k_m" << batches;
        QTest::newRow("llama, no fusion") << "tiny-llama-q4_k_m" << batches + ",KINGLET_VK_NO_FUSION=1";
        QTest::newRow("llama, split prompt products") << "tiny-llama-q8_0" << "KINGLET_VK_SPLIT_K=3";
        QTest::newRow("llama, prompt on decode attention") << "tiny-llama-f16" << "KINGLET_VK_NO_PROMPT_ATTENTION=1";
        QTest::newRow("qwen2, biases") << "tiny-qwen2-q4_k_m" << batches;
        QTest::newRow("qwen3, Q/K norms") << "tiny-qwen3-q4_k_m" << batches;
        QTest::newRow("phi3") << "tiny-phi3-q4_k_m" << batches;
        QTest::newRow("gemma3") << "tiny-gemma3-q4_k_m" << batches;
        QTest::newRow("gemma3, no fusion") << "tiny-gemma3-f16" << "KINGLET_VK_NO_FUSION=1";
        QTest::newRow("shared-memory decode kernel") << "tiny-llama-q6_k" << "KINGLET_VK_NO_SUBGROUPS=1";
    }

    void noHazards() {
        QFETCH(QString, model);
        QFETCH(QString, env);
        REQUIRE_VALIDATION_LAYER();
        KINGLET_REQUIRE_SHARED(path, "models/" + model + ".gguf");
        QMap<QString, QString> vars;
        for (const QString& kv : env.split(',', Qt::SkipEmptyParts)) vars.insert(kv.section('=', 0, 0), kv.section('=', 1));
        const Run r = run_validated(generate(path, 6), vars);
        QVERIFY2(r.status == 0, r.output.right(2000).constData());
        QVERIFY2(r.output.contains("Vulkan"), r.output.right(2000).constData());
        QVERIFY2(hazards(r.output) == 0, r.output.left(4000).constData());
    }
};

QTEST_GUILESS_MAIN(TestVulkanSync)
#include "test_vulkan_sync.moc"
