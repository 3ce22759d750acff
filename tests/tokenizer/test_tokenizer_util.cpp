#include "test_tokenizer_util.h"

#include <cmath>
#include <functional>

#include "gguf/gguf_writer.h"

using kinglet::GgufWriter;

namespace tok_test {

namespace {

// A small SentencePiece vocabulary: <unk> <s> </s>, the 256 byte tokens, some pieces.
// `repeats` are appended as normal pieces (texts already in the vocabulary, for the
// repeated-token case).
void spm_base(GgufWriter& w, const std::vector<std::string>& repeats = {}) {
    std::vector<std::string> t = {"<unk>", "<s>", "</s>"};
    static const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) t.push_back(std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">");
    for (const char* p : {"\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab", "\xE2\x96\x81" "ab", "<|im_end|>"})
        t.push_back(p);
    std::vector<float> s(t.size(), 0.0f);
    std::vector<int32_t> ty(t.size(), 1);
    ty[0] = 2;
    ty[1] = ty[2] = 3;
    for (int b = 0; b < 256; ++b) ty[3 + b] = 6;
    ty.back() = 3;
    for (const std::string& r : repeats) {
        t.push_back(r);
        ty.push_back(1);
        s.push_back(0.0f);
    }
    for (size_t i = 259; i < t.size(); ++i) s[i] = -float(i);
    w.set_string("general.architecture", "llama");
    w.set_string("tokenizer.ggml.model", "llama");
    w.set_string_array("tokenizer.ggml.tokens", t);
    w.set_f32_array("tokenizer.ggml.scores", s);
    w.set_i32_array("tokenizer.ggml.token_type", ty);
    w.set_u32("tokenizer.ggml.bos_token_id", 1);
    w.set_u32("tokenizer.ggml.eos_token_id", 2);
    w.set_u32("tokenizer.ggml.unknown_token_id", 0);
}

// A small byte-level BPE vocabulary: the 256 GPT-2 byte characters and a few merges.
void bpe_base(GgufWriter& w, const std::vector<std::string>& merges, const std::vector<std::string>& repeats = {}) {
    std::vector<std::string> t;
    for (int b = 0; b < 256; ++b) {
        const bool keep = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
        static int n = 0;
        if (b == 0) n = 0;
        const uint32_t cp = keep ? uint32_t(b) : uint32_t(256 + n++);
        std::string s;
        if (cp < 0x80) {
            s.push_back(char(cp));
        } else {
            s.push_back(char(0xC0 | (cp >> 6)));
            s.push_back(char(0x80 | (cp & 0x3F)));
        }
        t.push_back(s);
    }
    for (const char* p : {"\xC4\xA0" "a", "ab", "<|endoftext|>"}) t.push_back(p);
    std::vector<int32_t> ty(t.size(), 1);
    ty.back() = 3;
    const uint32_t eos = uint32_t(t.size() - 1);
    for (const std::string& r : repeats) {
        t.push_back(r);
        ty.push_back(1);
    }
    w.set_string("general.architecture", "gpt2");
    w.set_string("tokenizer.ggml.model", "gpt2");
    w.set_string("tokenizer.ggml.pre", "gpt-2");
    w.set_string_array("tokenizer.ggml.tokens", t);
    w.set_i32_array("tokenizer.ggml.token_type", ty);
    w.set_string_array("tokenizer.ggml.merges", merges);
    w.set_u32("tokenizer.ggml.eos_token_id", eos);
}

std::vector<VocabFile> write_all(const std::string& dir,
                                 const std::vector<std::pair<std::string, std::function<void(GgufWriter&)>>>& cases) {
    std::vector<VocabFile> out;
    int i = 0;
    for (const auto& [what, build] : cases) {
        GgufWriter w;
        build(w);
        const std::string path = dir + "/kinglet_tok_vocab_" + std::to_string(i++) + ".gguf";
        w.write(path);
        out.push_back({what, path});
    }
    return out;
}

}  // namespace

