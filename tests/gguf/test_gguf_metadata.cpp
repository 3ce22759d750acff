// Real model files whose metadata has been tampered with, one key at a time: removed,
// set to 0, -1, a huge number, NaN, an empty string or a value of the wrong type. Each
// file either loads and generates, or is refused with a kinglet::Error whose message is
// short and printable. Nothing crashes (the sanitizer build runs this too).
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "model/model.h"
#include "runtime/generator.h"
#include "runtime/session.h"
#include "gguf_rewrite.h"
#include "shared_data.h"
#include "util/error.h"
#include "util/printable.h"

using namespace kinglet;

namespace {

using kinglet_test::gguf_number;
using kinglet_test::gguf_string;
using Tampering = kinglet_test::KeyChange;  // removed, or replaced with `value`

std::vector<Tampering> tamperings(const GgufValue& original) {
    std::vector<Tampering> out;
    out.push_back({true, {}});
    out.push_back({false, gguf_string("")});
    out.push_back({false, gguf_string("\x1b[31m" + std::string(3000, 'x'))});
    if (original.type == GgufValueType::Array) {
        GgufValue empty;
        empty.type = GgufValueType::Array;
        auto a = std::make_shared<GgufArray>();
        a->elem_type = std::get<std::shared_ptr<GgufArray>>(original.v)->elem_type;
        empty.v = a;
        out.push_back({false, empty});
    }
    for (double x : {0.0, -1.0, 1e12}) out.push_back({false, gguf_number(GgufValueType::I64, x)});
    for (double x : {0.0, -1.0, double(NAN), 1e30}) out.push_back({false, gguf_number(GgufValueType::F32, x)});
    return out;
}

void write_tampered(const GgufFile& f, const std::string& key, const Tampering& change, const std::string& path) {
    kinglet_test::rewrite_gguf(f, {{key, change}}, path);
}

// Loads the file and generates a few tokens on the CPU; returns the error, or "".
std::string load_and_generate(const std::string& path) {
    try {
        auto model = Model::load(path);
        SessionOptions options;
        options.backend = "cpu";
        options.n_threads = 1;
        options.n_ctx = 32;
        Session session(*model, options);
        GenerateRequest request;
        request.prompt = model->tokenizer().encode("Once upon a time <|im_end|>", true, true);
        if (request.prompt.empty()) request.prompt = {0};
        request.max_tokens = 3;
        generate(session, request, [](std::string_view) {});
        return "";
    } catch (const Error& e) {
        return e.what();
    }
}

bool printable_message(const std::string& m) {
    for (unsigned char c : m)
        if (c < 0x20 || c == 0x7F) return false;
    return m.size() <= 600;
}

}  // namespace

