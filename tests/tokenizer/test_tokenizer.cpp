// Tokenizers against llama.cpp: its vocabulary test files (../shared/tokenizer), the
// prompt tokens of every reference run (../shared/reference), special tokens, end of
// generation, hostile vocabularies and speed.
#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sentencepiece_processor.h>
#include <sstream>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "shared_data.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/unicode_util.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "test_tokenizer_util.h"

using namespace kinglet;
using json = nlohmann::json;

namespace {

std::string read_file(const QString& path) {
    std::ifstream f(path.toStdString(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string ids_str(const std::vector<TokenId>& v) {
    std::string s;
    for (TokenId t : v) s += (s.empty() ? "" : " ") + std::to_string(t);
    return s;
}

std::unique_ptr<Tokenizer> load(const QString& path) {
    auto f = GgufFile::open(path.toStdString());
    return Tokenizer::from_gguf(*f);
}

// llama.cpp's test-tokenizer-0 format: cases split by "\n__ggml_vocab_test__\n", one
// line of ids per case.
struct Case {
    std::string text;
    std::vector<TokenId> ids;
};

std::vector<Case> read_cases(const QString& gguf) {
    const std::string inp = read_file(gguf + ".inp"), out = read_file(gguf + ".out");
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> texts;
    for (size_t pos = 0;;) {
        size_t e = inp.find(sep, pos);
        if (e == std::string::npos) break;
        texts.push_back(inp.substr(pos, e - pos));
        pos = e + sep.size();
    }
    std::vector<Case> cases;
    std::istringstream lines(out);
    std::string line;
    for (const std::string& t : texts) {
        if (!std::getline(lines, line)) break;
        Case c{t, {}};
        std::istringstream ids(line);
        for (long long id; ids >> id;) c.ids.push_back(static_cast<TokenId>(id));
        cases.push_back(std::move(c));
    }
    return cases;
}


}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private slots:
    void vocabCases_data() {
        QTest::addColumn<QString>("name");
        for (const char* n : {"llama-spm", "phi-3", "llama-bpe", "qwen2", "gpt-2"}) QTest::newRow(n) << QString(n);
    }

    // Every test case llama.cpp ships for these vocabularies.
    void vocabCases() {
        QFETCH(QString, name);
        KINGLET_REQUIRE_SHARED(path, "tokenizer/ggml-vocab-" + name + ".gguf");
        auto tok = load(path);
        const auto cases = read_cases(path);
        QVERIFY(cases.size() >= 30);
        int bad = 0;
        std::string report;
        for (const Case& c : cases) {
            auto got = tok->encode(c.text, false, false);
            if (got != c.ids) {
                ++bad;
                report += "\n  '" + c.text + "'\n    want " + ids_str(c.ids) + "\n    got  " + ids_str(got);
            }
        }
        qInfo("%s: %d/%zu cases agree", qPrintable(name), int(cases.size()) - bad, cases.size());
        QVERIFY2(bad == 0, report.c_str());
    }

    void roundTrip_data() { vocabCases_data(); }

    // decode(encode(x)) == x for every test string, plus emoji, CJK, combining marks and
    // characters only byte fallback can spell.
    void roundTrip() {
        QFETCH(QString, name);
        KINGLET_REQUIRE_SHARED(path, "tokenizer/ggml-vocab-" + name + ".gguf");
        auto tok = load(path);
        std::vector<std::string> texts;
        for (const Case& c : read_cases(path)) texts.push_back(c.text);
        for (const char* extra : {"\xF0\x9F\xA6\x99 llamas \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C\xE4\xB8\x96\xE7\x95\x8C",
                                  "e\xCC\x81 cafe\xCC\x81 n\xCC\x83", "\xEA\xB0\x80\xE1\x84\x80 \xF0\x90\x8D\x88", "tab\there\n\nnew  lines   "})
            texts.push_back(extra);
        int bad = 0;
        std::string report;
        for (const std::string& text : texts) {
            const std::string back = tok->decode(tok->encode(text, false, false));
            if (back != text) {
                ++bad;
                report += "\n  '" + text + "' came back as '" + back + "'";
            }
        }
        QVERIFY2(bad == 0, report.c_str());
    }

    // The prompt tokens llama.cpp used for every reference run (BOS where the model adds one).
    void referencePrompts() {
        KINGLET_REQUIRE_SHARED(dir, "reference");
        const QStringList files = QDir(dir).entryList({"*.json"}, QDir::Files, QDir::Name);
        QVERIFY(!files.isEmpty());
        int checked = 0;
        std::string report;
        for (const QString& f : files) {
            const QString model = f.section('.', 0, 0);
            KINGLET_REQUIRE_SHARED(gguf, "models/" + model + ".gguf");
            const json ref = json::parse(read_file(dir + "/" + f));
            auto tok = load(gguf);
            const auto want = ref["tokens"].get<std::vector<TokenId>>();
            const auto got = tok->encode(ref["prompt"].get<std::string>(), true, false);
            if (got != want) report += "\n  " + f.toStdString() + ": want " + ids_str(want) + "\n    got " + ids_str(got);
            QCOMPARE(tok->n_tokens(), ref["n_vocab"].get<int>());
            ++checked;
        }
        qInfo("%d reference prompts checked", checked);
        QVERIFY2(report.empty(), report.c_str());
    }

    void specialTokensBpe() {
        KINGLET_REQUIRE_SHARED(path, "tokenizer/ggml-vocab-qwen2.gguf");
        auto tok = load(path);
        const TokenId im_start = 151644, im_end = 151645;
        QCOMPARE(tok->token_text(im_end), std::string("<|im_end|>"));
        const std::string text = "<|im_start|>user\nHi<|im_end|>\n";
        auto parsed = tok->encode(text, false, true);
        QCOMPARE(parsed.front(), im_start);
        QCOMPARE(std::count(parsed.begin(), parsed.end(), im_end), 1);
        // A user typing the marker gets plain text, never the control token.
        auto plain = tok->encode(text, false, false);
        QVERIFY(std::find(plain.begin(), plain.end(), im_end) == plain.end());
        QVERIFY(std::find(plain.begin(), plain.end(), im_start) == plain.end());
        std::string back;
        for (TokenId t : plain) back += tok->token_to_piece(t);
        QCOMPARE(back, text);
        // The fragments between special tokens are tokenized on their own.
        std::vector<TokenId> want{im_start};
        for (TokenId t : tok->encode("user\nHi", false, false)) want.push_back(t);
        want.push_back(im_end);
        for (TokenId t : tok->encode("\n", false, false)) want.push_back(t);
        QCOMPARE(parsed, want);
        // Control tokens print only when asked.
        QCOMPARE(tok->token_to_piece(im_end), std::string());
        QCOMPARE(tok->token_to_piece(im_end, true), std::string("<|im_end|>"));
        QCOMPARE(tok->token_type(im_end), TokenType::Control);
    }

    void specialTokensSpm() {
        KINGLET_REQUIRE_SHARED(path, "tokenizer/ggml-vocab-llama-spm.gguf");
        auto tok = load(path);
        QCOMPARE(tok->kind(), std::string("sentencepiece"));
        // Each text fragment after a special token gets SentencePiece's leading space again.
        auto got = tok->encode("Hello</s>world", true, true);
        std::vector<TokenId> want{1};
        for (TokenId t : tok->encode("Hello", false, false)) want.push_back(t);
        want.push_back(2);
        for (TokenId t : tok->encode("world", false, false)) want.push_back(t);
        QCOMPARE(got, want);
        // Without parse_special, "</s>" is text.
        auto plain = tok->encode("Hello</s>world", false, false);
        QVERIFY(std::find(plain.begin(), plain.end(), 2) == plain.end());
        // Pieces: U+2581 prints as a space, byte tokens as their byte, controls not at all.
        QCOMPARE(tok->token_to_piece(tok->encode("Hello", false, false).front()), std::string(" Hello"));
        QCOMPARE(tok->token_to_piece(3 + 0x41), std::string("A"));
        QCOMPARE(tok->token_to_piece(2), std::string());
        QCOMPARE(tok->token_to_piece(2, true), std::string("</s>"));
        QCOMPARE(tok->token_to_piece(-5), std::string());
        QCOMPARE(tok->token_to_piece(1 << 30), std::string());
        QCOMPARE(tok->encode("", true, false), std::vector<TokenId>{1});
        QVERIFY(tok->encode("", false, false).empty());
    }

    // tiny-llama's vocabulary came from tiny2k.model (identity normalizer, whitespace
    // kept, byte fallback): for text without control-token look-alikes or malformed UTF-8,
    // llama.cpp's SPM and sentencepiece itself agree, so the original model is an
    // independent oracle for thousands of random strings.
    void spmMatchesOriginalModel() {
        KINGLET_REQUIRE_SHARED(model, "models/tiny2k.model");
        KINGLET_REQUIRE_SHARED(gguf, "models/tiny-llama-f32.gguf");
        sentencepiece::SentencePieceProcessor sp;
        QVERIFY(sp.Load(model.toStdString()).ok());
        auto tok = load(gguf);
        const std::vector<std::string> alphabet = {
            "a", "e", "t", "th", "he", "in", "the", "ing", "The", "Q", "z", " ", " ", " ", "  ", "\n", "\t", "\r\n",
            "0", "1", "42", ".", ",", "!", "'", "\"", "-", "(", "\u00e9", "\u00fc", "\u65e5\u672c", "\U0001F999",
            "\u2581", "\u00a0", "\u3000", "node", "de", "no", "re", "an", "er", " and", " of",
        };
        uint32_t x = 2024;
        int n = 0;
        for (int i = 0; i < 4000; ++i) {
            std::string text;
            x = x * 1664525u + 1013904223u;
            const int len = 1 + int(x >> 27);
            for (int k = 0; k < len; ++k) {
                x = x * 1664525u + 1013904223u;
                text += alphabet[(x >> 8) % alphabet.size()];
            }
            std::vector<int> want;
            QVERIFY(sp.Encode(text, &want).ok());
            const auto got = tok->encode(text, false, false);
            QVERIFY2(std::vector<TokenId>(want.begin(), want.end()) == got,
                     ("'" + text + "'\n  sentencepiece " + ids_str({want.begin(), want.end()}) + "\n  kinglet       " +
                      ids_str(got)).c_str());
            ++n;
        }
        qInfo("%d random strings agree with sentencepiece", n);
    }

    // Phi-3 (recognised by general.name) drops the whitespace after its special tokens,
    // and each text fragment gets the SentencePiece leading space.
    void specialTokensPhi3() {
        KINGLET_REQUIRE_SHARED(path, "tokenizer/ggml-vocab-phi-3.gguf");
        auto tok = load(path);
        const TokenId user = 32010, end = 32007, assistant = 32001;
        QCOMPARE(tok->token_text(user), std::string("<|user|>"));
        std::vector<TokenId> want{1, user};
        for (TokenId t : tok->encode("Hello", false, false)) want.push_back(t);
        want.push_back(end);
        want.push_back(assistant);
        QCOMPARE(tok->encode("<|user|>\n  Hello<|end|>\n<|assistant|>\n", true, true), want);
    }

    void endOfGeneration() {
        struct Want {
            const char* file;
            std::vector<std::string> eog;
            std::vector<std::string> not_eog;
        };
        const std::vector<Want> wants = {
            {"tokenizer/ggml-vocab-llama-bpe.gguf", {"<|eot_id|>", "<|end_of_text|>"}, {"<|begin_of_text|>", "Hello"}},
            {"tokenizer/ggml-vocab-qwen2.gguf", {"<|im_end|>", "<|endoftext|>"}, {"<|im_start|>"}},
            {"tokenizer/ggml-vocab-llama-spm.gguf", {"</s>"}, {"<s>", "<unk>"}},
            {"tokenizer/ggml-vocab-phi-3.gguf", {"<|end|>", "<|endoftext|>"}, {"<|user|>", "<|assistant|>"}},
            {"tokenizer/ggml-vocab-gpt-2.gguf", {"<|endoftext|>"}, {"hello"}},
        };
        for (const Want& w : wants) {
            KINGLET_REQUIRE_SHARED(path, w.file);
            auto tok = load(path);
            std::map<std::string, TokenId> ids;
            for (TokenId i = 0; i < tok->n_tokens(); ++i) ids[tok->token_text(i)] = i;
            for (const auto& t : w.eog) {
                QVERIFY2(ids.count(t), t.c_str());
                QVERIFY2(tok->is_end_of_generation(ids[t]), (std::string(w.file) + ": " + t).c_str());
            }
            for (const auto& t : w.not_eog) {
                QVERIFY2(ids.count(t), t.c_str());
                QVERIFY2(!tok->is_end_of_generation(ids[t]), (std::string(w.file) + ": " + t).c_str());
            }
            QVERIFY(tok->is_end_of_generation(tok->eos_id()));
            QVERIFY(!tok->is_end_of_generation(-1));
        }
    }

    void streamingDetokenizer() {
        KINGLET_REQUIRE_SHARED(path, "tokenizer/ggml-vocab-llama-spm.gguf");
        auto tok = load(path);
        // "🦙" is not in the vocabulary: four byte tokens.
        auto ids = tok->encode("🦙!", false, false);
        QCOMPARE(tok->token_text(ids[1]), std::string("<0xF0>"));
        StreamingDetokenizer d(*tok);
        std::string out;
        QCOMPARE(d.push(ids[0]), std::string(" "));
        QCOMPARE(d.push(ids[1]), std::string());
        QCOMPARE(d.push(ids[2]), std::string());
        QCOMPARE(d.push(ids[3]), std::string());
        QCOMPARE(d.push(ids[4]), std::string("🦙"));
        QCOMPARE(d.push(ids[5]), std::string("!"));
        QCOMPARE(d.flush(), std::string());
        // An unfinished character at the end, and a byte that can never start one.
        StreamingDetokenizer e(*tok);
        QCOMPARE(e.push(3 + 0xE4), std::string());
        QCOMPARE(e.push(3 + 0xB8), std::string());
        QCOMPARE(e.flush(), std::string("\xEF\xBF\xBD"));
        QCOMPARE(e.push(3 + 0xFF), std::string("\xEF\xBF\xBD"));
        QCOMPARE(e.push(3 + 0xE4), std::string());
        QCOMPARE(e.push(3 + 0x41), std::string("\xEF\xBF\xBD" "A"));
        QCOMPARE(e.flush(), std::string());
    }

    void streamingDetokenizerBpe() {
        KINGLET_REQUIRE_SHARED(path, "tokenizer/ggml-vocab-qwen2.gguf");
        auto tok = load(path);
        const std::string text = "Grüße 🦙🦙 日本語のテキスト — ok";
        StreamingDetokenizer d(*tok);
        std::string out;
        int partial = 0;
        for (TokenId t : tok->encode(text, false, false)) {
            std::string piece = tok->token_to_piece(t), got = d.push(t);
            partial += got != piece;
            out += got;
        }
        out += d.flush();
        QCOMPARE(out, text);
        QVERIFY(partial > 0);  // some characters were split over tokens
    }

    // Each pre-tokenizer splits like llama.cpp's regex chain for it, quirks included.
    void pretokenizers() {
        int n = 0;
        for (const auto& c : tok_test::pretokenizer_cases()) {
            const auto info = tok::pre_info(c.pre);
            QVERIFY2(info.known, c.pre.c_str());
            const auto cpts = tok::decode_utf8_lossy(c.text);
            std::vector<std::string> words;
            for (auto [b, e] : tok::pretokenize(info.kind, cpts)) {
                std::string w;
                for (size_t i = b; i < e; ++i) tok::append_utf8(w, cpts[i]);
                words.push_back(w);
            }
            auto show = [](const std::vector<std::string>& v) {
                std::string s;
                for (const auto& w : v) s += "[" + w + "]";
                return s;
            };
            QVERIFY2(words == c.words, (c.pre + ": '" + c.text + "'\n  want " + show(c.words) + "\n  got  " + show(words)).c_str());
            ++n;
        }
        qInfo("%d pre-tokenizer cases", n);
        QVERIFY(tok::pre_info("llama4").kind == tok::PreKind::Gpt4o);
        QVERIFY(tok::pre_info("smollm").kind == tok::PreKind::Starcoder);
        QVERIFY(tok::pre_info("command-r").kind == tok::PreKind::Starcoder);
        QVERIFY(tok::pre_info("refact").kind == tok::PreKind::Starcoder);
        QVERIFY(tok::pre_info("llama3").ignore_merges);
        QVERIFY(!tok::pre_info("something-new").known);
    }

    // Broken vocabularies are refused with kinglet::Error, never a crash.
    void hostileVocabularies() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        for (const auto& v : tok_test::write_broken_vocabs(dir.path().toStdString())) {
            std::unique_ptr<GgufFile> f;
            try {
                f = GgufFile::open(v.path);
            } catch (const Error& e) {
                QFAIL(qPrintable(QString::fromStdString(v.what + ": the GGUF reader already refused it: " + e.what())));
            }
            bool refused = false;
            try {
                Tokenizer::from_gguf(*f);
            } catch (const Error& e) {
                refused = true;
                qInfo("%s -> %s", v.what.c_str(), e.what());
            }
            QVERIFY2(refused, v.what.c_str());
        }
    }

    // Odd but loadable vocabularies load, and no input crashes any tokenizer.
    void oddVocabulariesAndInputs() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::vector<std::string> paths;
        for (const auto& v : tok_test::write_odd_vocabs(dir.path().toStdString())) paths.push_back(v.path);
        for (const char* n : {"llama-spm", "phi-3", "llama-bpe", "qwen2", "gpt-2"}) {
            const QString p = kinglet_test::sharedPath(QString("tokenizer/ggml-vocab-%1.gguf").arg(n));
            if (QFileInfo::exists(p)) paths.push_back(p.toStdString());
        }
        const auto inputs = tok_test::nasty_inputs();
        for (const auto& path : paths) {
            auto f = GgufFile::open(path);
            std::unique_ptr<Tokenizer> tok;
            try {
                tok = Tokenizer::from_gguf(*f);
            } catch (const Error& e) {
                QFAIL(qPrintable(QString::fromStdString(path + ": " + e.what())));
            }
            for (const auto& in : inputs)
                for (bool special : {false, true}) {
                    for (TokenId t : tok->encode(in, true, special)) {
                        QVERIFY(t >= 0 && t < tok->n_tokens());
                        (void)tok->token_to_piece(t, special);
                    }
                }
            // Byte-level BPE is lossless for valid UTF-8 whatever the vocabulary.
            if (tok->kind().rfind("bpe:", 0) == 0 && tok->n_tokens() > 256) {
                const std::string text = "a ab\tb\n\n 🦙 <|im_end|> 'll x";
                std::string back;
                for (TokenId t : tok->encode(text, false, false)) back += tok->token_to_piece(t, true);
                QCOMPARE(back, text);
            }
        }
    }

