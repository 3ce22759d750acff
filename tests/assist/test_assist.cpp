// inference/assist without a model: templates, the splitter and the map-reduce plan,
// with simple token counters (words, characters) so budgets are easy to check.
#include <QtTest>
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "assist/actions.h"
#include "assist/map_reduce.h"
#include "assist/text_splitter.h"

using namespace kinglet::assist;
using Strings = std::vector<std::string>;

namespace {

int words(std::string_view s) {
    int n = 0;
    bool in = false;
    for (char c : s) {
        const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (!space && !in) ++n;
        in = !space;
    }
    return n;
}
int chars(std::string_view s) { return static_cast<int>(s.size()); }
int approx_tokens(std::string_view s) { return static_cast<int>(s.size() / 4) + 1; }

// Whitespace runs as one space: splitting may change how parts are joined, never words.
std::string squash(const std::string& s) {
    std::istringstream in(s);
    std::string w, out;
    while (in >> w) out += (out.empty() ? "" : " ") + w;
    return out;
}
std::string join(const Strings& parts, const std::string& sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
    return out;
}

// A long, story-like text: paragraphs of sentences.
std::string long_text(size_t chars) {
    const Strings sentences = {"Lily went to the park with her dog.", "The sun was warm and the birds sang.",
                               "She found a red ball under a big tree!", "Her friend Tom wanted to play too.",
                               "They shared the ball and laughed all day.", "When it got dark, they went home happy."};
    std::string out;
    for (size_t i = 0; out.size() < chars;) {
        out += sentences[i % sentences.size()];
        out += (++i % 7 == 0) ? "\n\n" : " ";
    }
    return out;
}

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

class TestAssist : public QObject {
    Q_OBJECT
private slots:
    // ---- actions --------------------------------------------------------------------

    void templatesFillText() {
        const auto& actions = default_actions();
        QCOMPARE(actions.size(), size_t(11));
        for (const Action& a : actions) {
            QVERIFY2(a.prompt.find("{text}") != std::string::npos, a.id.c_str());
            const std::string filled = render_prompt(a.prompt, "THE TEXT", "German");
            QVERIFY2(filled.find("{text}") == std::string::npos && filled.find("{language}") == std::string::npos, a.id.c_str());
            QVERIFY2(filled.size() >= 8 && filled.compare(filled.size() - 8, 8, "THE TEXT") == 0, filled.c_str());
        }
        QCOMPARE(q(render_prompt(find_action(actions, "translate")->prompt, "Hallo", "German")),
                 QString("Translate the following text to German. Reply with the translation only.\n\nHallo"));
        QCOMPARE(q(render_prompt("To {language}: {text}", "x", "")), QString("To English: x"));
        QCOMPARE(q(render_prompt("  No placeholder \n", "abc")), QString("No placeholder\n\nabc"));
        // The text is filled in last and as it is: its own braces stay.
        QCOMPARE(q(render_prompt("{text} / {text}", "{language} {text}", "Dutch")),
                 QString("{language} {text} / {language} {text}"));
        QVERIFY(render_prompt(part_summary_prompt(), "P").find("P") != std::string::npos);
    }

    void actionsFoundByIdOrName() {
        const auto& actions = default_actions();
        QCOMPARE(q(find_action(actions, "key points")->id), QString("key-points"));
        QCOMPARE(q(find_action(actions, "  KEY-Points ")->id), QString("key-points"));
        QCOMPARE(q(find_action(actions, "Fix grammar and spelling")->id), QString("fix"));
        QCOMPARE(q(find_action(actions, "summarize")->name), QString("Summarize"));
        QVERIFY(!find_action(actions, "nope"));
        QVERIFY(!find_action(actions, ""));
        QVERIFY(!find_action(actions, " - "));
        QCOMPARE(q(action_key("Make  formal\t")), QString("make formal"));
        QCOMPARE(find_action(actions, "rewrite")->long_mode, LongMode::Each);
        QCOMPARE(find_action(actions, "summarize")->long_mode, LongMode::Reduce);
        QCOMPARE(parse_long_mode(long_mode_name(LongMode::Each)), LongMode::Each);
        QCOMPARE(parse_long_mode("junk"), LongMode::Reduce);
    }

