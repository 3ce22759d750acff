// RoPE scaling. Linear (rope.scaling.type "linear"): positions are divided by the factor.
// Gemma 3 4B and larger carry factor 8, which applies to the global layers only; the
// sliding-window layers keep the positions they were trained with (as in llama.cpp and
// Hugging Face). Checked on the synthetic Gemma 3 file by making every layer local
// (scaling must change nothing) or every layer global (it must change the logits).
// YaRN ("yarn", Qwen long-context files): the table is checked against values worked out
// by hand from the YaRN paper's definitions.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "gguf_rewrite.h"
#include "model/hparams.h"
#include "model/model.h"
#include "runtime/cpu_ops.h"
#include "runtime/session.h"
#include "shared_data.h"

using namespace kinglet;
using kinglet_test::gguf_number;
using kinglet_test::gguf_string;
using kinglet_test::KeyChange;

namespace {

// Logits after each of 24 tokens, on the CPU.
std::vector<float> logits_of(const std::string& path) {
    auto model = Model::load(path);
    SessionOptions options;
    options.backend = "cpu";
    options.n_threads = 1;
    options.n_ctx = 64;
    Session session(*model, options);
    std::vector<TokenId> tokens;
    for (int i = 0; i < 24; ++i) tokens.push_back(TokenId((i * 37 + 5) % model->hparams().n_vocab));
    return session.eval_all(tokens);
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double d = 0;
    for (size_t i = 0; i < a.size(); ++i) d = std::max(d, double(std::fabs(a[i] - b[i])));
    return d;
}

const KeyChange kLinear8[] = {{false, gguf_string("linear")}, {false, gguf_number(GgufValueType::F32, 8.0)}};

}  // namespace

class TestRopeScaling : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string tmp(const char* name) { return (dir_.path() + "/" + name).toStdString(); }

    // tiny-gemma3 with every layer local (pattern > layers) or global (pattern 1), a window
    // wider than the test's context, and optionally linear scaling by 8.
    std::string gemma_variant(const GgufFile& f, bool all_local, bool scaled, const char* name) {
        std::map<std::string, KeyChange> changes = {
            {"gemma3.attention.sliding_window_pattern", {false, gguf_number(GgufValueType::U32, all_local ? 1000 : 1)}},
            {"gemma3.attention.sliding_window", {false, gguf_number(GgufValueType::U32, 4096)}},
        };
        if (scaled) {
            changes["gemma3.rope.scaling.type"] = kLinear8[0];
            changes["gemma3.rope.scaling.factor"] = kLinear8[1];
        }
        kinglet_test::rewrite_gguf(f, changes, tmp(name));
        return tmp(name);
    }