class TestGgufMetadata : public QObject {
    Q_OBJECT

private slots:
    void tamperedKeysLoadOrFailCleanly_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("qwen2 (byte-level BPE)") << "models/tiny-qwen2-q8_0.gguf";
        QTest::newRow("stories260K (SentencePiece)") << "models/stories260K.gguf";
        QTest::newRow("gemma3 (sliding window)") << "models/tiny-gemma3-q4_k_m.gguf";
    }

    void tamperedKeysLoadOrFailCleanly() {
        QFETCH(QString, file);
        KINGLET_REQUIRE_SHARED(path, file);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string out = (dir.path() + "/tampered.gguf").toStdString();
        auto f = GgufFile::open(path.toStdString());
        int loaded = 0, refused = 0;
        for (const auto& [key, original] : f->metadata()) {
            if (key == "general.alignment") continue;
            for (const Tampering& change : tamperings(original)) {
                write_tampered(*f, key, change, out);
                const std::string error = load_and_generate(out);
                const std::string what =
                    key + " = " + (change.remove ? "(removed)" : printable(change.value.to_display_string(), 40));
                QVERIFY2(printable_message(error), qPrintable(QString::fromStdString(what + ": " + printable(error, 300))));
                ++(error.empty() ? loaded : refused);
            }
        }
        qInfo("%d tampered files loaded and generated, %d refused with a message", loaded, refused);
        QVERIFY(loaded > 0 && refused > 0);
    }

    // Values that would make every logit NaN are refused by name.
    void nonPositiveRopeBaseIsRefused() {
        KINGLET_REQUIRE_SHARED(path, "models/tiny-qwen2-q8_0.gguf");
        QTemporaryDir dir;
        const std::string out = (dir.path() + "/rope.gguf").toStdString();
        auto f = GgufFile::open(path.toStdString());
        for (double base : {0.0, -10000.0}) {
            write_tampered(*f, "qwen2.rope.freq_base", {false, gguf_number(GgufValueType::F32, base)}, out);
            const std::string error = load_and_generate(out);
            QVERIFY2(error.find("qwen2.rope.freq_base' must be positive") != std::string::npos, error.c_str());
        }
    }

    // A key of the wrong form says so, rather than that it is missing.
    void wrongTypeIsNamed() {
        KINGLET_REQUIRE_SHARED(path, "models/tiny-qwen2-q8_0.gguf");
        QTemporaryDir dir;
        const std::string out = (dir.path() + "/type.gguf").toStdString();
        write_tampered(*GgufFile::open(path.toStdString()), "qwen2.block_count", {false, gguf_string("24")}, out);
        const std::string error = load_and_generate(out);
        QVERIFY2(error.find("'qwen2.block_count' is not an integer") != std::string::npos, error.c_str());
    }

    // Gemma 3's layer pattern: llama.cpp always uses 6 (5 sliding-window layers, then a
    // global one). A file's integer is honoured; another form (a per-layer array) is ignored
    // as llama.cpp ignores it, instead of refusing a file llama.cpp runs.
    void gemma3PatternOfAnotherFormIsIgnored() {
        KINGLET_REQUIRE_SHARED(path, "models/tiny-gemma3-q4_k_m.gguf");
        QTemporaryDir dir;
        const std::string out = (dir.path() + "/pattern.gguf").toStdString();
        auto f = GgufFile::open(path.toStdString());
        GgufValue per_layer;
        per_layer.type = GgufValueType::Array;
        auto arr = std::make_shared<GgufArray>();
        arr->elem_type = GgufValueType::Bool;
        arr->ints = {1, 1, 0};
        per_layer.v = arr;
        const std::map<std::string, Tampering> changes = {
            {"gemma3.attention.sliding_window", {false, gguf_number(GgufValueType::U32, 4)}},
            {"gemma3.attention.sliding_window_pattern", {false, per_layer}}};
        kinglet_test::rewrite_gguf(*f, changes, out);
        const Hparams h = read_hparams(*GgufFile::open(out));
        QCOMPARE(h.sliding_window, 4);
        for (int l = 0; l < h.n_layer; ++l) QCOMPARE(bool(h.layer_is_local[l]), (l + 1) % 6 != 0);
        QCOMPARE(load_and_generate(out), std::string());
    }

    // A tensor the graph would not read (here an attention-output bias, which some
    // variants have) means the model would run wrongly: it is refused by name. So is a
    // file whose block_count leaves layers out.
    void unusedTensorsAreRefused() {
        KINGLET_REQUIRE_SHARED(path, "models/tiny-llama-f32.gguf");
        QTemporaryDir dir;
        const std::string out = (dir.path() + "/extra.gguf").toStdString();
        auto f = GgufFile::open(path.toStdString());
        GgufWriter w;
        for (const auto& [k, v] : f->metadata())
            if (k != "general.alignment") w.set_value(k, v);
        for (const TensorInfo& t : f->tensors())
            w.add_tensor(t.name, t.type, std::vector<int64_t>(t.ne, t.ne + t.n_dims),
                         std::vector<uint8_t>(t.data, t.data + t.nbytes));
        w.add_tensor("blk.0.attn_output.bias", GgmlType::F32, {256}, std::vector<uint8_t>(256 * 4, 0));
        w.write(out);
        std::string error = load_and_generate(out);
        QVERIFY2(error.find("1 tensor that this version does not use (first: 'blk.0.attn_output.bias')") !=
                     std::string::npos, error.c_str());

        write_tampered(*f, "llama.block_count", {false, gguf_number(GgufValueType::U32, 1)}, out);
        error = load_and_generate(out);
        QVERIFY2(error.find("tensors that this version does not use (first: 'blk.1.") != std::string::npos, error.c_str());
    }

    // A hostile architecture name (escape sequences, megabytes long) is shown short and inert.
    void hostileNamesStayPrintable() {
        KINGLET_REQUIRE_SHARED(path, "models/stories260K.gguf");
        QTemporaryDir dir;
        const std::string out = (dir.path() + "/name.gguf").toStdString();
        auto f = GgufFile::open(path.toStdString());
        write_tampered(*f, "general.architecture", {false, gguf_string("\x1b]0;pwned\x07" + std::string(1 << 20, 'm'))}, out);
        const std::string error = load_and_generate(out);
        QVERIFY2(error.find("unsupported model architecture '\\x1B]0;pwned\\x07mmm") != std::string::npos, error.c_str());
        QVERIFY2(printable_message(error), error.c_str());
        QCOMPARE(printable("caf\xC3\xA9 \xFF\n"), std::string("caf\xC3\xA9 \\xFF\\x0A"));
        QCOMPARE(printable("\xE2\x82\xAC\xE2\x82\xAC", 4), std::string("\xE2\x82\xAC..."));  // cut between characters
    }
};

QTEST_GUILESS_MAIN(TestGgufMetadata)
#include "test_gguf_metadata.moc"