std::vector<VocabFile> write_broken_vocabs(const std::string& dir) {
    const std::vector<std::string> ok_merges = {"\xC4\xA0 a", "a b"};
    return write_all(dir, {
        {"scores shorter than tokens", [](GgufWriter& w) { spm_base(w); w.set_f32_array("tokenizer.ggml.scores", {0.f, 1.f}); }},
        {"token types longer than tokens", [](GgufWriter& w) { spm_base(w); w.set_i32_array("tokenizer.ggml.token_type", std::vector<int32_t>(1000, 1)); }},
        {"BOS id past the end", [](GgufWriter& w) { spm_base(w); w.set_u32("tokenizer.ggml.bos_token_id", 266); }},
        {"EOS id negative", [](GgufWriter& w) { spm_base(w); w.set_i32("tokenizer.ggml.eos_token_id", -7); }},
        {"unknown id past the end", [](GgufWriter& w) { spm_base(w); w.set_u32("tokenizer.ggml.unknown_token_id", 100000); }},
        {"EOT id past the end", [](GgufWriter& w) { spm_base(w); w.set_u32("tokenizer.ggml.eot_token_id", 4000000000u); }},
        {"unsupported model", [](GgufWriter& w) { spm_base(w); w.set_string("tokenizer.ggml.model", "bert"); }},
        {"no model", [](GgufWriter& w) { w.set_string_array("tokenizer.ggml.tokens", {"a", "b"}); }},
        {"model not a string", [](GgufWriter& w) { spm_base(w); w.set_u32("tokenizer.ggml.model", 3); }},
        {"no tokens", [](GgufWriter& w) { w.set_string("tokenizer.ggml.model", "llama"); }},
        {"empty token list", [](GgufWriter& w) { spm_base(w); w.set_string_array("tokenizer.ggml.tokens", {}); }},
        {"tokens not strings", [](GgufWriter& w) { spm_base(w); w.set_i32_array("tokenizer.ggml.tokens", {1, 2, 3}); }},
        {"tokens not an array", [](GgufWriter& w) { spm_base(w); w.set_string("tokenizer.ggml.tokens", "abc"); }},
        {"scores not numbers", [](GgufWriter& w) { spm_base(w); w.set_string_array("tokenizer.ggml.scores", std::vector<std::string>(266, "x")); }},
        {"add_bos_token not a bool", [](GgufWriter& w) { spm_base(w); w.set_string("tokenizer.ggml.add_bos_token", "yes"); }},
        {"BOS added but absent", [](GgufWriter& w) { bpe_base(w, {"a b"}); w.set_bool("tokenizer.ggml.add_bos_token", true); }},
        {"BPE without merges", [](GgufWriter& w) { bpe_base(w, {}); w.set_u32("tokenizer.ggml.merges", 1); }},
        {"merges not strings", [](GgufWriter& w) { bpe_base(w, {}); w.set_i32_array("tokenizer.ggml.merges", {1, 2}); }},
        {"pre not a string", [ok_merges](GgufWriter& w) { bpe_base(w, ok_merges); w.set_u32("tokenizer.ggml.pre", 2); }},
    });
}

std::vector<VocabFile> write_odd_vocabs(const std::string& dir) {
    return write_all(dir, {
        {"plain SentencePiece", [](GgufWriter& w) { spm_base(w); }},
        {"absent ids written as 0xFFFFFFFF", [](GgufWriter& w) { spm_base(w); w.set_u32("tokenizer.ggml.padding_token_id", 0xFFFFFFFFu); }},
        {"no unknown token, no byte tokens, NaN scores, odd types", [](GgufWriter& w) {
             w.set_string("tokenizer.ggml.model", "llama");
             w.set_string_array("tokenizer.ggml.tokens", {"x", "", "\xE2\x96\x81", "\xFF\xFE", "a", "aa", "<0xZZ>"});
             w.set_f32_array("tokenizer.ggml.scores", {0.f, 0.f, NAN, -1.f, INFINITY, -INFINITY, 0.f});
             w.set_i32_array("tokenizer.ggml.token_type", {99, -3, 1, 1, 1, 4, 6});
             w.set_i32("tokenizer.ggml.bos_token_id", -1);
             w.set_bool("tokenizer.ggml.add_bos_token", false);
         }},
        {"BPE with garbage merges", [](GgufWriter& w) {
             bpe_base(w, {"", " ", "x", "a", "a ", " a", "a b c", "\xC4\xA0 a", "a b", "a b", "\xFF \xFE", "ab \xC4\xA0" "a"});
         }},
        {"BPE with unknown pre-tokenizer", [](GgufWriter& w) { bpe_base(w, {"a b"}); w.set_string("tokenizer.ggml.pre", "no-such-pre"); }},
        {"BPE with no byte characters", [](GgufWriter& w) {
             w.set_string("tokenizer.ggml.model", "gpt2");
             w.set_string_array("tokenizer.ggml.tokens", {"a", "b", "ab", "<|im_end|>"});
             w.set_i32_array("tokenizer.ggml.token_type", {1, 1, 1, 4});
             w.set_string_array("tokenizer.ggml.merges", {"a b", "ab ab"});
         }},
    });
}

