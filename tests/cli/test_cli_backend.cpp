// Where a model runs when Vulkan is missing: with the loader hidden, or with a loader that
// finds no driver, `--backend auto` runs on the CPU and says why, and `--backend vulkan`
// fails with one clear error line. Each case is a fresh kinglet-cli process, because the
// loader and the Vulkan instance are opened once per process.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTest>

#include "shared_data.h"

namespace {

struct Run {
    int status = -1;
    QByteArray out, err;
};

Run run_cli(const QStringList& args, const QMap<QString, QString>& env) {
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.remove("KINGLET_BACKEND");  // the case decides
    for (auto it = env.begin(); it != env.end(); ++it) e.insert(it.key(), it.value());
    p.setProcessEnvironment(e);
    p.start(QStringLiteral(KINGLET_BINARY_DIR "/bin/kinglet-cli"), args);
    Run r;
    if (!p.waitForFinished(120000)) return r;
    r.status = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QJsonObject json_of(const QByteArray& out) { return QJsonDocument::fromJson(out.trimmed()).object(); }

}  // namespace

class TestCliBackend : public QObject {
    Q_OBJECT
private slots:
    void fallsBackToCpu_data() {
        QTest::addColumn<QString>("var");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("reason");
        QTest::newRow("loader hidden") << "KINGLET_VK_LOADER" << "/nonexistent/libvulkan.so.1" << "loader";
        // A loader that finds no driver (both the old and the new name of the variable).
        QTest::newRow("no driver") << "VK_ICD_FILENAMES" << "/nonexistent/icd.json" << "Vulkan";
    }

    void fallsBackToCpu() {
        QFETCH(QString, var);
        QFETCH(QString, value);
        QFETCH(QString, reason);
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        const QMap<QString, QString> env{{var, value}, {"VK_DRIVER_FILES", var == "VK_ICD_FILENAMES" ? value : ""}};

        const Run gen = run_cli({"generate", "-m", model, "-p", "Once upon", "-n", "4", "--json", "--backend", "auto"}, env);
        QCOMPARE(gen.status, 0);
        const QJsonObject j = json_of(gen.out);
        QVERIFY2(j.value("backend").toString().startsWith("CPU"), gen.out.constData());
        const QString note = j.value("backend_note").toString();
        QVERIFY2(note.startsWith("GPU not used: ") && note.contains(reason, Qt::CaseInsensitive), qPrintable(note));
        QVERIFY2(!j.value("text").toString().isEmpty(), gen.out.constData());

        const Run info = run_cli({"info", "-m", model, "--json", "--backend", "auto"}, env);
        QCOMPARE(info.status, 0);
        QCOMPARE(json_of(info.out).value("backend_note").toString(), note);

        const Run forced = run_cli({"generate", "-m", model, "-p", "Once upon", "-n", "4", "--backend", "vulkan"}, env);
        QVERIFY2(forced.status != 0, forced.out.constData());
        const QList<QByteArray> lines = forced.err.trimmed().split('\n');
        QVERIFY2(lines.size() == 1 && lines[0].startsWith("error: ") && lines[0].contains("Vulkan"), forced.err.constData());
        QVERIFY(forced.out.isEmpty());
    }

    // `devices` lists what the engine found, with what it checks before choosing a shader
    // path, and with the loader hidden says why there is none (exit status 0 either way).
    void devicesListsWhatWasFound() {
        const Run r = run_cli({"devices", "--json"}, {});
        QCOMPARE(r.status, 0);
        const QJsonObject j = json_of(r.out);
        const QJsonArray list = j.value("vulkan").toArray();
        if (list.isEmpty() && kinglet_test::inCi()) QFAIL("no Vulkan device listed in CI (lavapipe is installed there)");
        for (const QJsonValue& v : list) {
            const QJsonObject d = v.toObject();
            QVERIFY2(!d.value("name").toString().isEmpty(), r.out.constData());
            for (const char* key : {"subgroup_arithmetic", "tensor_cores", "fp16", "memory_budget"})
                QVERIFY2(d.value(key).isBool(), key);
            QVERIFY(d.value("max_shared_memory").toDouble() >= 16384);  // the least Vulkan allows
            // Software devices have no tensor cores; a GPU that says so gets the tensor-core prompt kernel.
            if (d.value("type").toString() == "cpu") QVERIFY(!d.value("tensor_cores").toBool());
        }
        const Run text = run_cli({"devices"}, {});
        QCOMPARE(text.status, 0);
        QVERIFY(text.out.startsWith("CPU: always available\n"));
        QCOMPARE(text.out.count("\nVulkan "), list.size());

        const Run none = run_cli({"devices", "--json"}, {{"KINGLET_VK_LOADER", "/nonexistent/libvulkan.so.1"}});
        QCOMPARE(none.status, 0);
        const QJsonObject n = json_of(none.out);
        QVERIFY(n.value("vulkan").toArray().isEmpty());
        QVERIFY2(n.value("reason").toString().contains("loader", Qt::CaseInsensitive), none.out.constData());
        const Run none_text = run_cli({"devices"}, {{"KINGLET_VK_LOADER", "/nonexistent/libvulkan.so.1"}});
        QVERIFY2(none_text.out.contains("Vulkan: none ("), none_text.out.constData());
    }

    void cpuIsNeverANote() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        const Run r = run_cli({"info", "-m", model, "--json", "--backend", "cpu"}, {});
        QCOMPARE(r.status, 0);
        const QJsonObject j = json_of(r.out);
        QVERIFY(j.value("backend").toString().startsWith("CPU"));
        QCOMPARE(j.value("backend_note").toString(), QString());  // the user asked for the CPU: nothing to explain
    }
};

QTEST_GUILESS_MAIN(TestCliBackend)
#include "test_cli_backend.moc"
