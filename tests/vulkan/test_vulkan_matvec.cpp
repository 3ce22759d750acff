// The decode kernel (matvec.glsl) on whatever device there is (lavapipe in CI): every
// weight type over long and ragged rows, in both builds (subgroup sums and shared memory);
// parts of one input in one dispatch; the block norm, the FFN activation and the rotary
// embedding with the KV cache store folded in.
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <tuple>

#include "vulkan_test_util.h"

using namespace kinglet;
using namespace kinglet_vk_test;

class TestVulkanMatvec : public QObject {
    Q_OBJECT

    // Rows file/tokens for one and three tokens, on the decode kernel's subgroup build (where
    // the device has one); the files of `shared` also on its shared-memory build.
    // The subgroup build runs twice: with the device's rows per subgroup (GROUP in matvec.glsl:
    // 2 on lavapipe) and with one row each (every GPU's default).
    static void add_model_rows(std::initializer_list<const char*> files, std::initializer_list<const char*> shared) {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("tokens");
        QTest::addColumn<bool>("shared_build");
        QTest::addColumn<int>("group");  // 0: the device's choice
        for (const char* f : files)
            for (int tokens : {1, 3})
                for (int group : {0, 1})
                    QTest::newRow(qPrintable(QString("%1/%2%3").arg(f).arg(tokens).arg(group ? "/group 1" : "")))
                        << QString(f) << tokens << false << group;
        for (const char* f : shared)
            for (int tokens : {1, 3})
                QTest::newRow(qPrintable(QString("%1/%2/shared").arg(f).arg(tokens))) << QString(f) << tokens << true << 0;
    }

