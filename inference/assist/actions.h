// The writing assistant's actions: prompt templates with {text} (and {language} for
// translating). The app (settings, tray, window) and `kinglet-cli summarize` share these
// built-in templates and the way a template is filled. Plain C++, no Qt.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace kinglet::assist {

// What to do with a text longer than the context. Reduce: summarise the parts, then
// apply the action to the summaries. Each: apply the action to every part and join the
// results (rewrites, translations: the whole text is wanted back).
enum class LongMode { Reduce, Each };
std::string long_mode_name(LongMode m);          // "reduce" | "each"
LongMode parse_long_mode(std::string_view name);  // anything but "each" is Reduce

struct Action {
    std::string id;      // stable key: "summarize", "key-points", ...
    std::string name;    // shown to the user
    std::string prompt;  // the template: {text} is replaced by the source text
    LongMode long_mode = LongMode::Reduce;
};

// The built-in actions, in the order they are offered.
const std::vector<Action>& default_actions();

// The instruction for one part of a long text (the "map" step of map-reduce).
const std::string& part_summary_prompt();

// The template with {language} (empty: English) and then {text} filled in, so text that
// itself contains "{language}" stays as it is. A template without {text} gets the text
// after a blank line.
std::string render_prompt(std::string_view prompt, std::string_view text, std::string_view language = {});

// The form an id or a name is compared in: lower case, '-' as space, whitespace runs
// as one space, no leading or trailing space. "Key points" and "key-points" match.
std::string action_key(std::string_view id_or_name);

// By id or name (see action_key). Null: none.
const Action* find_action(const std::vector<Action>& actions, std::string_view id_or_name);

}  // namespace kinglet::assist