std::vector<VocabFile> write_repeat_vocabs(const std::string& dir) {
    return write_all(dir, {
        {"SentencePiece with a repeated piece", [](GgufWriter& w) { spm_base(w, {"\xE2\x96\x81" "ab"}); }},
        {"BPE with a repeated token", [](GgufWriter& w) { bpe_base(w, {"\xC4\xA0 a", "a b"}, {"ab"}); }},
    });
}

std::vector<std::string> nasty_inputs() {
    std::vector<std::string> v = {
        "", " ", "\xE2\x96\x81", std::string(1, '\0'), std::string("a\0b", 3), "\xFF", "\xC3", "\xE4\xB8", "\xF0\x9F\xA6",
        "\xED\xA0\x80", "\xC0\x80", "\xF7\xBF\xBF\xBF", "\xF8\x88\x80\x80\x80", "a\xE4" "bc", "<|im_end|", "<|im_end|>",
        "<s><s></s>", "'s'S'll 'LL", "\r\n\r\n \t\v\f", "\xC2\x85\xC2\xA0\xE3\x80\x80", "1234567890", "\xEF\xBF\xBD",
    };
    std::string all;
    for (int b = 0; b < 256; ++b) all.push_back(char(b));
    v.push_back(all);
    v.push_back(std::string(5000, ' '));
    v.push_back(std::string(5000, 'a'));
    v.push_back(std::string(3000, '\xFF'));
    std::string junk;
    uint32_t x = 12345;
    for (int i = 0; i < 20000; ++i) {
        x = x * 1103515245u + 12345u;
        junk.push_back(char(x >> 24));
    }
    v.push_back(junk);
    return v;
}

