// Chat templates: every case in ../shared/templates renders byte for byte like Hugging Face
// transformers (Jinja2); language features; errors with locations; hostile templates fail
// fast instead of crashing or hanging; the fallback policy.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTest>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>

#include "chat/chat_template.h"
#include "feature_cases.h"
#include "shared_data.h"

using kinglet::chat::BuiltinFormat;
using kinglet::chat::ChatTemplate;
using kinglet::chat::ChatTemplateInput;
using kinglet::chat::TemplateError;
using ojson = nlohmann::ordered_json;

namespace {

// 2026-11-26 10:30:05 local time: the date the shared cases were rendered with.
std::chrono::system_clock::time_point fixed_now() {
    std::tm tm{};
    tm.tm_year = 2026 - 1900;
    tm.tm_mon = 10;
    tm.tm_mday = 26;
    tm.tm_hour = 10;
    tm.tm_min = 30;
    tm.tm_sec = 5;
    tm.tm_isdst = -1;
    return std::chrono::system_clock::from_time_t(std::mktime(&tm));
}

// The feature context: `messages` plus every other key as an extra template variable.
ChatTemplateInput feature_input() {
    const ojson ctx = ojson::parse(kFeatureContext);
    ChatTemplateInput in;
    in.now = fixed_now();
    for (auto it = ctx.begin(); it != ctx.end(); ++it) {
        if (it.key() == "messages") in.messages = it.value();
        else in.extra_context[it.key()] = it.value();
    }
    return in;
}

std::string render(const std::string& source, const ChatTemplateInput& in,
                   const kinglet::chat::RenderLimits& limits = {}) {
    return ChatTemplate(source).render(in, limits);
}

ojson read_json(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return ojson::parse(f.readAll().toStdString());
}

QByteArray show(const std::string& s) { return QByteArray::fromStdString(ojson(s).dump()); }

}  // namespace

