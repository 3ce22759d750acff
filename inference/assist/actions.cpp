#include "assist/actions.h"

namespace kinglet::assist {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
}

}  // namespace

std::string long_mode_name(LongMode m) { return m == LongMode::Each ? "each" : "reduce"; }
LongMode parse_long_mode(std::string_view name) { return name == "each" ? LongMode::Each : LongMode::Reduce; }

const std::vector<Action>& default_actions() {
    constexpr LongMode r = LongMode::Reduce, e = LongMode::Each;
    static const std::vector<Action> actions = {
        {"summarize", "Summarize", "Summarize the following text in a few sentences.\n\n{text}", r},
        {"key-points", "Key points", "List the key points of the following text as short bullet points.\n\n{text}", r},
        {"rewrite", "Rewrite clearer",
         "Rewrite the following text so it is clear and easy to read. Keep the meaning.\n\n{text}", e},
        {"formal", "Make formal", "Rewrite the following text in a formal, professional tone.\n\n{text}", e},
        {"casual", "Make casual", "Rewrite the following text in a casual, friendly tone.\n\n{text}", e},
        {"fix", "Fix grammar and spelling",
         "Correct the grammar and spelling of the following text. Reply with the corrected text only.\n\n{text}", e},
        {"shorten", "Shorten", "Make the following text shorter without losing its meaning.\n\n{text}", e},
        {"expand", "Expand", "Expand the following text with more detail.\n\n{text}", e},
        {"translate", "Translate",
         "Translate the following text to {language}. Reply with the translation only.\n\n{text}", e},
        {"explain", "Explain simply", "Explain the following text in simple words.\n\n{text}", r},
        {"reply", "Draft a reply", "Write a short, polite reply to the following message.\n\n{text}", r},
    };
    return actions;
}

const std::string& part_summary_prompt() {
    static const std::string p =
        "Summarize this part of a longer text in a few sentences. Keep names, numbers and decisions.\n\n{text}";
    return p;
}

std::string render_prompt(std::string_view prompt, std::string_view text, std::string_view language) {
    std::string p(prompt);
    replace_all(p, "{language}", language.empty() ? std::string_view("English") : language);
    if (p.find("{text}") == std::string::npos) return std::string(trimmed(p)) + "\n\n" + std::string(text);
    replace_all(p, "{text}", text);
    return p;
}

std::string action_key(std::string_view id_or_name) {
    std::string out;
    bool pending_space = false;
    for (char c : id_or_name) {
        if (c == '-' || is_space(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
    }
    return out;
}

const Action* find_action(const std::vector<Action>& actions, std::string_view id_or_name) {
    const std::string key = action_key(id_or_name);
    if (key.empty()) return nullptr;
    for (const Action& a : actions)
        if (action_key(a.id) == key || action_key(a.name) == key) return &a;
    return nullptr;
}

}  // namespace kinglet::assist
