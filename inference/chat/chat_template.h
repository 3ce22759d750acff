// Chat templates: renders a model's own Jinja chat template (GGUF `tokenizer.chat_template`)
// byte for byte as Hugging Face transformers does (Jinja2 sandbox, trim_blocks and
// lstrip_blocks, raise_exception, strftime_now, tojson without ASCII escaping), plus
// built-in formats for models whose template is missing or unusable.
//
// Templates are untrusted input: parsing and rendering are bounded in nesting, loop
// iterations, output size, steps and time, and every problem is a TemplateError.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace kinglet::chat {

namespace jinja {
struct Template;
}

// A template that does not parse, or fails while rendering (including the template's own
// raise_exception(), e.g. Gemma 2 refusing a system message).
class TemplateError : public Error {
public:
    TemplateError(const std::string& detail, int line, int column, bool raised_by_template);
    const std::string& detail() const { return detail_; }  // the message without location
    int line() const { return line_; }                      // 1-based; 0 when unknown
    int column() const { return column_; }
    bool raised_by_template() const { return raised_; }

private:
    std::string detail_;
    int line_;
    int column_;
    bool raised_;
};

struct ChatTemplateInput {
    // [{"role": "...", "content": "..." | [parts], "tool_calls": [...], "reasoning_content": "..."}, ...]
    // ordered_json keeps keys in insertion order, as Python dicts (and tojson) do.
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    bool add_generation_prompt = true;
    std::string bos_token;
    std::string eos_token;
    nlohmann::ordered_json tools;      // null: the template sees `tools` = None
    nlohmann::ordered_json documents;  // null: the template sees `documents` = None
    // More template variables, e.g. {"enable_thinking": false}; they override the above.
    nlohmann::ordered_json extra_context = nlohmann::ordered_json::object();
    // The clock strftime_now() reads (local time); unset means now.
    std::optional<std::chrono::system_clock::time_point> now;
};

struct RenderLimits {
    size_t max_output_bytes = 10u << 20;
    uint64_t max_loop_iterations = 1'000'000;
    int max_macro_depth = 100;
    std::chrono::milliseconds max_time{5000};
};

class ChatTemplate {
public:
    // Parses the template; throws TemplateError (with line and column) when it is malformed.
    explicit ChatTemplate(std::string source);
    ~ChatTemplate();
    ChatTemplate(const ChatTemplate&);
    ChatTemplate& operator=(const ChatTemplate&);
    ChatTemplate(ChatTemplate&&) noexcept;
    ChatTemplate& operator=(ChatTemplate&&) noexcept;

    // Renders the conversation; throws TemplateError. Thread-safe (the template is immutable).
    std::string render(const ChatTemplateInput& input, const RenderLimits& limits = {}) const;
    const std::string& source() const { return source_; }

private:
    std::string source_;
    std::shared_ptr<const jinja::Template> tmpl_;
};

// Formats Kinglet can produce without a template, chosen from the vocabulary.
enum class BuiltinFormat { ChatML, Llama3, Gemma, Phi3, Llama2 };

const char* builtin_format_name(BuiltinFormat format);
// Picks the format whose special tokens the vocabulary has (ChatML when none match).
BuiltinFormat pick_builtin_format(const std::vector<std::string>& special_tokens);
// Renders messages (string content, or the text parts of list content) in a built-in format.
std::string render_builtin(BuiltinFormat format, const ChatTemplateInput& input);
inline std::string render_chatml(const ChatTemplateInput& input) { return render_builtin(BuiltinFormat::ChatML, input); }

// Whether a template parses and renders a simple conversation (with and without a system
// message) that keeps the user's text; `why` gets the reason when not.
bool template_looks_usable(const std::string& source, std::string* why = nullptr);

struct RenderedChat {
    std::string text;
    bool used_template = false;         // false: a built-in format was used
    bool merged_system = false;         // the template refused the system role; it was merged
    bool starts_with_bos = false;       // text already begins with bos_token: do not add BOS again
    std::string note;                   // why a fallback or merge happened (for the user)
};

// The full policy: the model's template when it works; when the template itself refuses
// the conversation, the same template with turns in a row from one role joined, then also
// with a leading system message merged into the first user message; otherwise `fallback`.
RenderedChat render_chat(const ChatTemplate* tmpl, const ChatTemplateInput& input, BuiltinFormat fallback,
                         const RenderLimits& limits = {});

}  // namespace kinglet::chat
