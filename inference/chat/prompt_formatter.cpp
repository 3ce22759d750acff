#include "chat/prompt_formatter.h"

#include <algorithm>

#include "util/error.h"

namespace kinglet::chat {
namespace {

std::vector<std::string> specialTokens(const Tokenizer& tok) {
    std::vector<std::string> out;
    for (int id = 0; id < tok.n_tokens(); ++id) {
        const TokenType t = tok.token_type(id);
        if (t == TokenType::Control || t == TokenType::UserDefined) out.push_back(tok.token_text(id));
    }
    return out;
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

std::string capitalized(const std::string& role) {
    if (role == "user") return "User";
    if (role == "assistant") return "Assistant";
    if (role == "system") return "System";
    return role;
}

}  // namespace

PromptFormatter::PromptFormatter(const Model& model) : model_(model) {
    const Tokenizer& tok = model_.tokenizer();
    if (tok.bos_id() >= 0) bos_ = tok.token_text(tok.bos_id());
    if (tok.eos_id() >= 0) eos_ = tok.token_text(tok.eos_id());

    if (auto source = model_.chat_template()) {
        std::string why;
        if (chat::template_looks_usable(*source, &why)) {
            try {
                template_ = std::make_unique<chat::ChatTemplate>(*source);
                style_ = Style::ModelTemplate;
            } catch (const chat::TemplateError& e) {
                note_ = std::string("the model's chat template is broken: ") + e.what();
            }
        } else {
            note_ = "the model's chat template is not usable: " + why;
        }
    }
    const std::vector<std::string> specials = specialTokens(tok);
    builtin_ = chat::pick_builtin_format(specials);
    if (style_ != Style::ModelTemplate) {
        // pick_builtin_format falls back to ChatML; without its tokens that would put
        // "<|im_start|>" into the prompt as plain characters. A transcript reads better.
        const bool hasChatTokens = builtin_ != chat::BuiltinFormat::ChatML ||
                                   (contains(specials, "<|im_start|>") && contains(specials, "<|im_end|>"));
        style_ = hasChatTokens ? Style::Builtin : Style::Transcript;
    }
    if (style_ == Style::Transcript) stops_ = {"\nUser:", "\nSystem:"};
}

PromptFormatter::~PromptFormatter() = default;

std::string PromptFormatter::styleName() const {
    switch (style_) {
        case Style::ModelTemplate: return "model template";
        case Style::Builtin: return std::string(chat::builtin_format_name(builtin_)) + " (built-in)";
        case Style::Transcript: return "plain transcript";
    }
    return {};
}

PromptFormatter::Rendered PromptFormatter::render(const std::vector<ChatTurn>& turns) const {
    if (style_ == Style::Transcript) {
        std::string out;
        for (const ChatTurn& t : turns) {
            out += t.role == "system" ? t.content + "\n\n" : capitalized(t.role) + ": " + t.content + "\n";
        }
        return {out + "Assistant:", false};
    }
    chat::ChatTemplateInput input;
    for (const ChatTurn& t : turns) input.messages.push_back({{"role", t.role}, {"content", t.content}});
    input.add_generation_prompt = true;
    input.bos_token = bos_;
    input.eos_token = eos_;
    const chat::RenderedChat r = chat::render_chat(template_.get(), input, builtin_);
    return {r.text, r.starts_with_bos};
}

std::string PromptFormatter::format(const std::vector<ChatTurn>& turns) const { return render(turns).text; }

std::vector<TokenId> PromptFormatter::tokenize(const Rendered& r) const {
    // Special tokens are parsed where the format writes them; a transcript keeps the
    // user's text literal. BOS is added unless the template already wrote it.
    const bool special = style_ != Style::Transcript;
    return model_.tokenizer().encode(r.text, !r.startsWithBos, special);
}

PromptFormatter::Fitted PromptFormatter::fit(const std::vector<ChatTurn>& turns, int budget) const {
    std::vector<ChatTurn> kept = turns;
    const size_t first = (!kept.empty() && kept.front().role == "system") ? 1 : 0;
    Fitted result;
    for (;;) {
        result.tokens = tokenize(render(kept));
        if (static_cast<int>(result.tokens.size()) <= budget) return result;
        // Leave out the oldest turn after the system prompt; keep the last message.
        if (kept.size() <= first + 1) {
            throw Error("the message is too long for the context: " + std::to_string(result.tokens.size()) +
                        " tokens, room for " + std::to_string(budget) +
                        " (raise the context size in Settings or shorten the message)");
        }
        kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(first));
        // Templates that insist on user/assistant alternation want a user turn first.
        while (kept.size() > first + 1 && kept[first].role == "assistant") {
            kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(first));
            ++result.droppedTurns;
        }
        ++result.droppedTurns;
    }
}

}  // namespace kinglet::chat