    // The environment of one add_model_rows row.
    struct ModelRowEnv {
        ScopedEnv build, group;
        ModelRowEnv(bool shared_build, int group_rows)
            : build("KINGLET_VK_NO_SUBGROUPS", shared_build ? "1" : nullptr),
              group("KINGLET_VK_MATVEC_GROUP", group_rows == 1 ? "1" : nullptr) {}
    };

private slots:
    // Decode matvec over rows much longer than a tiny model's: several sub-blocks per lane,
    // the last step only partly inside the row (5888 = 184 sub-blocks of 32; with three tokens,
    // which must fit the Gate buffer, 2816 = 88), with the lanes summed by subgroupAdd (where the device has it: lavapipe's
    // 8-wide subgroups also meet in shared memory) and by the shared-memory build.
    // Plain types may have rows of any length: 1001 leaves the last sub-block 9 values long and,
    // from the second token on, the activations not 4-aligned (no whole vec4 loads); 6 tokens
    // take the tiled matmul instead. With `norm` the input is rmsnorm(x) * g, folded into the
    // decode kernel (norm_matmul_parts: one dispatch; F16 weights are left out, see matvec.glsl).
    void matvecLongRows_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("tokens");
        QTest::addColumn<bool>("subgroups");
        QTest::addColumn<int>("ragged");
        QTest::addColumn<int>("rows");  // per subgroup-build workgroup; 0: the device's choice
        QTest::addColumn<bool>("norm");
        QTest::addColumn<bool>("wide");  // 256-invocation workgroups, two subgroups a row
        QTest::addColumn<int>("group");  // rows a subgroup sums together; 0: the device's choice
        auto add = [](GgmlType t, int tokens, bool sg, int ragged, int rows, bool norm = false, bool wide = false,
                      int group = 0) {
            QTest::newRow(qPrintable(QString("%1/%2 tokens/%3%4%5%6%7%8").arg(type_name(t).c_str()).arg(tokens)
                                         .arg(sg ? "subgroup" : "shared").arg(ragged ? QString("/%1").arg(ragged) : "")
                                         .arg(rows ? QString("/%1 rows").arg(rows) : "").arg(norm ? "/norm" : "")
                                         .arg(wide ? "/wide" : "").arg(group ? QString("/group %1").arg(group) : "")))
                << int(t) << tokens << sg << ragged << rows << norm << wide << group;
        };
        for (GgmlType t : {GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
                           GgmlType::Q5_1, GgmlType::IQ4_NL, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K,
                           GgmlType::Q6_K, GgmlType::IQ4_XS})
            for (int tokens : {1, 3}) {
                add(t, tokens, false, 0, 0);
                add(t, tokens, true, 0, 0);
                // 4 rows of 128 invocations: on lavapipe (8-wide subgroups) each row's 4
                // subgroups meet in shared memory.
                add(t, tokens, true, 0, 4);
                if (t != GgmlType::F16) add(t, tokens, true, 0, 0, true);
            }
        for (GgmlType t : {GgmlType::Q4_K, GgmlType::Q8_0}) {
            add(t, 3, false, 0, 0, true);
            add(t, 3, true, 0, 4, true);
        }
        // 6 tokens: the prompt kernel (on tensor cores where the device has them) over 10 of
        // its 128-value stages, 37 rows of its 64-row tile.
        for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::IQ4_XS})
            add(t, 6, true, 0, 0);
        for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::BF16})
            for (int tokens : {1, 3, 6})
                for (bool sg : {true, false}) add(t, tokens, sg, 1001, 0);
        for (GgmlType t : {GgmlType::F32, GgmlType::BF16})
            for (int tokens : {1, 3})
                for (bool sg : {true, false}) add(t, tokens, sg, 1001, 0, true);
        // KINGLET_VK_MATVEC_WIDE: each row's lanes in two subgroups (more where the device's are
        // narrow), their sums meeting in shared memory; the shared build ignores it.
        for (GgmlType t : {GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::IQ4_XS})
            for (int tokens : {1, 3}) {
                add(t, tokens, true, 0, 0, true, true);
                add(t, tokens, true, 0, 4, false, true);
            }
        for (bool sg : {true, false}) add(GgmlType::F32, 3, sg, 1001, 0, true, true);
        // KINGLET_VK_MATVEC_GROUP: one row a subgroup (the GPUs' default), two or four rows
        // summed together (lavapipe's default is 2), the 37 rows leaving the last group ragged;
        // with 4 rows a workgroup and 4 a group, the group's subgroups meet in shared memory.
        for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::IQ4_XS, GgmlType::Q5_1})
            for (int tokens : {1, 3}) {
                add(t, tokens, true, 0, 0, true, false, 1);
                add(t, tokens, true, 0, 0, false, false, 2);
                add(t, tokens, true, 0, 4, true, false, 4);
                add(t, tokens, true, 0, 32, false, tokens == 3, 4);
            }
        for (int group : {1, 2, 4}) add(GgmlType::F32, 3, true, 1001, 0, true, false, group);
    }
    void matvecLongRows() {
        QFETCH(int, type);
        QFETCH(int, tokens);
        QFETCH(bool, subgroups);
        QFETCH(int, ragged);
        QFETCH(int, rows);
        QFETCH(bool, norm);
        QFETCH(bool, wide);
        QFETCH(int, group);
        KINGLET_REQUIRE_SHARED(path, "models/tiny-llama-f32.gguf");
        ScopedEnv build("KINGLET_VK_NO_SUBGROUPS", subgroups ? nullptr : "1");
        ScopedEnv wide_rows("KINGLET_VK_MATVEC_WIDE", wide ? "64" : nullptr);
        const QByteArray rows_text = QByteArray::number(rows);
        ScopedEnv row_count("KINGLET_VK_MATVEC_ROWS", rows ? rows_text.constData() : nullptr);
        const QByteArray group_text = QByteArray::number(group);
        ScopedEnv row_group("KINGLET_VK_MATVEC_GROUP", group ? group_text.constData() : nullptr);
        // One dispatch on any device: a GPU with many compute units would split the 6-token
        // product's K (test_vulkan_split_k checks that).
        ScopedEnv no_split("KINGLET_VK_SPLIT_K", "1");
        REQUIRE_VULKAN(backend);
        Fixture f = fixture(std::move(backend), path);
        const bool sg_build = subgroups && f.vk->device_info().subgroup_arithmetic;
        QCOMPARE(f.vk->matvec_shader(), std::string(sg_build ? "matvec_subgroup" : "matvec"));
        const uint32_t sg_width = f.vk->device_info().subgroup_size;
        const uint32_t want_rows =
            !sg_build ? 4 : rows ? rows : std::clamp(128u / std::max(sg_width, 1u) * f.vk->matvec_group(), 4u, 32u);
        QCOMPARE(f.vk->matvec_rows(), want_rows);
        if (sg_build && group) QCOMPARE(f.vk->matvec_group(), uint32_t(group));
        const int n_in = ragged ? ragged : tokens == 1 ? 5888 : tokens == 3 ? 2816 : 1280, n_rows = 37;
        QCOMPARE(f.vk->matvec_threads(n_in), wide && sg_build ? 256u : 128u);
        QVERIFY(size_t(tokens) * n_in <= size_t(kTokens) * f.model->hparams().n_ff);  // fits Gate
        TensorInfo w;
        w.name = "long";
        w.type = GgmlType(type);
        w.n_dims = 2;
        w.ne[0] = n_in;
        w.ne[1] = n_rows;
        const size_t rb = row_bytes(w.type, n_in);
        std::vector<uint8_t> bytes(rb * n_rows);
        const auto values = random_floats(size_t(n_in) * n_rows, 21);
        for (int r = 0; r < n_rows; ++r) quantize_row(w.type, &values[size_t(r) * n_in], &bytes[r * rb], n_in);
        w.nbytes = bytes.size();
        w.data = bytes.data();

        // Off-centre activations, and norm weights around 1, as in a model's residual stream.
        auto x = random_floats(size_t(tokens) * n_in, 22);
        for (float& v : x) v = 0.3f + 2.0f * v;
        f.vk->write_act(Act::Gate, x.data(), x.size());
        auto g = random_floats(size_t(n_in), 23, 0.5f);
        for (float& v : g) v += 1.0f;
        const TensorInfo gt = f32_vector("norm", g);
        const float eps = 1e-5f;
        const size_t before = f.vk->dispatch_count();
        if (norm) f.vk->norm_matmul_parts(Act::Gate, gt, eps, tokens, {{&w, 0, n_rows, Act::Tmp}});
        else f.vk->matmul(w, Act::Gate, Act::Tmp, tokens, 0, n_rows);
        QCOMPARE(f.vk->dispatch_count() - before, size_t(1));
        if (norm)  // what the kernel is given: the normalised rows
            for (int t = 0; t < tokens; ++t) {
                float* xt = &x[size_t(t) * n_in];
                double ss = 0;
                for (int i = 0; i < n_in; ++i) ss += double(xt[i]) * xt[i];
                const double inv_rms = 1.0 / std::sqrt(ss / n_in + eps);
                for (int i = 0; i < n_in; ++i) xt[i] = float(xt[i] * inv_rms * g[i]);
            }
        std::vector<float> got(size_t(tokens) * n_rows), want(got.size()), row(n_in);
        f.vk->read_act(Act::Tmp, got.data(), got.size());
        const std::string shader = tokens > 4 ? f.vk->matmul_shader(w.type) : f.vk->matvec_shader();
        for (int r = 0; r < n_rows; ++r) {
            dequantize_row(w.type, &bytes[r * rb], row.data(), n_in);
            for (int t = 0; t < tokens; ++t)
                want[size_t(t) * n_rows + r] =
                    expected_dot(row.data(), &x[size_t(t) * n_in], n_in, w.type, shader == "matmul_coopmat");
        }
        // Tensor cores add their products in their own order and alignment: over 1001 values
        // an H200 gave 1.2e-4 (F16 weights), the F32 kernels at most 7e-5.
        const double d = max_rel_diff(got, want), limit = shader == "matmul_coopmat" ? 2e-4 : 1e-4;
        qInfo("%s: max rel diff %.2e (%s)", type_name(w.type).c_str(), d, shader.c_str());
        QVERIFY2(d < limit, qPrintable(QString("max rel diff %1").arg(d)));
    }

    // Q|K|V and gate|up as one decode dispatch give exactly what separate matmuls give: with
    // biases (Qwen2), with one fused Q|K|V tensor (Phi-3), with V of another type than Q and K
    // (Q4_K_M: then Q|K is one dispatch and V another), for one and three tokens. With the
    // block's norm folded in (norm_matmul_parts), the same dispatches, no norm of their own
    // (except F16 weights), and the results of rmsnorm then matmul_parts. The FFN's first half
    // (ffn_gate_up), SiLU (Llama, Qwen2, Phi-3) and GELU (Gemma 3): act(gate) * up from the
    // gate|up dispatch itself, as the separate steps give it.
    void matmulPartsMatchSeparateMatmuls_data() {
        add_model_rows({"tiny-qwen2-f16", "tiny-phi3-f32", "tiny-llama-q8_0", "tiny-llama-q4_k_m", "tiny-gemma3-q4_k_m",
                        "tiny-gemma3-f16"},
                       {"tiny-llama-q4_k_m", "tiny-gemma3-q4_k_m"});
    }
    void matmulPartsMatchSeparateMatmuls() {
        QFETCH(QString, file);
        QFETCH(int, tokens);
        QFETCH(bool, shared_build);
        QFETCH(int, group);
        KINGLET_REQUIRE_SHARED(path, "models/" + file + ".gguf");
        const ModelRowEnv env(shared_build, group);
        REQUIRE_VULKAN(backend);
        Fixture f = fixture(std::move(backend), path);
        if (shared_build) QCOMPARE(f.vk->matvec_shader(), std::string("matvec"));
        if (group) QCOMPARE(f.vk->matvec_group(), uint32_t(group));
        const Hparams& h = f.model->hparams();
        const LayerWeights& lw = f.model->weights().layers[1];
        const int64_t Q = h.q_dim(), KV = h.kv_dim(), F = h.n_ff;
        const auto x = random_floats(size_t(tokens) * h.n_embd, 31);
        f.vk->write_act(Act::XN, x.data(), x.size());
        auto read = [&](Act a, int64_t width) {
            std::vector<float> v(size_t(tokens) * width);
            f.vk->read_act(a, v.data(), v.size());
            return v;
        };
        // One dispatch per run of parts of one type, then each part on its own.
        auto check = [&](std::initializer_list<MatmulPart> parts) {
            size_t runs = 0;
            for (const MatmulPart* p = parts.begin(); p != parts.end(); ++p)
                runs += p == parts.begin() || p->w->type != p[-1].w->type;
            const size_t before = f.vk->dispatch_count();
            f.vk->matmul_parts(Act::XN, tokens, parts);
            QCOMPARE(f.vk->dispatch_count() - before, runs);
            std::vector<std::vector<float>> fused;
            for (const MatmulPart& p : parts) fused.push_back(read(p.out, p.n_out));
            size_t i = 0;
            for (const MatmulPart& p : parts) {
                f.vk->matmul(*p.w, Act::XN, p.out, tokens, p.row0, p.n_out, {p.bias});
                QCOMPARE(read(p.out, p.n_out), fused[i]);
                QVERIFY(std::any_of(fused[i].begin(), fused[i].end(), [](float a) { return a != 0; }));
                ++i;
            }
        };
        auto check_norm = [&](const TensorInfo& norm, std::initializer_list<MatmulPart> parts) {
            size_t runs = 0;
            for (const MatmulPart* p = parts.begin(); p != parts.end(); ++p)
                runs += p == parts.begin() || p->w->type != p[-1].w->type;
            const bool f16 = parts.begin()->w->type == GgmlType::F16;
            auto xs = random_floats(size_t(tokens) * h.n_embd, 32, 3.0f);
            f.vk->write_act(Act::X, xs.data(), xs.size());
            const size_t before = f.vk->dispatch_count();
            f.vk->norm_matmul_parts(Act::X, norm, h.norm_eps, tokens, parts);
            QCOMPARE(f.vk->dispatch_count() - before, runs + (f16 ? 1 : 0));
            std::vector<std::vector<float>> fused;
            for (const MatmulPart& p : parts) fused.push_back(read(p.out, p.n_out));
            f.vk->rmsnorm(Act::XN, Act::X, norm, tokens, h.n_embd, h.norm_eps, 0);
            f.vk->matmul_parts(Act::XN, tokens, parts);
            size_t i = 0;
            for (const MatmulPart& p : parts) {
                const double d = max_rel_diff(fused[i++], read(p.out, p.n_out));
                QVERIFY2(d < 1e-5, qPrintable(QString("%1: max rel diff %2").arg(p.w->name.c_str()).arg(d)));
            }
        };
        if (lw.wqkv) {
            std::initializer_list<MatmulPart> qkv = {
                {lw.wqkv, 0, Q, Act::Q, lw.bq}, {lw.wqkv, Q, KV, Act::K, lw.bk}, {lw.wqkv, Q + KV, KV, Act::V, lw.bv}};
            check(qkv);
            check_norm(*lw.attn_norm, qkv);
        } else {
            std::initializer_list<MatmulPart> qkv = {
                {lw.wq, 0, Q, Act::Q, lw.bq}, {lw.wk, 0, KV, Act::K, lw.bk}, {lw.wv, 0, KV, Act::V, lw.bv}};
            check(qkv);
            check_norm(*lw.attn_norm, qkv);
        }
        auto check_ffn = [&](const MatmulPart& gate, const MatmulPart& up) {
            const bool f16 = gate.w->type == GgmlType::F16, paired = gate.w->type == up.w->type;
            auto xs = random_floats(size_t(tokens) * h.n_embd, 33, 3.0f);
            f.vk->write_act(Act::X, xs.data(), xs.size());
            const size_t before = f.vk->dispatch_count();
            f.vk->ffn_gate_up(Act::X, *lw.ffn_norm, h.norm_eps, tokens, gate, up, h.activation);
            // Paired: one dispatch (after the norm's for F16); else gate, up and the activation.
            QCOMPARE(f.vk->dispatch_count() - before, size_t(paired ? 1 : 3) + (f16 ? 1 : 0));
            const auto fused = read(Act::Gate, F);
            f.vk->rmsnorm(Act::XN, Act::X, *lw.ffn_norm, tokens, h.n_embd, h.norm_eps, 0);
            f.vk->matmul_parts(Act::XN, tokens, {gate, up});
            f.vk->glu(h.activation, size_t(tokens) * F);
            const double d = max_rel_diff(fused, read(Act::Gate, F));
            QVERIFY2(d < 1e-5, qPrintable(QString("max rel diff %1").arg(d)));
            QVERIFY(std::any_of(fused.begin(), fused.end(), [](float a) { return a != 0; }));
        };
        const MatmulPart gate = lw.ffn_gate ? MatmulPart{lw.ffn_gate, 0, F, Act::Gate} : MatmulPart{lw.ffn_up, 0, F, Act::Gate};
        const MatmulPart up = lw.ffn_gate ? MatmulPart{lw.ffn_up, 0, F, Act::Up} : MatmulPart{lw.ffn_up, F, F, Act::Up};
        check({gate, up});
        check_norm(*lw.ffn_norm, {gate, up});
        check_ffn(gate, up);
    }

    // The attention block's input in one decode dispatch (qkv_rope_store_kv): Q rotated, K
    // rotated and V stored in the cache, as the separate steps (Q|K|V, then rope_store_kv) do
    // it; checked on Q and on the attention over the cache that follows. Rotations: NEOX and
    // adjacent pairs, over the whole head, over half of it (the rest unrotated), and none.
    // Q|K|V of one type is one dispatch (after the norm's for F16); with V of another type
    // (Q4_K_M) Q|K is one and V another.
    void qkvRopeStoreKvMatchesSeparateSteps_data() {
        add_model_rows({"tiny-qwen2-q8_0", "tiny-qwen2-f16", "tiny-phi3-f32", "tiny-llama-q4_k_m", "stories260K"},
                       {"tiny-qwen2-q8_0", "tiny-llama-q4_k_m"});
    }
    void qkvRopeStoreKvMatchesSeparateSteps() {
        QFETCH(QString, file);
        QFETCH(int, tokens);
        QFETCH(bool, shared_build);
        QFETCH(int, group);
        KINGLET_REQUIRE_SHARED(path, "models/" + file + ".gguf");
        const ModelRowEnv env(shared_build, group);
        REQUIRE_VULKAN(backend);
        Fixture f = fixture(std::move(backend), path);
        if (shared_build) QCOMPARE(f.vk->matvec_shader(), std::string("matvec"));
        if (group) QCOMPARE(f.vk->matvec_group(), uint32_t(group));
        const Hparams& h = f.model->hparams();
        const int layer = h.n_layer - 1, D = h.head_dim;
        const LayerWeights& lw = f.model->weights().layers[layer];
        QVERIFY(!lw.q_norm && !lw.k_norm);
        const int64_t Q = h.q_dim(), KV = h.kv_dim();
        const MatmulPart q = lw.wqkv ? MatmulPart{lw.wqkv, 0, Q, Act::Q, lw.bq} : MatmulPart{lw.wq, 0, Q, Act::Q, lw.bq};
        const MatmulPart k = lw.wqkv ? MatmulPart{lw.wqkv, Q, KV, Act::K, lw.bk} : MatmulPart{lw.wk, 0, KV, Act::K, lw.bk};
        const MatmulPart v = lw.wqkv ? MatmulPart{lw.wqkv, Q + KV, KV, Act::V, lw.bv} : MatmulPart{lw.wv, 0, KV, Act::V, lw.bv};
        QCOMPARE(q.w->type, k.w->type);
        const size_t matvecs = k.w->type == v.w->type ? 1 : 2;
        const bool f16 = q.w->type == GgmlType::F16;
        const int pos0 = 8;  // rows 0..7 hold a prompt's K and V (taken by the separate steps)
        std::vector<RopeTable> tables;
        for (bool neox : {true, false})
            for (int dims : {D, D / 2}) tables.push_back(make_rope_table(dims, 10000.0f, 1.0f, nullptr, neox, 1.0f));
        tables.push_back(RopeTable{});
        for (const RopeTable& table : tables) {
            const QString what = QString("rope_dim %1%2").arg(table.rope_dim).arg(table.neox ? " neox" : "");
            const auto xs = random_floats(size_t(kTokens) * h.n_embd, 41 + table.rope_dim, 2.0f);
            auto run = [&](bool fused) {
                f.vk->write_act(Act::X, xs.data(), xs.size());
                f.vk->Backend::qkv_rope_store_kv(Act::X, *lw.attn_norm, h.norm_eps, pos0, q, k, v, layer, 0, table, {});
                f.vk->write_act(Act::X, xs.data() + size_t(pos0) * h.n_embd, size_t(tokens) * h.n_embd);
                const size_t before = f.vk->dispatch_count();
                if (fused) f.vk->qkv_rope_store_kv(Act::X, *lw.attn_norm, h.norm_eps, tokens, q, k, v, layer, pos0, table, {});
                else f.vk->Backend::qkv_rope_store_kv(Act::X, *lw.attn_norm, h.norm_eps, tokens, q, k, v, layer, pos0, table, {});
                const size_t dispatches = f.vk->dispatch_count() - before;
                f.vk->attention(layer, tokens, pos0, 0, 1.0f / std::sqrt(float(D)), 0.0f);
                std::vector<float> qv(size_t(tokens) * Q), att(size_t(tokens) * h.n_head * h.head_dim_v);
                f.vk->read_act(Act::Q, qv.data(), qv.size());
                f.vk->read_act(Act::Att, att.data(), att.size());
                return std::tuple{dispatches, qv, att};
            };
            const auto [fused_n, fused_q, fused_att] = run(true);
            const auto [sep_n, sep_q, sep_att] = run(false);
            qInfo("%s, Q|K %s, V %s: %zu dispatches, separately %zu", qPrintable(what), type_name(k.w->type).c_str(),
                  type_name(v.w->type).c_str(), fused_n, sep_n);
            QCOMPARE(fused_n, matvecs + (f16 ? 1 : 0));
            QVERIFY(sep_n > fused_n);
            const double dq = max_rel_diff(fused_q, sep_q), da = max_rel_diff(fused_att, sep_att);
            QVERIFY2(dq < 1e-5 && da < 1e-5, qPrintable(what + QString(": Q %1, attention %2").arg(dq).arg(da)));
            QVERIFY(std::any_of(fused_att.begin(), fused_att.end(), [](float a) { return a != 0; }));
        }
    }
};

QTEST_GUILESS_MAIN(TestVulkanMatvec)
#include "test_vulkan_matvec.moc"