std::vector<PreCase> pretokenizer_cases() {
    return {
        {"gpt-2", "Hello world", {"Hello", " world"}},
        {"gpt-2", "  Hello   World!!  ", {" ", " Hello", "  ", " World", "!!", "  "}},
        {"gpt-2", "I'm don't ''s", {"I", "'m", " don", "'t", " ''", "s"}},
        {"gpt-2", "a\tb\n\n c", {"a", "\t", "b", "\n\n", " c"}},
        {"gpt-2", "abc123def 4567", {"abc", "123", "def", " 4567"}},
        {"gpt-2", "\u00E9t\u00E9 \u65E5\u672C \U0001F999!", {"\u00E9t\u00E9", " \u65E5\u672C", " \U0001F999!"}},
        {"gpt-2", "x\u3000y\u00A0z", {"x", "\u3000", "y", "\u00A0", "z"}},
        {"llama-bpe", "Hello world", {"Hello", " world"}},
        {"llama-bpe", "I'M DON'T 'Ll", {"I", "'M", " DON", "'T", " '", "Ll"}},
        {"llama-bpe", "1234567 89", {"123", "456", "7", " ", "89"}},
        {"llama-bpe", "  \n\n  x \r\n\ty", {"  \n\n", " ", " x", " \r\n", "\ty"}},
        {"llama-bpe", "!!!\n\nabc", {"!!!\n\n", "abc"}},
        {"llama-bpe", " \u00BD\u2167\u0663", {" ", "\u00BD\u2167\u0663"}},
        {"llama-bpe", "a  ", {"a", "  "}},
        {"llama-bpe", "\u65E5\u672C\u8A9E\u306E", {"\u65E5\u672C\u8A9E\u306E"}},
        {"qwen2", "1234567 89", {"1", "2", "3", "4", "5", "6", "7", " ", "8", "9"}},
        {"qwen2", "I'M don'T", {"I", "'M", " don", "'T"}},
        {"qwen2", "x  \n \n y", {"x", "  \n \n", " y"}},
        {"qwen2", "..\r\n", {"..\r\n"}},
        {"qwen2", "\u00C9cole \u0301a", {"\u00C9cole", " \u0301", "a"}},
        {"starcoder", "abc123 45", {"abc", "1", "2", "3", " ", "4", "5"}},
        {"starcoder", " 1 22 333", {" ", "1", " ", "2", "2", " ", "3", "3", "3"}},
        {"starcoder", "x=1+2", {"x", "=", "1", "+", "2"}},
        {"default", "a+b==c 12345", {"a", "+", "b", "==", "c", " ", "123", "45"}},
        {"default", "Hello, world!!", {"Hello", ",", " world", "!!"}},
        {"default", "x $100 ~ y|z", {"x", " ", "$", "100", " ", "~", " y", "|", "z"}},
        {"default", "\u00BD 1234567", {"\u00BD", " ", "123", "456", "7"}},
        {"deepseek-llm", "Hello World\nFoo", {"Hello", " World", "\n", "Foo"}},
        {"deepseek-llm", " \u00E9t\u00E9 \u212A\u2126", {" \u00E9", "t", "\u00E9", " ", "\u212A\u2126"}},
        {"deepseek-llm", "abc!! \uFF01\uFF01 \u3000x", {"abc", "!!", " \uFF01\uFF01", " ", "\u3000x"}},
        {"deepseek-llm", "trail   ", {"trail", "   "}},
        {"deepseek-llm", "\u65E5\u672C\u8A9E \uAC00\uB098 \u0905", {"\u65E5\u672C\u8A9E", " ", "\uAC00\uB098", " ", "\u0905"}},
        {"deepseek-llm", "12 345", {"12", " ", "345"}},
        {"deepseek-llm", "a\u00A0b", {"a", "\u00A0b"}},
        {"deepseek-v3", "1234567", {"123", "456", "7"}},
        {"deepseek-v3", "\u65E5\u672C\u8A9E\u306E\u30C6\u30B9\u30C8", {"\u65E5\u672C\u8A9E\u306E\u30C6\u30B9\u30C8"}},
        {"deepseek-v3", "#include <x>", {"#include", " <", "x", ">"}},
        {"deepseek-v3", "~tilde ~ a~b", {"~tilde", " ", "~", " a", "~b"}},
        {"deepseek-v3", " (x) \u00E9\u0301t\u00E9", {" (", "x", ")", " \u00E9\u0301t\u00E9"}},
        {"deepseek-v3", "a\r\n\r\nb", {"a", "\r\n\r\n", "b"}},
        {"deepseek-v3", "\u00BD\u0663", {"\u00BD\u0663"}},
        {"gpt-4o", "HTTPServer xmlHTTP Request", {"HTTPServer", " xml", "HTTP", " Request"}},
        {"gpt-4o", "\u00C9COLE \u00E9cole \u00C9colE", {"\u00C9", "COLE", " \u00E9cole", " \u00C9col", "E"}},
        {"gpt-4o", "don't I'LL", {"don't", " I'LL"}},
        {"gpt-4o", "12345 6", {"123", "45", " ", "6"}},
        {"gpt-4o", "a/b\n/c", {"a", "/b", "\n", "/c"}},
        {"gpt-4o", "  x\n\n  y", {" ", " x", "\n\n", " ", " y"}},
        {"gpt-4o", "\u65E5\u672C \U0001F999", {"\u65E5\u672C", " \U0001F999"}},

    };
}

}  // namespace tok_test
