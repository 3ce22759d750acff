// Fuzzes the Jinja chat-template engine with hostile templates (a GGUF file's
// tokenizer.chat_template is untrusted). Input: one byte of options, then the template's
// source. Parsing and rendering must end in text or a kinglet::Error, inside the render
// limits; a crash, a sanitizer report or a hang (libFuzzer's -timeout) is a bug.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "fuzz_input.h"
#include "util/error.h"

namespace {

kinglet::chat::ChatTemplateInput conversation(uint8_t options) {
    using nlohmann::ordered_json;
    kinglet::chat::ChatTemplateInput input;
    if (options & 1) input.messages.push_back({{"role", "system"}, {"content", "Be brief."}});
    input.messages.push_back({{"role", "user"}, {"content", "Hi {{ there }} <|im_end|>"}});
    if (options & 2) {
        input.messages.push_back({{"role", "assistant"},
                                  {"content", ordered_json::array({{{"type", "text"}, {"text", "Hello."}}})},
                                  {"reasoning_content", "thinking"}});
        input.messages.push_back({{"role", "user"}, {"content", "\xC3\xA9t\xC3\xA9 \xF0\x9F\x90\xA6"}});
    }
    if (options & 4)
        input.tools = ordered_json::array({{{"type", "function"},
                                            {"function", {{"name", "f"}, {"parameters", {{"type", "object"}}}}}}});
    input.add_generation_prompt = options & 8;
    input.bos_token = "<s>";
    input.eos_token = "</s>";
    if (options & 16) input.extra_context["enable_thinking"] = false;
    return input;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    kinglet_fuzz::FuzzInput in(data, size);
    const uint8_t options = in.byte();
    const std::string source = in.rest();
    kinglet::chat::RenderLimits limits;
    limits.max_output_bytes = 1u << 20;
    limits.max_time = std::chrono::milliseconds(2000);
    try {
        kinglet::chat::ChatTemplate tmpl(source);
        const auto chat = kinglet::chat::render_chat(&tmpl, conversation(options), kinglet::chat::BuiltinFormat::ChatML,
                                                     limits);
        if (kinglet_fuzz::verbose())
            fprintf(stderr, "  %s, %zu bytes%s%s\n", chat.used_template ? "rendered" : "built-in format", chat.text.size(),
                    chat.note.empty() ? "" : ": ", chat.note.c_str());
    } catch (const kinglet::Error& e) {
        if (kinglet_fuzz::verbose()) fprintf(stderr, "  rejected: %s\n", e.what());
    }
    if (options & 32) (void)kinglet::chat::template_looks_usable(source);
    return 0;
}