    // ---- splitting ------------------------------------------------------------------

    void splitsAtParagraphsThenSentences() {
        const std::string text = "One two three.\n\nFour five six seven.\n \t\n"
                                 "Eight nine. Ten eleven twelve! Thirteen fourteen? Fifteen sixteen seventeen.";
        // Budget 9 words (the packer allows one token per join): the first two paragraphs
        // share a part; the third is too long and breaks at sentence ends.
        const Strings parts = split_text(text, 9, words);
        QCOMPARE(parts.size(), size_t(3));
        QCOMPARE(q(parts[0]), QString("One two three.\n\nFour five six seven."));
        QCOMPARE(q(parts[1]), QString("Eight nine. Ten eleven twelve!"));
        QCOMPARE(q(parts[2]), QString("Thirteen fourteen? Fifteen sixteen seventeen."));
        QCOMPARE(split_sentences("He said \"Stop.\" Then he left.  Done"), Strings({"He said \"Stop.\"", "Then he left.", "Done"}));
        QCOMPARE(split_sentences("Wait... what? Yes\u2026 \u201CGo!\u201D Now"),
                 Strings({"Wait...", "what?", "Yes\u2026", "\u201CGo!\u201D", "Now"}));
        QCOMPARE(split_sentences("Version 1.5 is out.No space here"), Strings({"Version 1.5 is out.No space here"}));
        QCOMPARE(split_paragraphs("a\nb\n\n\n  c  \r\n\r\nd\n"), Strings({"a\nb", "c", "d"}));
        QVERIFY(split_text("  \n\n \n", 8, words).empty());
        QVERIFY(split_text("", 8, words).empty());
    }

    void longSentencesBreakBetweenWordsAndLongWordsInside() {
        std::string sentence;
        for (int i = 0; i < 50; ++i) sentence.append("w").append(std::to_string(i)).append(" ");
        Strings parts = split_text(sentence, 10, words);
        QCOMPARE(parts.size(), size_t(5));
        for (const std::string& p : parts) QVERIFY(words(p) <= 10);
        QCOMPARE(q(squash(join(parts, " "))), q(squash(sentence)));
        // A single 1000-character "word" with a character counter: cut inside.
        const std::string blob(1000, 'x');
        parts = split_text(blob, 64, chars);
        QVERIFY(parts.size() >= 16);
        for (const std::string& p : parts) QVERIFY(p.size() <= 64);
        QCOMPARE(q(join(parts, "")), q(blob));
    }

    void cutsNeverSplitACharacter() {
        // 300 three-byte characters with no space: every part is whole UTF-8.
        std::string cjk;
        for (int i = 0; i < 300; ++i) cjk += "\u732B";
        const Strings parts = split_text(cjk, 50, chars);
        QVERIFY(parts.size() >= 18);
        for (const std::string& p : parts) {
            QVERIFY(p.size() <= 50);
            QCOMPARE(p.size() % 3, size_t(0));
            QCOMPARE(q(p).toUtf8().toStdString(), p);  // round-trips: valid UTF-8
        }
        QCOMPARE(join(parts, ""), cjk);
        // Hostile bytes (continuation bytes only, NULs) still split, nothing lost.
        std::string junk(500, '\x80');
        junk[100] = '\0';
        const Strings j = split_text(junk, 40, chars);
        for (const std::string& p : j) QVERIFY(p.size() <= 40);
        QCOMPARE(join(j, ""), junk);
    }