private slots:
    void gemma3ScalesGlobalLayersOnly() {
        KINGLET_REQUIRE_SHARED(path, "models/tiny-gemma3-f16.gguf");
        auto f = GgufFile::open(path.toStdString());

        auto scaled_file = GgufFile::open(gemma_variant(*f, false, true, "params.gguf"));
        const Hparams h = read_hparams(*scaled_file);
        QCOMPARE(h.rope_freq_scale, 0.125f);
        QCOMPARE(h.rope_freq_scale_local, 1.0f);

        const auto local = logits_of(gemma_variant(*f, true, false, "local.gguf"));
        const auto local_scaled = logits_of(gemma_variant(*f, true, true, "local-scaled.gguf"));
        QCOMPARE(max_abs_diff(local, local_scaled), 0.0);

        const auto global = logits_of(gemma_variant(*f, false, false, "global.gguf"));
        const auto global_scaled = logits_of(gemma_variant(*f, false, true, "global-scaled.gguf"));
        QVERIFY2(max_abs_diff(global, global_scaled) > 1e-3, "scaling must move the global layers' positions");
    }

    // Qwen-style YaRN: head dim 128, base 1e6, original context 32768, factor 4, betas 32/1.
    // Pair i turns 32768 / (2 pi 1e6^(i/64)) times over the original context: 32 turns at
    // i = 23.6 and 1 turn at i = 39.7, so pairs up to 23 keep their frequency, pairs from 40
    // on are divided by 4, and pair 30 is 7/17 of the way: factor 0.25 + 0.75 * 10/17.
    void yarnTable() {
        const YarnRamp yarn{1.0f, 32.0f, 1.0f, 32768};
        const RopeTable t = make_rope_table(128, 1e6f, 0.25f, nullptr, true, 1.0f, &yarn);
        const auto base_freq = [](int i) { return std::pow(1e6f, -2.0f * float(i) / 128.0f); };
        QCOMPARE(t.freq_scale, 1.0f);
        QVERIFY(std::fabs(t.mscale - 1.1386294f) < 1e-5f);  // 1 + 0.1 ln 4
        for (int i : {0, 10, 23}) QVERIFY(std::fabs(t.inv_freq[i] / base_freq(i) - 1.0f) < 1e-5f);
        for (int i : {40, 50, 63}) QVERIFY(std::fabs(t.inv_freq[i] / base_freq(i) - 0.25f) < 1e-5f);
        QVERIFY(std::fabs(t.inv_freq[30] / base_freq(30) - (0.25f + 0.75f * 10.0f / 17.0f)) < 1e-5f);
        // ext_factor 0 is plain linear scaling.
        const YarnRamp none{0.0f, 32.0f, 1.0f, 32768};
        const RopeTable linear = make_rope_table(128, 1e6f, 0.25f, nullptr, true, 1.0f, &none);
        QCOMPARE(linear.freq_scale, 0.25f);
        QCOMPARE(linear.mscale, 1.0f);
    }

    // A file that asks for YaRN loads with it (it used to be refused) and differs from
    // both unscaled and linearly scaled positions.
    void yarnFromTheFile() {
        KINGLET_REQUIRE_SHARED(path, "models/tiny-qwen2-f16.gguf");
        auto f = GgufFile::open(path.toStdString());
        const auto with = [&](const char* type, const char* name) {
            kinglet_test::rewrite_gguf(*f, {{"qwen2.rope.scaling.type", {false, gguf_string(type)}},
                                            {"qwen2.rope.scaling.factor", {false, gguf_number(GgufValueType::F32, 4.0)}},
                                            {"qwen2.rope.scaling.original_context_length",
                                             {false, gguf_number(GgufValueType::U32, 64)}}},
                                       tmp(name));
            return tmp(name);
        };
        const std::string yarn = with("yarn", "yarn.gguf");
        const Hparams h = read_hparams(*GgufFile::open(yarn));
        QVERIFY(h.rope_yarn);
        QCOMPARE(h.rope_freq_scale, 0.25f);
        QCOMPARE(h.rope_orig_ctx, 64);
        const auto plain = logits_of(path.toStdString());
        const auto yarn_logits = logits_of(yarn);
        QVERIFY(max_abs_diff(plain, yarn_logits) > 1e-3);
        QVERIFY(max_abs_diff(logits_of(with("linear", "linear.gguf")), yarn_logits) > 1e-3);
    }

    // Other architectures scale every layer.
    void llamaScalesEveryLayer() {
        KINGLET_REQUIRE_SHARED(path, "models/tiny-llama-f32.gguf");
        auto f = GgufFile::open(path.toStdString());
        kinglet_test::rewrite_gguf(*f,
                                   {{"llama.rope.scaling.type", kLinear8[0]}, {"llama.rope.scaling.factor", kLinear8[1]}},
                                   tmp("llama-scaled.gguf"));
        const Hparams h = read_hparams(*GgufFile::open(tmp("llama-scaled.gguf")));
        QCOMPARE(h.rope_freq_scale, 0.125f);
        QVERIFY(max_abs_diff(logits_of(path.toStdString()), logits_of(tmp("llama-scaled.gguf"))) > 1e-3);
    }
};

QTEST_GUILESS_MAIN(TestRopeScaling)
#include "test_rope_scaling.moc"
