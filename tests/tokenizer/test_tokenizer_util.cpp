#include "test_tokenizer_util.h"

#include <cmath>
#include <functional>

#include "gguf/gguf_writer.h"

using kinglet::GgufWriter;

namespace tok_test {

namespace {

// A small SentencePiece vocabulary: <unk> <s> </s>, the 256 byte tokens, some pieces.
void spm_base(GgufWriter& w) {
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
void bpe_base(GgufWriter& w, const std::vector<std::string>& merges) {
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
    w.set_string("general.architecture", "gpt2");
    w.set_string("tokenizer.ggml.model", "gpt2");
    w.set_string("tokenizer.ggml.pre", "gpt-2");
    w.set_string_array("tokenizer.ggml.tokens", t);
    w.set_i32_array("tokenizer.ggml.token_type", ty);
    w.set_string_array("tokenizer.ggml.merges", merges);
    w.set_u32("tokenizer.ggml.eos_token_id", uint32_t(t.size() - 1));
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
        {"duplicate token", [](GgufWriter& w) { spm_base(w); w.set_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "a", "a"});
                                                  w.set_f32_array("tokenizer.ggml.scores", std::vector<float>(5, 0.f));
                                                  w.set_i32_array("tokenizer.ggml.token_type", std::vector<int32_t>(5, 1)); }},
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

}  // namespace tok_test