    void hugeInputKeepsEveryWordWithinBudget() {
        const std::string text = long_text(250000);
        const Strings parts = split_text(text, 500, approx_tokens);
        QVERIFY(parts.size() > 100);
        for (const std::string& p : parts) {
            QVERIFY(approx_tokens(p) <= 500);
            const char last = p.back();
            QVERIFY(last == '.' || last == '!' || last == '?');  // sentence ends
        }
        QCOMPARE(squash(join(parts, " ")), squash(text));
        std::atomic<bool> cancel{true};
        QVERIFY(split_text(text, 500, approx_tokens, &cancel).size() < 2);
    }

    // ---- the map-reduce plan --------------------------------------------------------

    void shortTextIsOneStep() {
        MapReduce m(*find_action(default_actions(), "summarize"), "", {2048, 100});
        std::vector<MapReduceStep> seen;
        const MapReduceStep last = run_map_reduce(m, "A short text.", words, [&](const MapReduceStep& s) {
            seen.push_back(s);
            return std::string("  Short. ");
        });
        QCOMPARE(last.kind, MapReduceStep::Kind::Done);
        QCOMPARE(seen.size(), size_t(1));
        QCOMPARE(q(seen[0].text), QString("Summarize the following text in a few sentences.\n\nA short text."));
        QVERIFY(seen[0].streams);
        QCOMPARE(seen[0].max_tokens, 100);
        QCOMPARE(q(m.result()), QString("Short."));
        QCOMPARE(m.chunks(), 1);
        QCOMPARE(m.rounds(), 0);
    }

    void longTextSummarisesPartsThenSummaries() {
        // 40 paragraphs of 20 words, 7 to a part of at most 150: 6 parts. Their summaries
        // (5 words each) fit one part: the action runs on them in round 1.
        std::string text;
        for (int i = 0; i < 40; ++i) {
            for (int w = 0; w < 19; ++w) text += "word ";
            text += "end.\n\n";
        }
        MapReduceLimits limits;
        limits.context = 2048;
        limits.max_tokens = 64;
        limits.part_budget = 150;
        MapReduce m(*find_action(default_actions(), "key points"), "", limits);
        std::vector<std::pair<int, int>> progress;
        std::vector<MapReduceStep> steps;
        const MapReduceStep last = run_map_reduce(
            m, text, words,
            [&](const MapReduceStep& s) {
                steps.push_back(s);
                return s.streams ? std::string("- the final points") : std::string("a summary of this part.");
            },
            [&](int part, int count, int round) { progress.push_back({part, count}); });
        QCOMPARE(last.kind, MapReduceStep::Kind::Done);
        QCOMPARE(m.chunks(), 6);  // 40 * 20 words at 150 (+1 per join) a part: 7 paragraphs each
        QCOMPARE(q(m.result()), QString("- the final points"));
        QCOMPARE(progress.front(), std::make_pair(1, 6));
        for (int i = 0; i < 6; ++i) QCOMPARE(progress[size_t(i)], std::make_pair(i + 1, 6));
        // The parts: the part instruction, not the action's, and a short answer limit.
        QVERIFY(steps[0].text.rfind("Summarize this part of a longer text", 0) == 0);
        QVERIFY(!steps[0].streams);
        QCOMPARE(steps[0].max_tokens, 64);
        // The last step applies the action to the summaries.
        QVERIFY(steps.back().streams);
        QVERIFY(steps.back().text.rfind("List the key points", 0) == 0);
        QVERIFY(steps.back().text.find("a summary of this part.\n\na summary") != std::string::npos);
        QCOMPARE(m.rounds(), 1);
    }

