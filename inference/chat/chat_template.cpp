// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/chat_template.h"

#include <algorithm>
#include <ctime>
#include <new>
#include <stdexcept>

#include "chat/jinja_eval.h"
#include "chat/jinja_json.h"
#include "chat/jinja_parser.h"
#include "chat/jinja_string.h"

namespace kinglet::chat {

namespace {

std::string located(const std::string& detail, int line, int column) {
    if (line <= 0) return "chat template: " + detail;
    return "chat template, line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + detail;
}

[[noreturn]] void rethrow(const jinja::Failure& f) {
    throw TemplateError(f.message, f.line, f.column, f.raised);
}

std::tm local_time(const std::optional<std::chrono::system_clock::time_point>& now) {
    const std::time_t t = std::chrono::system_clock::to_time_t(now.value_or(std::chrono::system_clock::now()));
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm;
}

}  // namespace

TemplateError::TemplateError(const std::string& detail, int line, int column, bool raised_by_template)
    : Error(located(detail, line, column)), detail_(detail), line_(line), column_(column), raised_(raised_by_template) {}

ChatTemplate::ChatTemplate(std::string source) : source_(std::move(source)) {
    try {
        tmpl_ = jinja::parse_template(source_);
    } catch (const jinja::Failure& f) {
        rethrow(f);
    } catch (const std::bad_alloc&) {
        throw TemplateError("out of memory while parsing", 0, 0, false);
    } catch (const std::exception& e) {
        throw TemplateError(std::string("internal error while parsing: ") + e.what(), 0, 0, false);
    }
}

ChatTemplate::~ChatTemplate() = default;
ChatTemplate::ChatTemplate(const ChatTemplate&) = default;
ChatTemplate& ChatTemplate::operator=(const ChatTemplate&) = default;
ChatTemplate::ChatTemplate(ChatTemplate&&) noexcept = default;
ChatTemplate& ChatTemplate::operator=(ChatTemplate&&) noexcept = default;

std::string ChatTemplate::render(const ChatTemplateInput& input, const RenderLimits& limits) const {
    jinja::Limits lim;
    lim.max_output_bytes = limits.max_output_bytes;
    lim.max_value_bytes = std::max(limits.max_output_bytes, lim.max_value_bytes);
    lim.max_iterations = limits.max_loop_iterations;
    lim.max_call_depth = limits.max_macro_depth;
    lim.max_time = limits.max_time;
    try {
        auto globals = std::make_shared<jinja::Scope>();
        jinja::add_builtin_globals(*globals);
        auto& vars = globals->vars;
        vars["messages"] = jinja::from_json(input.messages);
        vars["tools"] = jinja::from_json(input.tools);
        vars["documents"] = jinja::from_json(input.documents);
        vars["add_generation_prompt"] = jinja::Value(input.add_generation_prompt);
        vars["bos_token"] = jinja::Value(input.bos_token);
        vars["eos_token"] = jinja::Value(input.eos_token);
        if (input.extra_context.is_object())
            for (auto it = input.extra_context.begin(); it != input.extra_context.end(); ++it)
                vars[it.key()] = jinja::from_json(it.value());
        std::string out;
        {
            jinja::Context ctx(lim, local_time(input.now));
            ctx.render(*tmpl_, globals, out);
        }
        globals->vars.clear();
        return out;
    } catch (const jinja::Failure& f) {
        rethrow(f);
    } catch (const std::bad_alloc&) {
        throw TemplateError("out of memory while rendering", 0, 0, false);
    } catch (const std::length_error&) {
        throw TemplateError("value too large while rendering", 0, 0, false);
    } catch (const std::exception& e) {
        throw TemplateError(std::string("internal error while rendering: ") + e.what(), 0, 0, false);
    }
}

// ---- built-in formats ------------------------------------------------------------------

const char* builtin_format_name(BuiltinFormat format) {
    switch (format) {
        case BuiltinFormat::ChatML: return "ChatML";
        case BuiltinFormat::Llama3: return "Llama 3";
        case BuiltinFormat::Gemma: return "Gemma";
        case BuiltinFormat::Phi3: return "Phi-3";
        case BuiltinFormat::Llama2: return "Llama 2 [INST]";
    }
    return "ChatML";
}

BuiltinFormat pick_builtin_format(const std::vector<std::string>& tokens) {
    auto has = [&](std::string_view t) { return std::find(tokens.begin(), tokens.end(), t) != tokens.end(); };
    if (has("<|im_start|>") && has("<|im_end|>")) return BuiltinFormat::ChatML;
    if (has("<|start_header_id|>") && has("<|eot_id|>")) return BuiltinFormat::Llama3;
    if (has("<start_of_turn>") && has("<end_of_turn>")) return BuiltinFormat::Gemma;
    if (has("<|user|>") && has("<|assistant|>") && has("<|end|>")) return BuiltinFormat::Phi3;
    if (has("[INST]") || has("[/INST]")) return BuiltinFormat::Llama2;
    return BuiltinFormat::ChatML;
}

namespace {

struct Turn {
    std::string role, content;
};

std::string content_text(const nlohmann::ordered_json& content) {
    if (content.is_string()) return content.get<std::string>();
    std::string text;
    if (content.is_array())
        for (const auto& part : content)
            if (part.is_object() && part.value("type", "") == "text" && part.contains("text") && part["text"].is_string())
                text += part["text"].get<std::string>();
    return text;
}

std::vector<Turn> turns_of(const ChatTemplateInput& input) {
    std::vector<Turn> turns;
    if (!input.messages.is_array()) return turns;
    for (const auto& m : input.messages) {
        if (!m.is_object()) continue;
        Turn t;
        t.role = m.value("role", "user");
        if (m.contains("content")) t.content = content_text(m["content"]);
        turns.push_back(std::move(t));
    }
    return turns;
}

std::string trim(const std::string& s) { return jinja::py_strip(s, nullptr, true, true); }

}  // namespace

std::string render_builtin(BuiltinFormat format, const ChatTemplateInput& input) {
    std::vector<Turn> turns = turns_of(input);
    std::string out;
    const bool gen = input.add_generation_prompt;
    switch (format) {
        case BuiltinFormat::ChatML:
            for (const auto& t : turns) out += "<|im_start|>" + t.role + "\n" + t.content + "<|im_end|>\n";
            if (gen) out += "<|im_start|>assistant\n";
            break;
        case BuiltinFormat::Llama3:
            out = input.bos_token;
            for (const auto& t : turns)
                out += "<|start_header_id|>" + t.role + "<|end_header_id|>\n\n" + trim(t.content) + "<|eot_id|>";
            if (gen) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
            break;
        case BuiltinFormat::Gemma: {
            out = input.bos_token;
            std::string system;
            for (const auto& t : turns) {
                if (t.role == "system") {
                    system += (system.empty() ? "" : "\n\n") + trim(t.content);
                    continue;
                }
                std::string text = trim(t.content);
                if (!system.empty() && t.role == "user") {
                    text = system + "\n\n" + text;
                    system.clear();
                }
                out += "<start_of_turn>" + std::string(t.role == "assistant" ? "model" : t.role) + "\n" + text +
                       "<end_of_turn>\n";
            }
            if (gen) out += "<start_of_turn>model\n";
            break;
        }
        case BuiltinFormat::Phi3:
            for (const auto& t : turns) out += "<|" + t.role + "|>\n" + t.content + "<|end|>\n";
            if (gen) out += "<|assistant|>\n";
            else out += input.eos_token;
            break;
        case BuiltinFormat::Llama2: {
            std::string system;
            for (const auto& t : turns) {
                if (t.role == "system") {
                    system = "<<SYS>>\n" + trim(t.content) + "\n<</SYS>>\n\n";
                } else if (t.role == "assistant") {
                    out += " " + trim(t.content) + " " + input.eos_token;
                } else {
                    out += input.bos_token + "[INST] " + system + trim(t.content) + " [/INST]";
                    system.clear();
                }
            }
            break;
        }
    }
    return out;
}

bool template_looks_usable(const std::string& source, std::string* why) {
    const std::string probe_user = "Kinglet probe question 7";
    auto conversation = [&](bool with_system) {
        ChatTemplateInput in;
        if (with_system) in.messages.push_back({{"role", "system"}, {"content", "You are helpful."}});
        in.messages.push_back({{"role", "user"}, {"content", "Hello"}});
        in.messages.push_back({{"role", "assistant"}, {"content", "Hi! How can I help?"}});
        in.messages.push_back({{"role", "user"}, {"content", probe_user}});
        in.add_generation_prompt = true;
        return in;
    };
    RenderLimits probe_limits;  // a probe must not stall loading a model
    probe_limits.max_time = std::chrono::milliseconds(1000);
    try {
        ChatTemplate tmpl(source);
        std::string last_error;
        for (bool with_system : {false, true}) {
            try {
                const std::string text = tmpl.render(conversation(with_system), probe_limits);
                if (text.find(probe_user) != std::string::npos) return true;
                last_error = "the rendered prompt does not contain the user's message";
            } catch (const TemplateError& e) {
                last_error = e.what();
            }
        }
        if (why) *why = last_error;
        return false;
    } catch (const TemplateError& e) {
        if (why) *why = e.what();
        return false;
    }
}

namespace {

using ojson = nlohmann::ordered_json;

bool plain_turn(const ojson& m, const char* role) {
    if (!m.is_object() || m.value("role", "") != role) return false;
    for (const auto& [key, value] : m.items())
        if (key != "role" && key != "content") return false;  // tool calls and the like stay as they are
    return true;
}

// Runs of plain user (or assistant) turns joined into one, texts a blank line apart: a
// question whose answer failed and then another question. Many templates (Gemma,
// Mistral) refuse roles that do not alternate. False when there was nothing to join.
bool join_repeated_roles(ojson& messages) {
    if (!messages.is_array()) return false;
    ojson out = ojson::array();
    bool joined = false;
    for (const ojson& m : messages) {
        const bool repeat = !out.empty() && ((plain_turn(m, "user") && plain_turn(out.back(), "user")) ||
                                             (plain_turn(m, "assistant") && plain_turn(out.back(), "assistant")));
        if (!repeat) {
            out.push_back(m);
            continue;
        }
        ojson& last = out.back();
        const std::string a = last.contains("content") ? content_text(last["content"]) : std::string();
        const std::string b = m.contains("content") ? content_text(m["content"]) : std::string();
        last["content"] = a + "\n\n" + b;
        joined = true;
    }
    if (joined) messages = std::move(out);
    return joined;
}

// A leading system message merged into the first user message, for templates that refuse
// the system role (Gemma 2). False when the conversation does not start that way.
bool fold_system_into_user(ojson& messages) {
    if (!messages.is_array() || messages.size() < 2 || !messages[0].is_object() || !messages[1].is_object() ||
        messages[0].value("role", "") != "system" || messages[1].value("role", "") != "user")
        return false;
    const std::string system = content_text(messages[0]["content"]);
    const std::string user = messages[1].contains("content") ? content_text(messages[1]["content"]) : std::string();
    messages.erase(messages.begin());
    messages[0]["content"] = system + "\n\n" + user;
    return true;
}

}  // namespace

RenderedChat render_chat(const ChatTemplate* tmpl, const ChatTemplateInput& input, BuiltinFormat fallback,
                         const RenderLimits& limits) {
    RenderedChat result;
    if (tmpl) {
        try {
            result.text = tmpl->render(input, limits);
            result.used_template = true;
        } catch (const TemplateError& first) {
            result.note = first.what();
            if (first.raised_by_template()) {
                // The template itself refused the conversation (raise_exception): try again
                // with repeated roles joined, then with the system message folded in too.
                ChatTemplateInput repaired = input;
                const bool joined = join_repeated_roles(repaired.messages);
                for (const bool fold : {false, true}) {
                    if (fold ? !fold_system_into_user(repaired.messages) : !joined) continue;
                    try {
                        result.text = tmpl->render(repaired, limits);
                    } catch (const TemplateError&) {
                        continue;
                    }
                    result.used_template = true;
                    result.merged_system = fold;
                    result.note = joined ? "turns in a row from one role were joined into one" : "";
                    if (fold)
                        result.note += std::string(joined ? "; " : "") +
                                       "the template does not accept a system message; it was merged into the first "
                                       "user message";
                    break;
                }
            }
        }
    } else {
        result.note = "the model has no chat template";
    }
    if (!result.used_template) {
        result.text = render_builtin(fallback, input);
        result.note += std::string(result.note.empty() ? "" : "; ") + "using the built-in " +
                       builtin_format_name(fallback) + " format";
    }
    result.starts_with_bos = !input.bos_token.empty() && result.text.compare(0, input.bos_token.size(), input.bos_token) == 0;
    return result;
}

}  // namespace kinglet::chat
