// Where a model runs when Vulkan is missing: with the loader hidden, or with a loader that
// finds no driver, `--backend auto` runs on the CPU and says why, and `--backend vulkan`
// fails with one clear error line. Each case is a fresh kinglet-cli process, because the
// loader and the Vulkan instance are opened once per process.
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
