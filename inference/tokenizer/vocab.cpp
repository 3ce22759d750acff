#include "tokenizer/vocab.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>

#include "gguf/gguf_file.h"
#include "tokenizer/pretokenizer.h"
#include "util/error.h"
#include "util/printable.h"

namespace kinglet::tok {

namespace {

[[noreturn]] void fail(const std::string& what) { throw Error("tokenizer: " + what); }

std::string key_name(const char* k) { return std::string("tokenizer.ggml.") + k; }

const GgufArray* get_array(const GgufFile& f, const char* k, bool required) {
    const std::string key = key_name(k);
    const GgufValue* v = f.find(key);
    if (!v) {
        if (required) fail("the file has no " + key);
        return nullptr;
    }
    const GgufArray* a = f.get_array(key);
    if (!a) fail(key + " is not an array");
    return a;
}

bool is_int_type(GgufValueType t) {
    switch (t) {
        case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::U16: case GgufValueType::I16:
        case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::U64: case GgufValueType::I64:
            return true;
        default:
            return false;
    }
}

std::optional<bool> get_bool(const GgufFile& f, const char* k) {
    const std::string key = key_name(k);
    if (!f.find(key)) return std::nullopt;
    auto b = f.get_bool(key);
    if (!b) fail(key + " is not a boolean");
    return b;
}

// Special token ids. -1 and 0xFFFFFFFF (how converters write "none" into a uint32) mean
// absent; anything else must name a token.
void read_id(const GgufFile& f, const char* k, int n_tokens, TokenId& id) {
    const std::string key = key_name(k);
    const GgufValue* v = f.find(key);
    if (!v) return;
    if (!v->is_integer()) fail(key + " is not an integer");
    auto x = v->as_int();
    if (x && (*x == -1 || *x == 0xFFFFFFFFll)) {
        id = -1;
        return;
    }
    if (!x || *x < 0 || *x >= n_tokens)
        fail(key + " = " + v->to_display_string() + " is outside the vocabulary (" + std::to_string(n_tokens) +
             " tokens)");
    id = static_cast<TokenId>(*x);
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Texts that end a turn in the chat formats of common models. llama.cpp decides EOG
// by these texts as well, since converters seldom record eot/eom ids.
constexpr std::string_view kEogTexts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "</s>",
    "<|end_of_text|>", "<EOT>", "<|return|>", "<|call|>",
};

}  // namespace

int parse_byte_token(std::string_view t) {
    if (t.size() != 6 || t[0] != '<' || t[1] != '0' || t[2] != 'x' || t[5] != '>') return -1;
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    int hi = hex(t[3]), lo = hex(t[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

void Vocab::build_index() {
    size_t cap = 16;
    while (cap < text.size() * 2) cap *= 2;
    mask_ = cap - 1;
    slot_id_.assign(cap, -1);
    slot_hash_.assign(cap, 0);
    duplicates = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const size_t h = std::hash<std::string_view>{}(text[i]);
        size_t k = h & mask_;
        bool seen = false;
        for (; slot_id_[k] >= 0 && !seen; k = (k + 1) & mask_)
            seen = slot_hash_[k] == static_cast<uint32_t>(h) && text[slot_id_[k]] == text[i];
        if (seen) {
            // Published files have them (llama.cpp refuses some official Gemma GGUFs for it).
            // The text keeps its first id; the later one still decodes to the same text.
            if (duplicates++ == 0)
                std::fprintf(stderr, "kinglet: token %zu repeats token %d ('%s'); text maps to the first\n", i,
                             find(text[i]), printable(text[i]).c_str());
            continue;
        }
        slot_id_[k] = static_cast<TokenId>(i);
        slot_hash_[k] = static_cast<uint32_t>(h);
    }
}

TokenId Vocab::find(std::string_view s) const {
    if (slot_id_.empty()) return -1;
    const size_t h = std::hash<std::string_view>{}(s);
    for (size_t k = h & mask_; slot_id_[k] >= 0; k = (k + 1) & mask_)
        if (slot_hash_[k] == static_cast<uint32_t>(h) && text[slot_id_[k]] == s) return slot_id_[k];
    return -1;
}

TokenId Vocab::byte_token(uint8_t b) const {
    static const char* hex = "0123456789ABCDEF";
    const char buf[6] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>'};
    TokenId id = find(std::string_view(buf, 6));
    if (id >= 0) return id;
    const char c = static_cast<char>(b);
    return find(std::string_view(&c, 1));
}

TokenType Vocab::effective_type(TokenId id) const {
    if (attr[id] & kAttrControl) return TokenType::Control;
    return file_type[id];
}

Vocab load_vocab(const GgufFile& f) {
    Vocab v;
    if (!f.find(key_name("model"))) fail("the file has no tokenizer.ggml.model (no vocabulary)");
    auto model = f.get_string(key_name("model"));
    if (!model) fail("tokenizer.ggml.model is not a string");
    if (*model == "llama") {
        v.model = Vocab::Model::Spm;
    } else if (*model == "gpt2") {
        v.model = Vocab::Model::Bpe;
    } else {
        fail("unsupported tokenizer model '" + printable(*model) + "' (supported: 'llama' SentencePiece, 'gpt2' byte-level BPE)");
    }
    if (f.find(key_name("pre"))) {
        auto pre = f.get_string(key_name("pre"));
        if (!pre) fail("tokenizer.ggml.pre is not a string");
        v.pre = *pre;
    }
    v.model_name = f.get_string("general.name").value_or("");

    // --- token texts, scores, types
    const GgufArray* tokens = get_array(f, "tokens", true);
    if (tokens->elem_type != GgufValueType::String) fail("tokenizer.ggml.tokens is not an array of strings");
    const size_t n = tokens->strings.size();
    if (n == 0) fail("tokenizer.ggml.tokens is empty");
    if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) fail("tokenizer.ggml.tokens is too large");
    v.text = tokens->strings;
    for (size_t i = 0; i < n; ++i)  // as llama.cpp: an empty text would match everywhere
        if (v.text[i].empty()) v.text[i] = "[EMPTY_" + std::to_string(i) + "]";

    v.score.assign(n, 0.0f);
    if (const GgufArray* s = get_array(f, "scores", false)) {
        if (s->size() != n)
            fail("tokenizer.ggml.scores has " + std::to_string(s->size()) + " entries for " + std::to_string(n) +
                 " tokens");
        if (!s->floats.empty()) {
            for (size_t i = 0; i < n; ++i) v.score[i] = static_cast<float>(s->floats[i]);
        } else if (is_int_type(s->elem_type)) {
            for (size_t i = 0; i < n; ++i) v.score[i] = static_cast<float>(s->ints[i]);
        } else {
            fail("tokenizer.ggml.scores is not an array of numbers");
        }
    }

    v.file_type.assign(n, TokenType::Normal);
    if (const GgufArray* t = get_array(f, "token_type", false)) {
        if (!is_int_type(t->elem_type)) fail("tokenizer.ggml.token_type is not an array of integers");
        if (t->size() != n)
            fail("tokenizer.ggml.token_type has " + std::to_string(t->size()) + " entries for " + std::to_string(n) +
                 " tokens");
        for (size_t i = 0; i < n; ++i) {
            const int64_t x = t->ints[i];
            // Unknown type numbers load as Undefined, as in llama.cpp.
            v.file_type[i] = (x >= 0 && x <= 6) ? static_cast<TokenType>(x) : TokenType::Undefined;
        }
    }
    v.attr.resize(n);
    for (size_t i = 0; i < n; ++i) {
        switch (v.file_type[i]) {
            case TokenType::Normal: v.attr[i] = kAttrNormal; break;
            case TokenType::Unknown: v.attr[i] = kAttrUnknown; break;
            case TokenType::Control: v.attr[i] = kAttrControl; break;
            case TokenType::UserDefined: v.attr[i] = kAttrUserDefined; break;
            case TokenType::Unused: v.attr[i] = kAttrUnused; break;
            case TokenType::Byte: v.attr[i] = kAttrByte; break;
            default: v.attr[i] = 0; break;
        }
    }
    v.build_index();

    if (v.model == Vocab::Model::Bpe) {
        const GgufArray* m = get_array(f, "merges", true);
        if (m->elem_type != GgufValueType::String) fail("tokenizer.ggml.merges is not an array of strings");
        v.merges = m->strings;
    }

    // --- special ids and flags (defaults as llama.cpp's)
    const int n_tok = static_cast<int>(n);
    if (v.model == Vocab::Model::Spm) {
        v.bos = n_tok > 1 ? 1 : -1;
        v.eos = n_tok > 2 ? 2 : -1;
        v.unk = 0;
        v.add_bos = true;
        v.add_space_prefix = true;
    } else {
        v.add_bos = pre_info(v.pre).add_bos;
    }
    read_id(f, "bos_token_id", n_tok, v.bos);
    read_id(f, "eos_token_id", n_tok, v.eos);
    read_id(f, "unknown_token_id", n_tok, v.unk);
    read_id(f, "padding_token_id", n_tok, v.pad);
    read_id(f, "eot_token_id", n_tok, v.eot);
    read_id(f, "eom_token_id", n_tok, v.eom);
    const auto add_bos = get_bool(f, "add_bos_token");
    if (add_bos) v.add_bos = *add_bos;
    if (auto b = get_bool(f, "add_eos_token")) v.add_eos = *b;
    if (auto b = get_bool(f, "add_space_prefix")) v.add_space_prefix = *b;
    if (v.add_bos && v.bos < 0) {
        // Only an explicit request is an error; a default (Llama 3 pre-tokenizer, small
        // SentencePiece vocabulary) just lapses.
        if (add_bos) fail("tokenizer.ggml.add_bos_token is set but the vocabulary has no BOS token");
        v.add_bos = false;
    }
    if (v.add_eos && v.eos < 0) fail("tokenizer.ggml.add_eos_token is set but the vocabulary has no EOS token");

    // --- end of generation. Tokens that end a turn become control tokens even when the
    // file says otherwise, so that they neither print nor match plain text.
    auto force_control = [&](TokenId id) { v.attr[id] |= kAttrControl; };
    for (std::string_view t : kEogTexts) {
        TokenId id = v.find(t);
        if (id < 0) continue;
        v.eog.insert(id);
        force_control(id);
    }
    for (TokenId id : {v.eos, v.eot, v.eom})
        if (id >= 0) v.eog.insert(id);
    // gpt-oss ends a message with <|end|> but the turn with <|return|> / <|call|>.
    TokenId end_id = v.find("<|end|>");
    if (end_id >= 0 && v.find("<|return|>") >= 0 && v.find("<|call|>") >= 0 && end_id != v.eos) {
        v.eog.erase(end_id);
        v.attr[end_id] = kAttrUserDefined;
    }

    // --- special tokens, longest first; ties keep id order so the result is stable.
    for (int i = 0; i < n_tok; ++i)
        if (v.attr[i] & (kAttrControl | kAttrUserDefined | kAttrUnknown)) v.special.push_back(i);
    std::stable_sort(v.special.begin(), v.special.end(),
                     [&](TokenId a, TokenId b) { return v.text[a].size() > v.text[b].size(); });

    // Phi-3 strips whitespace after its special tokens (llama.cpp does this by model name).
    const std::string name = lower(v.model_name);
    if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
        for (TokenId id : v.special) v.attr[id] |= kAttrRstrip;
        if (TokenId id = v.find("</s>"); id >= 0) v.attr[id] |= kAttrRstrip;
        for (const char* t : {"<unk>", "<s>", "<|endoftext|>"})
            if (TokenId id = v.find(t); id >= 0) v.attr[id] &= ~kAttrRstrip;
    }
    return v;
}

}  // namespace kinglet::tok
