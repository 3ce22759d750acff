// `kinglet-cli summarize` as other tools use it: the result on stdout, "part N of M" on
// stderr, the JSON shape, and exit statuses with one "error:" line.
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "shared_data.h"

namespace {

struct Run {
    int status = -1;
    QByteArray out, err;
};

Run cli(const QStringList& args, const QByteArray& input = {}) {
    QProcess p;
    p.start(QStringLiteral(KINGLET_BINARY_DIR "/bin/kinglet-cli"), args);
    if (!input.isEmpty()) p.write(input);
    p.closeWriteChannel();
    Run r;
    if (!p.waitForFinished(600000)) return r;
    r.status = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;  // -1: killed by a signal
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// A long, story-like text: paragraphs of sentences.
QByteArray longText(int chars) {
    const QList<QByteArray> sentences = {
        "Lily went to the park with her dog.", "The sun was warm and the birds sang.",
        "She found a red ball under a big tree!", "Her friend Tom wanted to play too.",
        "They shared the ball and laughed all day.", "When it got dark, they went home happy."};
    QByteArray out;
    for (int i = 0; out.size() < chars;) {
        out += sentences[i % sentences.size()];
        out += (++i % 7 == 0) ? "\n\n" : " ";
    }
    return out;
}

}  // namespace

class TestCliSummarize : public QObject {
    Q_OBJECT
private slots:
    void shortTextFromStdin() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Run r = cli({"summarize", "-m", model, "-n", "24", "--seed", "7", "--threads", "1"},
                    "Lily and Tom played with a red ball in the park.");
        QCOMPARE(r.status, 0);
        QVERIFY2(!r.out.trimmed().isEmpty(), r.err.constData());
        QVERIFY2(!r.err.contains("part 1 of"), r.err.constData());  // it fit: no parts
        Run again = cli({"summarize", "-m", model, "-n", "24", "--seed", "7", "--threads", "1"},
                        "Lily and Tom played with a red ball in the park.");
        QCOMPARE(again.out, r.out);  // same seed, same answer
    }

    void longFileGoesMapReduceAndReportsParts() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        QTemporaryDir dir;
        QFile f(dir.filePath("long.txt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        const QByteArray text = longText(200000);
        f.write(text);
        f.close();
        // A small context and short answers keep the 200,000 characters quick.
        Run r = cli({"summarize", "-m", model, "-f", f.fileName(), "--json", "--ctx", "256", "-n", "12",
                     "--threads", "1", "--action", "key points"});
        QCOMPARE(r.status, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QVERIFY2(!j.isEmpty(), r.out.left(400).constData());
        const int chunks = j["chunks"].toInt();
        QVERIFY2(chunks > 50, qPrintable(QString::number(chunks)));
        QVERIFY(j["rounds"].toInt() >= 1);
        QCOMPARE(j["action"].toString(), QString("key-points"));
        QVERIFY(j.contains("text"));
        const QJsonObject t = j["timings"].toObject();
        for (const char* key : {"load_ms", "split_ms", "prompt_ms", "gen_ms", "total_ms"})
            QVERIFY2(t[key].toDouble() > 0, key);
        QVERIFY(t["steps"].toInt() > chunks);
        QVERIFY(t["prompt_tokens"].toInt() > text.size() / 8);
        // Progress on stderr: every part of the first round in order, then the summaries'.
        const QString err = QString::fromUtf8(r.err);
        for (int part : {1, chunks / 2, chunks})
            QVERIFY2(err.contains(QStringLiteral("part %1 of %2\n").arg(part).arg(chunks)), qPrintable(err.left(300)));
        QVERIFY(err.contains("combining summaries"));
        QVERIFY(!err.contains("error"));
        qInfo("200,000 characters: %d parts, %d rounds, %d steps, %.0f ms", chunks, j["rounds"].toInt(),
              t["steps"].toInt(), t["total_ms"].toDouble());
    }

    void errorsExitWithOneLine() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Run r = cli({"summarize", "-m", model, "--action", "juggle"}, "text");
        QCOMPARE(r.status, 1);
        QVERIFY(r.err.startsWith("error: no action 'juggle'"));
        QVERIFY(r.err.contains("summarize"));
        QCOMPARE(cli({"summarize", "-m", model, "stray"}, "text").status, 1);
        QCOMPARE(cli({"summarize", "-m", model, "-n", "-5"}, "text").status, 1);

        r = cli({"summarize", "-m", model}, " \n\t\n");
        QCOMPARE(r.status, 2);
        QCOMPARE(r.err, QByteArray("error: no text came on standard input\n"));
        r = cli({"summarize", "-m", model, "-f", "/nonexistent/file.txt"});
        QCOMPARE(r.status, 2);
        QVERIFY(r.err.startsWith("error: cannot read"));
        r = cli({"summarize", "-m", "/nonexistent/model.gguf"}, "some text");
        QCOMPARE(r.status, 2);
        QVERIFY(r.err.startsWith("error: "));
        QCOMPARE(r.err.count('\n'), 1);
        // Binary junk is text to the splitter: no crash, a normal exit.
        QByteArray junk;
        for (int i = 0; i < 20000; ++i) junk += char((i * 7919) & 0xFF);
        r = cli({"summarize", "-m", model, "--ctx", "256", "-n", "4", "--threads", "1"}, junk);
        QVERIFY2(r.status == 0 || (r.status == 2 && r.err.startsWith("error: ")), r.err.left(300).constData());
    }
};

QTEST_APPLESS_MAIN(TestCliSummarize)
#include "test_cli_summarize.moc"