    void eachModeAppliesTheActionToEveryPart() {
        std::string text;
        for (int i = 0; i < 4; ++i) text += "Alpha beta gamma delta. Epsilon zeta eta theta.\n\n";
        MapReduceLimits limits;
        limits.part_budget = 9;
        MapReduce m(*find_action(default_actions(), "translate"), "French", limits);
        int n = 0;
        std::vector<MapReduceStep> steps;
        const MapReduceStep last = run_map_reduce(m, text, words, [&](const MapReduceStep& s) {
            steps.push_back(s);
            return " out" + std::to_string(++n) + " ";
        });
        QCOMPARE(last.kind, MapReduceStep::Kind::Done);
        QCOMPARE(m.chunks(), 4);
        QCOMPARE(steps.size(), size_t(4));
        for (size_t i = 0; i < steps.size(); ++i) {
            QVERIFY(steps[i].streams);
            QCOMPARE(steps[i].separator, i > 0);
            QVERIFY(steps[i].text.rfind("Translate the following text to French.", 0) == 0);
        }
        QCOMPARE(q(m.result()), QString("out1\n\nout2\n\nout3\n\nout4"));
    }

    void budgetLeavesRoomForAnswerAndInstruction() {
        MapReduceLimits limits;
        limits.context = 512;
        limits.max_tokens = 16;
        MapReduce m(*find_action(default_actions(), "summarize"), "", limits);
        const int budget = m.part_budget(words);
        QVERIFY(budget > 32 && budget < 512 - 16);
        limits.max_tokens = 100000;  // an answer limit beyond the context takes at most half
        QVERIFY(MapReduce(m.action(), "", limits).part_budget(words) >= 32);
        limits.context = 1;  // nonsense context: the smallest sane one
        QVERIFY(MapReduce(m.action(), "", limits).part_budget(words) >= 32);
    }

    void hostileCasesFailCleanly() {
        MapReduce m(default_actions().front(), "", {});
        // Blank text: nothing to work on.
        MapReduceStep s = run_map_reduce(m, " \n\t ", words, [](const MapReduceStep&) { return std::string("x"); });
        QCOMPARE(s.kind, MapReduceStep::Kind::Failed);
        QVERIFY(!s.text.empty());
        // A model that writes nothing for every part.
        MapReduceLimits limits;
        limits.part_budget = 20;
        MapReduce empty(default_actions().front(), "", limits);
        s = run_map_reduce(empty, long_text(2000), words, [](const MapReduceStep&) { return std::string(); });
        QCOMPARE(s.kind, MapReduceStep::Kind::Failed);
        // A model whose "summaries" are longer than the parts: no second round that
        // would only grow; the action runs on the start and it finishes.
        MapReduce stubborn(default_actions().front(), "", limits);
        int calls = 0;
        s = run_map_reduce(stubborn, long_text(2000), words, [&](const MapReduceStep& st) {
            ++calls;
            return st.streams ? std::string("done") : long_text(200);
        });
        QCOMPARE(s.kind, MapReduceStep::Kind::Done);
        QCOMPARE(q(stubborn.result()), QString("done"));
        QCOMPARE(stubborn.rounds(), 1);
        QCOMPARE(calls, stubborn.chunks() + 1);
        // One that shrinks a little each time: the rounds are capped.
        limits.max_rounds = 3;
        MapReduce slow(default_actions().front(), "", limits);
        s = run_map_reduce(slow, long_text(2000), words, [&](const MapReduceStep& st) {
            if (st.streams) return std::string("done");
            std::istringstream part(st.text.substr(st.text.find("\n\n") + 2));
            std::string w, out;
            for (int keep = words(part.str()) * 6 / 10; keep > 0 && part >> w; --keep) out += w + " ";
            return out;
        });
        QCOMPARE(s.kind, MapReduceStep::Kind::Done);
        QCOMPARE(slow.rounds(), 3);
        // Feeding an answer when no step asked for one.
        MapReduce idle(default_actions().front(), "", {});
        QCOMPARE(idle.generated("x").kind, MapReduceStep::Kind::Failed);
        // Cancelled before it starts.
        std::atomic<bool> cancel{true};
        MapReduce c(default_actions().front(), "", {});
        QCOMPARE(run_map_reduce(c, "text", words, [](const MapReduceStep&) { return std::string("x"); }, {}, &cancel).kind,
                 MapReduceStep::Kind::Failed);
    }
};

QTEST_APPLESS_MAIN(TestAssist)
#include "test_assist.moc"
