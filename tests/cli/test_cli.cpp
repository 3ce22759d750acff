// kinglet-cli as other tools use it: outputs, JSON shapes and exit statuses.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "gguf_rewrite.h"
#include "shared_data.h"

namespace {

struct Run {
    int status = -1;
    QByteArray out, err;
};

Run cli(const QStringList& args, const QStringList& env = {}) {
    QProcess p;
    if (!env.isEmpty()) {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        for (const QString& kv : env) e.insert(kv.section('=', 0, 0), kv.section('=', 1));
        p.setProcessEnvironment(e);
    }
    p.start(QStringLiteral(KINGLET_BINARY_DIR "/bin/kinglet-cli"), args);
    p.closeWriteChannel();
    Run r;
    if (!p.waitForFinished(120000)) return r;
    r.status = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;  // -1: killed by a signal
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

}  // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void usageErrorsExitOne() {
        QCOMPARE(cli({}).status, 1);
        Run r = cli({"frobnicate"});
        QCOMPARE(r.status, 1);
        QVERIFY(r.err.startsWith("error: unknown command"));
        QCOMPARE(cli({"generate", "-m"}).status, 1);
        QCOMPARE(cli({"generate", "--temp", "abc", "-p", "x", "-m", "x.gguf"}).status, 1);
    }

    void modelErrorsExitTwo() {
        Run r = cli({"info", "-m", "/nonexistent/model.gguf"});
        QCOMPARE(r.status, 2);
        QVERIFY(r.err.startsWith("error: cannot open"));
        QCOMPARE(r.err.count('\n'), 1);
        QTemporaryDir dir;
        QFile junk(dir.path() + "/junk.gguf");
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray("GGUF\x03\0\0\0 this is not a model", 28));
        junk.close();
        r = cli({"generate", "-m", junk.fileName(), "-p", "hi"});
        QCOMPARE(r.status, 2);
        QVERIFY(r.err.startsWith("error: "));
    }

    void infoJson() {
        KINGLET_REQUIRE_SHARED(model, "models/tiny-qwen2-q4_k_m.gguf");
        Run r = cli({"info", "-m", model, "--json"});
        QCOMPARE(r.status, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j["architecture"].toString(), QString("qwen2"));
        QCOMPARE(j["layers"].toInt(), 2);
        QCOMPARE(j["vocab_size"].toInt(), 4003);
        QVERIFY(j["parameters"].toDouble() > 1e6);
        QVERIFY(j["tensor_types"].toObject().contains("Q4_K"));
        QCOMPARE(j["rope"].toString(), QString("neox, base 1000000"));
        QCOMPARE(j["sliding_window"].toInt(), 0);
        // The position encoding in a line, as the file describes it.
        const struct { const char* file; const char* rope; } cases[] = {
            {"models/tiny-llama3-f32.gguf", "normal, base 500000, Llama 3 frequency factors"},
            {"models/tiny-phi3-f32.gguf", "neox, base 1000000, 48 of 64 dims, LongRoPE factors (long past 4096 positions)"},
            {"models/tiny-gemma3-f16.gguf", "neox, base 1000000 (sliding-window layers 10000)"},
        };
        for (const auto& c : cases) {
            Run info = cli({"info", "-m", kinglet_test::sharedPath(c.file), "--json"});
            QCOMPARE(info.status, 0);
            QCOMPARE(QJsonDocument::fromJson(info.out).object()["rope"].toString(), QString(c.rope));
        }
        QVERIFY(!j.contains("multipliers"));  // none beyond Llama's graph
    }

    // Granite's multipliers and SmolLM3's layers without positions, from tiny-llama rewritten
    // as each (the keys renamed, the multipliers added).
    void infoShowsMultipliersAndNoPositionLayers() {
        KINGLET_REQUIRE_SHARED(model, "models/tiny-llama-f32.gguf");
        QTemporaryDir dir;
        auto f = kinglet::GgufFile::open(model.toStdString());
        auto as = [&](const std::string& arch, int repeat, const std::map<std::string, kinglet_test::KeyChange>& extra) {
            const QString path = dir.filePath(QString::fromStdString(arch) + ".gguf");
            kinglet_test::rewrite_as_arch(*f, arch, repeat, extra, path.toStdString());
            Run info = cli({"info", "-m", path, "--json"});
            return QJsonDocument::fromJson(info.out).object();
        };
        using kinglet::GgufValueType;
        const QJsonObject granite =
            as("granite", 1, {{"granite.embedding_scale", {false, kinglet_test::gguf_number(GgufValueType::F32, 12)}},
                           {"granite.residual_scale", {false, kinglet_test::gguf_number(GgufValueType::F32, 0.25)}},
                           {"granite.attention.scale", {false, kinglet_test::gguf_number(GgufValueType::F32, 0.0078125)}},
                           {"granite.logit_scale", {false, kinglet_test::gguf_number(GgufValueType::F32, 8)}}});
        QCOMPARE(granite["architecture"].toString(), QString("granite"));
        QCOMPARE(granite["multipliers"].toString(),
                 QString("embeddings x12, block outputs x0.25, attention scores x0.0078125, logits /8"));
        // tiny-llama's 2 layers repeated 4 times: layers 3 and 7 have no positions.
        const QJsonObject smol = as("smollm3", 4, {});
        QCOMPARE(smol["layers"].toInt(), 8);
        QCOMPARE(smol["rope"].toString(), QString("normal, base 10000, none in 2 of 8 layers"));
    }

    void tokenizeMatchesReference() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        KINGLET_REQUIRE_SHARED(refpath, "reference/stories260K.fox.json");
        QFile f(refpath);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject ref = QJsonDocument::fromJson(f.readAll()).object();
        Run r = cli({"tokenize", "-m", model, "-p", ref["prompt"].toString()});
        QCOMPARE(r.status, 0);
        QCOMPARE(QJsonDocument::fromJson(r.out).array(), ref["tokens"].toArray());
        Run nobos = cli({"tokenize", "-m", model, "-p", ref["prompt"].toString(), "--no-bos"});
        QCOMPARE(QJsonDocument::fromJson(nobos.out).array().size(), ref["tokens"].toArray().size() - 1);
    }

    void tokenizeVocabularyOnlyFiles() {
        KINGLET_REQUIRE_SHARED(vocab, "tokenizer/ggml-vocab-qwen2.gguf");
        Run r = cli({"tokenize", "-m", vocab, "-p", "Hello world", "--no-bos"});
        QCOMPARE(r.status, 0);
        QCOMPARE(QJsonDocument::fromJson(r.out).array(), QJsonArray({9707, 1879}));
        Run b = cli({"tokenize", "-m", vocab, "-p", "Hello world", "--bench"});
        QCOMPARE(b.status, 0);
        QVERIFY(QJsonDocument::fromJson(b.out).object()["mb_per_s"].toDouble() > 0);
    }

    // `template` prints a shared case's rendering byte for byte.
    void templateRendersExactly() {
        KINGLET_REQUIRE_SHARED(path, "templates/Qwen-Qwen2.5-7B-Instruct.json");
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject j = QJsonDocument::fromJson(f.readAll()).object();
        const QJsonObject c = j["cases"].toArray()[0].toObject();
        QTemporaryDir dir;
        QFile tmpl(dir.path() + "/t.jinja"), msgs(dir.path() + "/m.json");
        QVERIFY(tmpl.open(QIODevice::WriteOnly) && msgs.open(QIODevice::WriteOnly));
        tmpl.write(j["template"].toString().toUtf8());
        msgs.write(QJsonDocument(c["messages"].toArray()).toJson());
        tmpl.close();
        msgs.close();
        QStringList args = {"template", "--template-file", tmpl.fileName(), "--messages", msgs.fileName(),
                            "--bos", c["bos_token"].toString(), "--eos", c["eos_token"].toString()};
        if (c["add_generation_prompt"].toBool()) args << "--add-generation-prompt";
        Run r = cli(args);
        QCOMPARE(r.status, 0);
        QCOMPARE(QString::fromUtf8(r.out), c["expected"].toString());
    }

    // --messages may be an object: `messages` plus other template variables (tools, flags).
    void templateTakesVariables() {
        QTemporaryDir dir;
        QFile tmpl(dir.path() + "/t.jinja"), msgs(dir.path() + "/m.json");
        QVERIFY(tmpl.open(QIODevice::WriteOnly) && msgs.open(QIODevice::WriteOnly));
        tmpl.write("{% for t in tools %}[{{ t.function.name }}]{% endfor %}"
                   "{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}"
                   "{{ 'think' if enable_thinking is defined and enable_thinking else 'fast' }}"
                   "{% if add_generation_prompt %}>{% endif %}");
        msgs.write(R"({"tools": [{"type": "function", "function": {"name": "get_time"}}],
                      "messages": [{"role": "user", "content": "hi"}], "enable_thinking": true})");
        tmpl.close();
        msgs.close();
        Run r = cli({"template", "--template-file", tmpl.fileName(), "--messages", msgs.fileName()});
        QCOMPARE(r.status, 0);
        QCOMPARE(QString::fromUtf8(r.out), QString("[get_time]user:hi;think"));

        QVERIFY(msgs.open(QIODevice::WriteOnly | QIODevice::Truncate));
        msgs.write(R"({"messages": {"role": "user"}})");
        msgs.close();
        r = cli({"template", "--template-file", tmpl.fileName(), "--messages", msgs.fileName()});
        QCOMPARE(r.status, 2);
        QVERIFY2(r.err.contains("JSON array"), r.err.constData());
    }

    void generateIsDeterministicUnderSeed() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        const QStringList args = {"generate", "-m", model, "-p", "Once upon a time", "-n", "24", "--temp", "0.9",
                                  "--seed", "7", "--json"};
        Run a = cli(args), b = cli(args);
        QCOMPARE(a.status, 0);
        const QJsonObject ja = QJsonDocument::fromJson(a.out).object();
        QCOMPARE(ja["text"].toString(), QJsonDocument::fromJson(b.out).object()["text"].toString());
        QVERIFY(!ja["text"].toString().isEmpty());
        QCOMPARE(ja["tokens"].toArray().size(), 24);
        for (const char* key : {"load_ms", "prompt_ms", "gen_ms", "pp_tps", "tg_tps"})
            QVERIFY2(ja["timings"].toObject().contains(key), key);
    }

    void generateStreamsOnlyTextToStdout() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Run r = cli({"generate", "-m", model, "-p", "Lily", "-n", "16", "--temp", "0"});
        QCOMPARE(r.status, 0);
        QVERIFY(!r.out.trimmed().isEmpty());
        QVERIFY(!r.out.contains("tok/s"));
        QVERIFY(r.err.contains("tok/s"));
    }

    void logitsFollowReferenceSchema() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Run r = cli({"logits", "-m", model, "--tokens", "1,403,385", "--top", "5", "--gen", "3", "--json"});
        QCOMPARE(r.status, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j["tokens"].toArray().size(), 3);
        QCOMPARE(j["prompt_logits"].toArray().size(), 3);
        QCOMPARE(j["greedy"].toArray().size(), 3);
        QCOMPARE(j["greedy_logits"].toArray().size(), 3);
        const QJsonObject first = j["prompt_logits"].toArray()[0].toObject();
        QCOMPARE(first["top"].toArray().size(), 5);
        QVERIFY(first["lse"].toDouble() >= first["top"].toArray()[0].toArray()[1].toDouble());
        // The reference says token 403 is the best after BOS in stories260K.
        QCOMPARE(first["top"].toArray()[0].toArray()[0].toInt(), 403);
    }

    // KINGLET_MAX_BATCH (for speed comparisons) changes how a prompt is cut into batches,
    // never its logits: 40 tokens in batches of 16, 16 and 8 against one batch.
    void batchLimitKeepsLogits() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        QStringList ids;
        for (int i = 0; i < 40; ++i) ids << QString::number(i == 0 ? 1 : 3 + (i * 37) % 500);
        const QStringList args{"logits", "-m", model, "--tokens", ids.join(','), "--top", "3", "--json", "--backend", "cpu"};
        const Run whole = cli(args), cut = cli(args, {"KINGLET_MAX_BATCH=16"});
        QCOMPARE(whole.status, 0);
        QCOMPARE(cut.status, 0);
        const QJsonArray a = QJsonDocument::fromJson(whole.out).object()["prompt_logits"].toArray();
        const QJsonArray b = QJsonDocument::fromJson(cut.out).object()["prompt_logits"].toArray();
        QCOMPARE(a.size(), 40);
        QCOMPARE(b.size(), 40);
        for (int t = 0; t < 40; ++t)
            for (int k = 0; k < 3; ++k) {
                const QJsonArray x = a[t].toObject()["top"].toArray()[k].toArray();
                const QJsonArray y = b[t].toObject()["top"].toArray()[k].toArray();
                QCOMPARE(x[0].toInt(), y[0].toInt());
                QVERIFY2(std::fabs(x[1].toDouble() - y[1].toDouble()) < 1e-4, qPrintable(QString("position %1").arg(t)));
            }
    }

    void promptLongerThanContextIsAnError() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        QString prompt;
        for (int i = 0; i < 200; ++i) prompt += "The quick brown fox jumps. ";
        Run r = cli({"generate", "-m", model, "-p", prompt, "--ctx", "64", "-n", "4"});
        QCOMPARE(r.status, 2);
        QVERIFY2(r.err.contains("context"), r.err.constData());
    }

    void benchJson() {
        KINGLET_REQUIRE_SHARED(model, "models/stories260K.gguf");
        Run r = cli({"bench", "-m", model, "-p", "32", "-n", "8", "-r", "1", "--json"});
        QCOMPARE(r.status, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        for (const char* key : {"pp_tps", "tg_tps", "threads", "backend", "model_bytes", "sample_ms"})
            QVERIFY2(j.contains(key), key);
        QVERIFY(j["tg_tps"].toDouble() > 0);
        QVERIFY(j["sample_ms"].toDouble() > 0);  // the chat's sampling, timed on its own
        QCOMPARE(j["depth"].toInt(), 0);
        // Generation timed after 40 tokens already in the context.
        r = cli({"bench", "-m", model, "-p", "0", "-n", "8", "-d", "40", "-r", "1", "--json"});
        QCOMPARE(r.status, 0);
        const QJsonObject d = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(d["depth"].toInt(), 40);
        QVERIFY(d["tg_tps"].toDouble() > 0);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
