// Turns a conversation into the prompt text and tokens for a model. This is the ONE
// place that chooses a prompt format: the model's own Jinja chat template (rendered by
// the engine's inference/chat), else the engine's built-in format that matches the
// vocabulary's special tokens, else -- for base models with no chat tokens at all,
// such as the TinyStories demo -- a plain "User:/Assistant:" transcript.
// Engine types only, no Qt: it runs on the inference thread.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "chat/chat_template.h"
#include "model/model.h"

namespace kinglet::chat {

struct ChatTurn {
    std::string role;  // "system" | "user" | "assistant"
    std::string content;
};

class PromptFormatter {
public:
    enum class Style { ModelTemplate, Builtin, Transcript };

    explicit PromptFormatter(const Model& model);
    ~PromptFormatter();

    Style style() const { return style_; }
    std::string styleName() const;  // "model template", "ChatML (built-in)", ...
    std::string note() const { return note_; }  // why the template was not used, if so
    // The prompt text for `turns`, ending where the assistant's answer begins.
    std::string format(const std::vector<ChatTurn>& turns) const;
    // Text that ends an answer in this format even if the model emits no end token.
    const std::vector<std::string>& stopStrings() const { return stops_; }

    struct Fitted {
        std::vector<TokenId> tokens;
        int droppedTurns = 0;  // oldest turns left out so the rest fits
    };
    // Formats and tokenizes, leaving out the oldest turns (never the system prompt nor
    // the last message) until the prompt is at most `budget` tokens. Throws
    // kinglet::Error when even the last message alone does not fit.
    Fitted fit(const std::vector<ChatTurn>& turns, int budget) const;

private:
    struct Rendered {
        std::string text;
        bool startsWithBos = false;
    };
    Rendered render(const std::vector<ChatTurn>& turns) const;
    std::vector<TokenId> tokenize(const Rendered& r) const;

    const Model& model_;
    Style style_ = Style::Transcript;
    std::unique_ptr<chat::ChatTemplate> template_;
    chat::BuiltinFormat builtin_ = chat::BuiltinFormat::ChatML;
    std::string bos_, eos_;
    std::string note_;
    std::vector<std::string> stops_;
};

}  // namespace kinglet::chat