class TestChatTemplate : public QObject {
    Q_OBJECT

private slots:
    void sharedTemplates() {
        KINGLET_REQUIRE_SHARED(dir, "templates");
        const QStringList files = QDir(dir).entryList({"*.json"}, QDir::Files, QDir::Name);
        QVERIFY(!files.isEmpty());
        int total = 0, passed = 0;
        QStringList failures;
        for (const QString& file : files) {
            const ojson doc = read_json(dir + "/" + file);
            std::unique_ptr<ChatTemplate> tmpl;
            try {
                tmpl = std::make_unique<ChatTemplate>(doc.at("template").get<std::string>());
            } catch (const TemplateError& e) {
                failures << file + ": does not parse: " + e.what();
                total += static_cast<int>(doc.at("cases").size());
                continue;
            }
            int index = 0;
            for (const ojson& c : doc.at("cases")) {
                ++total;
                ChatTemplateInput in;
                in.messages = c.at("messages");
                in.add_generation_prompt = c.value("add_generation_prompt", false);
                in.bos_token = c.value("bos_token", "");
                in.eos_token = c.value("eos_token", "");
                in.now = fixed_now();
                const QString where = QString("%1 #%2 (%3)").arg(file).arg(index++).arg(QString::fromStdString(c.value("name", "")));
                const bool want_error = c.value("error", false);
                try {
                    const std::string got = tmpl->render(in);
                    if (want_error) failures << where + ": rendered, but the template raises";
                    else if (got != c.at("expected").get<std::string>())
                        failures << where + ": got " + show(got) + "\n   expected " + show(c.at("expected").get<std::string>());
                    else ++passed;
                } catch (const TemplateError& e) {
                    if (want_error && e.raised_by_template()) ++passed;
                    else failures << where + ": " + e.what();
                }
            }
        }
        qInfo("chat templates: %d of %d shared cases render exactly (%lld files)", passed, total,
              static_cast<long long>(files.size()));
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join('\n')));
    }

    void features_data() {
        QTest::addColumn<int>("index");
        for (size_t i = 0; i < std::size(kFeatureCases); ++i)
            QTest::newRow(kFeatureCases[i].name) << static_cast<int>(i);
    }

    void features() {
        QFETCH(int, index);
        const FeatureCase& c = kFeatureCases[index];
        std::string got;
        try {
            got = render(c.source, feature_input());
        } catch (const TemplateError& e) {
            QFAIL(e.what());
        }
        QCOMPARE(QByteArray::fromStdString(got), QByteArray(c.expected));
    }

    void errors_data() {
        QTest::addColumn<int>("index");
        for (size_t i = 0; i < std::size(kErrorCases); ++i) QTest::newRow(kErrorCases[i].name) << static_cast<int>(i);
    }

    void errors() {
        QFETCH(int, index);
        QVERIFY_THROWS_EXCEPTION(TemplateError, render(kErrorCases[index].source, feature_input()));
    }

    void errorDetails() {
        try {
            render("line one\n{% if true %}\n  {{ raise_exception('No system role, sorry') }}\n{% endif %}", {});
            QFAIL("no error");
        } catch (const TemplateError& e) {
            QVERIFY(e.raised_by_template());
            QCOMPARE(QString::fromStdString(e.detail()), QString("No system role, sorry"));
            QCOMPARE(e.line(), 3);
            QVERIFY(std::string(e.what()).find("line 3") != std::string::npos);
        }
        try {
            ChatTemplate bad("ok\n\n{% for x in y %}\n{{ x }");
            QFAIL("no error");
        } catch (const TemplateError& e) {
            QVERIFY(!e.raised_by_template());
            QCOMPARE(e.line(), 4);
            QVERIFY(e.column() > 0);
        }
        try {
            render("a\nb {{ undefined_thing.attr }}", {});
            QFAIL("no error");
        } catch (const TemplateError& e) {
            QCOMPARE(e.line(), 2);
            QVERIFY(std::string(e.what()).find("undefined_thing") != std::string::npos);
        }
    }

    // Malformed and malicious templates end in a TemplateError, quickly.
    void hostileTemplates_data() {
        QTest::addColumn<QByteArray>("source");
        auto big = [](const char* head, const char* unit, int n, const char* tail) {
            QByteArray s(head);
            for (int i = 0; i < n; ++i) s += unit;
            return s + tail;
        };
        QTest::newRow("infinite macro recursion") << QByteArray("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}");
        QTest::newRow("exponential macro calls")
            << QByteArray("{% macro a(n) %}{% if n > 0 %}{{ a(n-1) }}{{ a(n-1) }}{% endif %}{% endmacro %}{{ a(60) }}");
        QTest::newRow("10^10 loop iterations")
            << QByteArray("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}");
        QTest::newRow("huge range") << QByteArray("{{ range(10**9)|length }}");
        QTest::newRow("100 MB of output") << QByteArray("{% set s = 'x' * 1000000 %}{% for i in range(100) %}{{ s }}{% endfor %}");
        QTest::newRow("string doubling")
            << QByteArray("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}");
        QTest::newRow("string times 10^11") << QByteArray("{{ 'x' * 100000000000 }}");
        QTest::newRow("list times 10^10") << QByteArray("{{ [1] * 10000000000 }}");
        QTest::newRow("padding 10^12") << QByteArray("{{ 'x'.center(10**12) }}");
        QTest::newRow("integer overflow") << QByteArray("{{ 2 ** 100000 }}");
        QTest::newRow("deep parentheses") << big("{{ ", "(", 100000, "1 }}");
        QTest::newRow("deep brackets") << big("{{ ", "[", 5000, " }}");
        QTest::newRow("deep if nesting") << big("", "{% if true %}", 10000, "");
        QTest::newRow("long filter chain") << big("{{ x", "|trim", 100000, " }}");
        QTest::newRow("long operator chain") << big("{{ x", " + 1", 100000, " }}");
        QTest::newRow("many nots") << big("{{ ", "not ", 100000, "x }}");
        QTest::newRow("deeply nested data")
            << QByteArray("{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = [ns.l] %}{% endfor %}");
        QTest::newRow("self-referencing namespace")
            << QByteArray("{% set ns = namespace() %}{% set ns.self = ns %}{{ ns }}");
        QTest::newRow("unterminated print") << QByteArray("{{ x");
        QTest::newRow("unterminated block") << QByteArray("{% if x %}");
        QTest::newRow("unterminated comment") << QByteArray("{# abc");
        QTest::newRow("unterminated raw") << QByteArray("{% raw %}abc");
        QTest::newRow("unterminated string") << QByteArray("{{ 'abc }}");
        QTest::newRow("unterminated for") << QByteArray("{% for x in y %}");
        QTest::newRow("broken macro signature") << QByteArray("{% macro m( %}");
        QTest::newRow("lone open tag") << QByteArray("{%");
        QTest::newRow("unbalanced close") << QByteArray("{{ ) }}");
        static const char garbage[] = "\x00\xff\xfe{{ '\x00' }}{% if \x01 %}";
        QTest::newRow("binary garbage") << QByteArray(garbage, sizeof garbage - 1);
        QTest::newRow("too large") << QByteArray(5 << 20, 'x');
    }

    void hostileTemplates() {
        QFETCH(QByteArray, source);
        kinglet::chat::RenderLimits limits;
        limits.max_time = std::chrono::milliseconds(1500);
        ChatTemplateInput in;
        in.messages = ojson::array({{{"role", "user"}, {"content", "hi"}}});
        QElapsedTimer timer;
        timer.start();
        QVERIFY_THROWS_EXCEPTION(TemplateError, render(source.toStdString(), in, limits));
        QVERIFY2(timer.elapsed() < 20000, qPrintable(QString("took %1 ms").arg(timer.elapsed())));
    }

    void limitsAreConfigurable() {
        kinglet::chat::RenderLimits small;
        small.max_output_bytes = 50;
        QCOMPARE(render("{{ 'x' * 50 }}", {}, small).size(), size_t(50));
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{{ 'x' * 51 }}", {}, small));
        small.max_loop_iterations = 10;
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{% for i in range(11) %}{% endfor %}", {}, small));
        small.max_macro_depth = 3;
        const char* countdown = "{% macro f(n) %}{{ n }}{% if n > 0 %}{{ f(n - 1) }}{% endif %}{% endmacro %}";
        QCOMPARE(QByteArray::fromStdString(render(std::string(countdown) + "{{ f(2) }}", {}, small)), QByteArray("210"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, render(std::string(countdown) + "{{ f(3) }}", {}, small));
    }

    // tools/tool_calls keep their key order through tojson, like Python dicts; extra
    // variables, tools/documents defaulting to None, and the injected clock.
    void contextAndKeyOrder() {
        ChatTemplateInput in;
        in.messages = ojson::parse(R"([{"role": "assistant", "content": "", "tool_calls": [{"type": "function",
            "function": {"name": "f", "arguments": {"zeta": 1, "alpha": "é", "mid": [true, null]}}}]}])");
        in.tools = ojson::parse(R"([{"type": "function", "function": {"name": "f", "description": "d",
            "parameters": {"type": "object", "properties": {"z": {"type": "string"}, "a": {"type": "integer"}}}}}])");
        in.extra_context = {{"enable_thinking", false}};
        in.bos_token = "<s>";
        in.eos_token = "</s>";
        in.now = fixed_now();
        const std::string got = render(
            "{% for tool in tools %}{{ tool | tojson }}\n{% endfor %}{{ messages[0].tool_calls[0].function.arguments | tojson }}"
            "|{{ enable_thinking }}|{{ tools is none }}|{{ documents is none }}|{{ bos_token }}{{ eos_token }}"
            "|{{ strftime_now(\"%d %b %Y\") }}",
            in);
        QCOMPARE(QByteArray::fromStdString(got),
                 QByteArray(R"({"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {"z": {"type": "string"}, "a": {"type": "integer"}}}}}
{"zeta": 1, "alpha": "é", "mid": [true, null]}|False|False|True|<s></s>|26 Nov 2026)"));
    }

    void builtinFormats() {
        ChatTemplateInput in;
        in.messages = ojson::parse(R"([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": [{"type": "text", "text": "Q?"}]}])");
        in.bos_token = "<s>";
        in.eos_token = "</s>";
        QCOMPARE(QByteArray::fromStdString(kinglet::chat::render_chatml(in)),
                 QByteArray("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                            "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nQ?<|im_end|>\n<|im_start|>assistant\n"));
        QCOMPARE(QByteArray::fromStdString(kinglet::chat::render_builtin(BuiltinFormat::Llama3, in)),
                 QByteArray("<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                            "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                            "<|start_header_id|>user<|end_header_id|>\n\nQ?<|eot_id|>"
                            "<|start_header_id|>assistant<|end_header_id|>\n\n"));
        QCOMPARE(QByteArray::fromStdString(kinglet::chat::render_builtin(BuiltinFormat::Gemma, in)),
                 QByteArray("<s><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
                            "<start_of_turn>user\nQ?<end_of_turn>\n<start_of_turn>model\n"));
        QCOMPARE(QByteArray::fromStdString(kinglet::chat::render_builtin(BuiltinFormat::Phi3, in)),
                 QByteArray("<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"
                            "<|user|>\nQ?<|end|>\n<|assistant|>\n"));
        QCOMPARE(QByteArray::fromStdString(kinglet::chat::render_builtin(BuiltinFormat::Llama2, in)),
                 QByteArray("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Q? [/INST]"));
        QCOMPARE(kinglet::chat::pick_builtin_format({"<s>", "<|im_start|>", "<|im_end|>"}), BuiltinFormat::ChatML);
        QCOMPARE(kinglet::chat::pick_builtin_format({"<|start_header_id|>", "<|eot_id|>"}), BuiltinFormat::Llama3);
        QCOMPARE(kinglet::chat::pick_builtin_format({"<start_of_turn>", "<end_of_turn>"}), BuiltinFormat::Gemma);
        QCOMPARE(kinglet::chat::pick_builtin_format({"<|user|>", "<|assistant|>", "<|end|>"}), BuiltinFormat::Phi3);
        QCOMPARE(kinglet::chat::pick_builtin_format({"[INST]", "[/INST]"}), BuiltinFormat::Llama2);
        QCOMPARE(kinglet::chat::pick_builtin_format({"<unk>"}), BuiltinFormat::ChatML);
    }

    void renderChatPolicy() {
        KINGLET_REQUIRE_SHARED(path, "templates/google-gemma-2-2b-it.json");
        const ChatTemplate gemma(read_json(path).at("template").get<std::string>());
        ChatTemplateInput in;
        in.messages = ojson::parse(R"([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}])");
        in.bos_token = "<bos>";
        // Gemma 2 refuses the system role: the system prompt is merged into the first user turn.
        auto r = kinglet::chat::render_chat(&gemma, in, BuiltinFormat::Gemma);
        QVERIFY(r.used_template);
        QVERIFY(r.merged_system);
        QVERIFY(r.starts_with_bos);
        QVERIFY(!r.note.empty());
        QCOMPARE(QByteArray::fromStdString(r.text),
                 QByteArray("<bos><start_of_turn>user\nBe brief.\n\nHello<end_of_turn>\n<start_of_turn>model\n"));
        // Two questions in a row (the first answer failed): Gemma 2 insists on alternating
        // roles, so they become one turn, and the system prompt is still merged.
        ChatTemplateInput twice = in;
        twice.messages.push_back({{"role", "user"}, {"content", "Again"}});
        r = kinglet::chat::render_chat(&gemma, twice, BuiltinFormat::Gemma);
        QVERIFY(r.used_template);
        QVERIFY(r.merged_system);
        QVERIFY2(r.note.find("joined") != std::string::npos, r.note.c_str());
        QCOMPARE(QByteArray::fromStdString(r.text),
                 QByteArray("<bos><start_of_turn>user\nBe brief.\n\nHello\n\nAgain<end_of_turn>\n<start_of_turn>model\n"));
        twice.messages.erase(twice.messages.begin());
        r = kinglet::chat::render_chat(&gemma, twice, BuiltinFormat::Gemma);
        QVERIFY(r.used_template && !r.merged_system);
        QCOMPARE(QByteArray::fromStdString(r.text),
                 QByteArray("<bos><start_of_turn>user\nHello\n\nAgain<end_of_turn>\n<start_of_turn>model\n"));
        // A template that fails for another reason: the built-in format, and a note saying so.
        const ChatTemplate broken("{{ messages[0].content.nosuch() }}");
        r = kinglet::chat::render_chat(&broken, in, BuiltinFormat::ChatML);
        QVERIFY(!r.used_template);
        QVERIFY(!r.starts_with_bos);
        QVERIFY(r.note.find("ChatML") != std::string::npos);
        QCOMPARE(QByteArray::fromStdString(r.text),
                 QByteArray("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"));
        // No template at all.
        r = kinglet::chat::render_chat(nullptr, in, BuiltinFormat::Llama3);
        QVERIFY(!r.used_template);
        QVERIFY(r.starts_with_bos);
    }

    void usableCheck() {
        std::string why;
        QVERIFY(kinglet::chat::template_looks_usable(
            "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}"));
        QVERIFY(!kinglet::chat::template_looks_usable("{% for m in messages %}", &why));
        QVERIFY(!why.empty());
        QVERIFY(!kinglet::chat::template_looks_usable("static text only", &why));
        QVERIFY(!kinglet::chat::template_looks_usable("{{ raise_exception('nope') }}", &why));
        QVERIFY(why.find("nope") != std::string::npos);
        // Gemma 2 style: refuses a system message, but works without one.
        QVERIFY(kinglet::chat::template_looks_usable(
            "{% if messages[0].role == 'system' %}{{ raise_exception('no system') }}{% endif %}"
            "{% for m in messages %}{{ m.content }}{% endfor %}"));
    }

    void copiesShareTheParsedTemplate() {
        ChatTemplate a("{{ bos_token }}x");
        ChatTemplate b = a;
        ChatTemplate c = std::move(a);
        ChatTemplateInput in;
        in.bos_token = "<s>";
        QCOMPARE(QByteArray::fromStdString(b.render(in)), QByteArray("<s>x"));
        QCOMPARE(QByteArray::fromStdString(c.render(in)), QByteArray("<s>x"));
        QCOMPARE(QByteArray::fromStdString(c.source()), QByteArray("{{ bos_token }}x"));
    }
};

QTEST_GUILESS_MAIN(TestChatTemplate)
#include "test_chat_template.moc"
