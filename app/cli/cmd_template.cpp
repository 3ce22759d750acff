// kinglet-cli template: renders a chat template exactly (no newline added), from a
// model file or a template file, for checking formats by hand or from scripts.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "common.h"
#include "gguf/gguf_file.h"
#include "util/error.h"

namespace kinglet::cli {
int cmd_template(const ArgList& argv) {
    Args args(argv, merge({kModelOptions, {"--template-file", "--messages", "--bos", "--eos"}}),
              {"--add-generation-prompt"});
    auto messages_path = args.get("--messages");
    if (!messages_path) throw UsageError("template needs --messages FILE.json");
    std::string source, bos = args.get_or("--bos", ""), eos = args.get_or("--eos", "");
    if (auto f = args.get("--template-file")) {
        source = read_text_file(*f);
    } else {
        auto file = GgufFile::open(model_path(args));
        auto tmpl = file->get_string("tokenizer.chat_template");
        if (!tmpl) throw Error("the model has no chat template (tokenizer.chat_template)");
        source = *tmpl;
        auto tokens = file->get_array("tokenizer.ggml.tokens");
        auto token_text = [&](const char* key) -> std::string {
            auto id = file->get_int(key);
            return tokens && id && *id >= 0 && size_t(*id) < tokens->strings.size() ? tokens->strings[*id] : "";
        };
        if (!args.get("--bos")) bos = token_text("tokenizer.ggml.bos_token_id");
        if (!args.get("--eos")) eos = token_text("tokenizer.ggml.eos_token_id");
    }
    chat::ChatTemplateInput input;
    try {
        // An array of messages, or an object holding `messages` and any other template
        // variables (tools, documents, enable_thinking, add_generation_prompt, ...).
        auto parsed = nlohmann::ordered_json::parse(read_text_file(*messages_path));
        if (!parsed.is_object()) {
            input.messages = parsed;
        } else {
            for (auto it = parsed.begin(); it != parsed.end(); ++it) {
                if (it.key() == "messages") input.messages = it.value();
                else if (it.key() == "tools") input.tools = it.value();
                else if (it.key() == "documents") input.documents = it.value();
                else input.extra_context[it.key()] = it.value();
            }
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error("'" + *messages_path + "' is not valid JSON: " + e.what());
    }
    if (!input.messages.is_array())
        throw Error("--messages must hold a JSON array of {role, content}, or an object with one in \"messages\"");
    input.add_generation_prompt = args.flag("--add-generation-prompt");
    input.bos_token = bos;
    input.eos_token = eos;
    const std::string out = chat::ChatTemplate(source).render(input);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace kinglet::cli