    // A token that repeats an earlier one (official Gemma GGUFs have some): the file loads,
    // text encodes to the first id, and the repeat still decodes to its text.
    void repeatedTokensKeepFirstId() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto files = tok_test::write_repeat_vocabs(dir.path().toStdString());
        QCOMPARE(files.size(), size_t(2));
        struct Expect { const char* text; TokenId first, repeat; const char* piece; };
        const Expect expect[] = {{"ab", 264, 266, " ab"}, {"ab", 257, 259, "ab"}};
        for (size_t i = 0; i < files.size(); ++i) {
            auto f = GgufFile::open(files[i].path);
            std::unique_ptr<Tokenizer> tok;
            try {
                tok = Tokenizer::from_gguf(*f);
            } catch (const Error& e) {
                QFAIL(qPrintable(QString::fromStdString(files[i].what + ": " + e.what())));
            }
            QCOMPARE(tok->n_tokens(), expect[i].repeat + 1);
            QCOMPARE(tok->encode(expect[i].text, false, false), std::vector<TokenId>{expect[i].first});
            QCOMPARE(tok->token_to_piece(expect[i].repeat), std::string(expect[i].piece));
            QCOMPARE(tok->token_to_piece(expect[i].first), std::string(expect[i].piece));
            for (const auto& in : tok_test::nasty_inputs())
                for (TokenId t : tok->encode(in, true, true)) QVERIFY(t >= 0 && t < expect[i].repeat);
        }
    }

    // 100k+ characters against a 150k-token vocabulary: well under a second.
    void speed() {
        KINGLET_REQUIRE_SHARED(qwen, "tokenizer/ggml-vocab-qwen2.gguf");
        KINGLET_REQUIRE_SHARED(spm, "tokenizer/ggml-vocab-llama-spm.gguf");
        std::string text;
        const std::string para =
            "The quick brown fox jumps over the lazy dog; 1234567 times! Ünïcödé, 日本語, emoji 🦙🦙.\n"
            "    def f(x):\n        return x ** 2  # comment\n";
        while (text.size() < 150000) text += para;
#if defined(__SANITIZE_ADDRESS__)
        const qint64 limit_ms = 8000;  // sanitizer builds are several times slower
#else
        const qint64 limit_ms = 700;
#endif
        for (const QString& path : {qwen, spm}) {
            QElapsedTimer load_timer;
            load_timer.start();
            auto tok = load(path);
            const qint64 load_ms = load_timer.elapsed();
            QElapsedTimer t;
            t.start();
            auto ids = tok->encode(text, true, true);
            const qint64 ms = t.elapsed();
            qInfo("%s: load %lld ms, %zu bytes -> %zu tokens in %lld ms", qPrintable(QFileInfo(path).fileName()),
                  load_ms, text.size(), ids.size(), ms);
            QVERIFY(ids.size() > 10000);
            QVERIFY2(ms < limit_ms, qPrintable(QString("took %1 ms").arg(ms)));
        }
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
