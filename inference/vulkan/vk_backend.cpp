#include "vulkan/vk_backend.h"

// Vulkan structs are written as {sType} with the other members zeroed on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "quant/quant.h"
#include "runtime/cpu_ops.h"
#include "runtime/kv_cache.h"
#include "util/env_flag.h"
#include "util/error.h"
#include "vulkan/vk_shader_params.h"
#include "vulkan/vk_split_k.h"

namespace kinglet {

using namespace vk;  // the shader parameters (vk_shader_params.h)

bool VulkanBackend::supports_weight_type(GgmlType type) {
    switch (type) {
    // Every type the CPU backend runs; dq32 in shaders/dequant.glsl decodes each of them.
    case GgmlType::F32: case GgmlType::F16: case GgmlType::BF16:
    case GgmlType::Q4_0: case GgmlType::Q4_1: case GgmlType::Q5_0: case GgmlType::Q5_1: case GgmlType::Q8_0:
    case GgmlType::Q2_K: case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K:
    case GgmlType::IQ4_NL: case GgmlType::IQ4_XS:
        return true;
    default:
        return false;
    }
}

VulkanBackend::VulkanBackend(std::unique_ptr<vk::VulkanDevice> device) : dev_(std::move(device)) {
    const VulkanDeviceInfo& info = dev_->info();
    max_range_ = size_t(std::min<uint64_t>(info.max_storage_buffer_range, uint64_t(1) << 31));
    align_ = std::max<size_t>(info.min_storage_offset_alignment, 4);
    // Tests lower the binding limit to run the split-binding paths (big vocabularies on
    // lavapipe's 128 MiB) with tiny models.
    if (const char* env = std::getenv("KINGLET_VK_MAX_BINDING"))
        if (const long long v = std::atoll(env); v >= 4096) max_range_ = std::min(max_range_, size_t(v));
    // The decode kernel sums a row's lanes with subgroupAdd where the device can; the shared-
    // memory build stays for the others (and for tests: KINGLET_VK_NO_SUBGROUPS=1 forces it).
    if (info.subgroup_arithmetic && !env_flag("KINGLET_VK_NO_SUBGROUPS")) {
        matvec_shader_ = "matvec_subgroup";
        // Rows a subgroup sums together (GROUP in matvec.glsl), reading their activations once
        // for all of them. lavapipe loads one value per lane at a time, so there fewer loads pay:
        // 2 rows a subgroup made a 0.5B Q4_K_M model's decode 1.7x faster on a 2-core machine
        // (0.106 -> 0.178 tok/s at 32 rows a workgroup; 4 rows: 0.174). GPUs take one row each
        // until a measurement there says otherwise.
        matvec_group_ = info.type == "cpu" ? 2 : 1;
        if (const char* env = std::getenv("KINGLET_VK_MATVEC_GROUP"))
            if (const int v = std::atoi(env); v == 1 || v == 2 || v == 4) matvec_group_ = uint32_t(v);
        // A group per subgroup: with subgroups narrower than 32 (lavapipe's 8, some Intel and
        // mobile GPUs) rows no longer share lanes across subgroups, and the workgroup skips
        // its shared-memory step (on lavapipe, 1.3x faster decode: fewer, barrier-free groups).
        if (info.subgroup_size > 0) matvec_rows_ = std::clamp(128u / info.subgroup_size * matvec_group_, 4u, 32u);
        // Tests set 4 to run the path where a row's subgroups meet in shared memory.
        if (const char* env = std::getenv("KINGLET_VK_MATVEC_ROWS"))
            if (const int v = std::atoi(env); v == 4 || v == 8 || v == 16 || v == 32) matvec_rows_ = uint32_t(v);
        // Long rows (the down projection's) may take two subgroups each: half the sub-blocks per
        // lane, so fewer waits on loads in turn. Off until a GPU measurement says otherwise.
        if (const char* env = std::getenv("KINGLET_VK_MATVEC_WIDE")) wide_rows_ = std::max(0, std::atoi(env));
    }
    coopmat_ = info.coopmat_f16;
    fuse_ = !env_flag("KINGLET_VK_NO_FUSION");
    generic_matvec_ = env_flag("KINGLET_VK_MATVEC_GENERIC");
    static_assert(sizeof(MatvecPush) <= 128, "more push constants than every device allows");
    seq_ = std::make_unique<vk::CommandSequence>(*dev_);
    // Every shader is created now, so a driver that rejects one fails here, before any work.
    // The last argument says which bindings each shader writes (bit i = binding i), so that
    // the command sequence orders only dispatches that depend on each other.
    p_embed_ = std::make_unique<vk::Pipeline>(*dev_, "embed", 3, sizeof(EmbedPush), 0b100);
    p_rmsnorm_ = std::make_unique<vk::Pipeline>(*dev_, "rmsnorm", 3, sizeof(RmsPush), 0b100);
    p_rope_store_kv_ = std::make_unique<vk::Pipeline>(*dev_, "rope_store_kv", 9, sizeof(RopeStoreKvPush), 0b11001);
    p_attention_ = std::make_unique<vk::Pipeline>(*dev_, "attention", 7, sizeof(AttentionPush), 0b1101000);
    p_eltwise_ = std::make_unique<vk::Pipeline>(*dev_, "eltwise", 2, sizeof(EltwisePush), 0b1);
    p_matmul_reduce_ = std::make_unique<vk::Pipeline>(*dev_, "matmul_reduce", 3, sizeof(MatmulReducePush), 0b10);
    // KINGLET_VK_NO_PROMPT_ATTENTION=1 sends prompts to the decode attention kernel (A/B runs).
    if (info.max_shared_memory >= kPromptAttnShared && !env_flag("KINGLET_VK_NO_PROMPT_ATTENTION"))
        p_attention_prompt_ =
            std::make_unique<vk::Pipeline>(*dev_, "attention_prompt", 5, sizeof(AttentionPromptPush), 0b1000);
    // Split-K for prompt products (vk_split_k.h): automatic where the device tells its compute
    // units; KINGLET_VK_SPLIT_K=N asks for N slices everywhere (1: never split).
    if (const char* env = std::getenv("KINGLET_VK_SPLIT_K"))
        if (const int v = std::atoi(env); v >= 1) split_k_forced_ = uint32_t(v);
}

VulkanBackend::~VulkanBackend() {
    try {
        if (seq_) seq_->submit_and_wait();
    } catch (const Error&) {
        // A lost device has nothing left to wait for; the objects are still released.
    }
}

std::string VulkanBackend::name() const { return "Vulkan (" + dev_->info().name + ")"; }

VulkanBackend::Bound VulkanBackend::bind(const vk::Buffer& buf, size_t offset, size_t bytes) const {
    Bound b;
    const size_t start = offset - offset % align_;
    b.skip_bytes = uint32_t(offset - start);
    // Whole words: shaders read 32-bit words, and a word that straddles the end of a range
    // reads as 0 under robust buffer access (GGUF rows are often not a multiple of 4 bytes).
    const size_t len = std::min((b.skip_bytes + bytes + 3) / 4 * 4, buf.size() - start);
    if (len > max_range_) throw Error("Vulkan: binding of " + std::to_string(len) + " bytes exceeds the device limit");
    b.range = {buf.handle(), start, len};
    return b;
}

void VulkanBackend::init(const Model& model, const BackendShape& shape) {
    seq_->forget_descriptors();  // the buffers below replace any earlier ones
    model_ = &model;
    shape_ = shape;
    const Hparams& h = model.hparams();
    if (h.head_dim % 2 || h.kv_dim() % 2 || h.head_dim > kMaxHeadDim || h.head_dim_v != h.head_dim)
        throw Error("Vulkan backend: head size " + std::to_string(h.head_dim) + "/" + std::to_string(h.head_dim_v) +
                    " is not supported (even, equal K/V sizes up to 512)");
    const size_t T = shape.max_tokens;
    const size_t sizes[10] = {
        T * h.n_embd, T * std::max(h.n_embd, h.q_dim()), T * h.q_dim(), T * h.kv_dim(), T * h.v_dim(),
        T * h.n_head * h.head_dim_v, T * h.n_ff, T * h.n_ff, T * h.n_embd, size_t(shape.logit_rows()) * h.n_vocab};
    for (int i = 0; i < 10; ++i) {
        act_floats_[i] = sizes[i];
        acts_[i] = vk::Buffer(*dev_, sizes[i] * 4, vk::Buffer::Kind::DeviceLocal);
    }
    // Per layer: n_ctx rows, or a sliding-window layer's ring (kv_cache.h).
    k_cache_.clear();
    v_cache_.clear();
    kv_bytes_ = 0;
    for (int l = 0; l < h.n_layer; ++l) {
        const size_t layer_kv = size_t(kv_layer_rows(h, l, shape.n_ctx, shape.max_tokens)) * h.kv_dim() * 2;
        if (layer_kv > max_range_)
            throw Error("Vulkan backend: a context of " + std::to_string(shape.n_ctx) + " needs " +
                        std::to_string(layer_kv >> 20) + " MiB of cache per layer, more than one binding allows");
        k_cache_.emplace_back(*dev_, layer_kv, vk::Buffer::Kind::DeviceLocal);
        v_cache_.emplace_back(*dev_, layer_kv, vk::Buffer::Kind::DeviceLocal);
        kv_bytes_ += 2 * layer_kv;
    }
    // Token ids and positions: read by dispatches all through a step. KINGLET_VK_INPUTS_IN_HOST_MEMORY=1
    // puts them in host-cached memory as before (A/B runs).
    const auto inputs_kind = env_flag("KINGLET_VK_INPUTS_IN_HOST_MEMORY") ? vk::Buffer::Kind::HostVisible
                                                                          : vk::Buffer::Kind::HostWritten;
    tokens_ = vk::Buffer(*dev_, (size_t(shape.n_ctx) + T) * 4, inputs_kind);
    unused_ = vk::Buffer(*dev_, 16, vk::Buffer::Kind::DeviceLocal);
    // Split decode attention: enough pieces for two workgroups per compute unit from one
    // token's heads (at least 4: drivers that do not tell their units get 4).
    const uint32_t units = dev_->info().compute_units;
    attn_pieces_per_head_ = std::clamp<uint32_t>(units ? ceil_div(2 * units, size_t(h.n_head)) : 4, 4, kAttnMaxPieces);
    // Up to kMatvecTokens tokens x heads x pieces x (head size + 2); a count per token and head.
    attn_pieces_ = vk::Buffer(*dev_, size_t(kMatvecTokens) * h.n_head * attn_pieces_per_head_ * (h.head_dim + 2) * 4,
                              vk::Buffer::Kind::DeviceLocal);
    attn_done_ = vk::Buffer(*dev_, size_t(kMatvecTokens) * h.n_head * 4, vk::Buffer::Kind::DeviceLocal);
    const std::vector<uint32_t> zeros(size_t(kMatvecTokens) * h.n_head, 0);
    vk::upload(*dev_, attn_done_, 0, zeros.data(), zeros.size() * 4);
    positions_ = vk::Buffer(*dev_, (size_t(shape.n_ctx) + 1) * 4, inputs_kind);
    positions_used_ = 0;
    tokens_used_ = 0;
    readback_ = vk::Buffer(*dev_, size_t(shape.logit_rows()) * h.n_vocab * 4, vk::Buffer::Kind::HostVisible);
    // Split-K partial sums, where products may be split (vk_split_k.h), each within one
    // binding. Several buffers, taken in turn, so that independent products (Q, K and V) that
    // are all split still run side by side: a shared buffer would order them.
    split_floats_ = 0;
    for (vk::Buffer& b : split_parts_) b = vk::Buffer();
    if (split_k_forced_ > 1 || (split_k_forced_ == 0 && device_info().compute_units > 0)) {
        split_floats_ = std::min(vk::split_k_buffer_floats(std::max(h.n_embd, h.q_dim()), T), max_range_ / 4);
        for (vk::Buffer& b : split_parts_) b = vk::Buffer(*dev_, split_floats_ * 4, vk::Buffer::Kind::DeviceLocal);
    }

    // Upload every weight once, now, so that a missing type or too little memory shows up
    // at load time (and the caller can fall back to the CPU) rather than mid-generation.
    const ModelWeights& w = model.weights();
    for (const LayerWeights& lw : w.layers) {
        upload_together({lw.wq, lw.wk, lw.wv});
        upload_together({lw.ffn_gate, lw.ffn_up});
    }
    weight(*w.token_embd);
    weight(*w.output);
    floats(*w.output_norm);
    for (const LayerWeights& lw : w.layers) {
        for (const TensorInfo* t : {lw.wq, lw.wk, lw.wv, lw.wqkv, lw.wo, lw.ffn_gate, lw.ffn_up, lw.ffn_down})
            if (t) weight(*t);
        for (const TensorInfo* t : {lw.attn_norm, lw.bq, lw.bk, lw.bv, lw.q_norm, lw.k_norm, lw.post_attn_norm,
                                    lw.ffn_norm, lw.post_ffn_norm})
            if (t) floats(*t);
    }
}

const VulkanBackend::Weight& VulkanBackend::weight(const TensorInfo& t) {
    auto it = weights_.find(&t);
    if (it != weights_.end()) return it->second;
    Weight wt = describe(t);
    // Rounded up to whole words: the shaders read 32-bit words.
    wt.buf = std::make_shared<vk::Buffer>(*dev_, (t.nbytes + 7) / 4 * 4, vk::Buffer::Kind::DeviceLocal);
    vk::upload(*dev_, *wt.buf, 0, t.data, t.nbytes);
    return weights_.emplace(&t, std::move(wt)).first->second;
}

// Matrices that one decode dispatch reads (Q, K, V; gate, up) go into one buffer, rows back to
// back, in runs of consecutive ones with one type and width that fit one binding together
// (Q4_K_M files often give V another type than Q and K); weight() uploads the others alone.
void VulkanBackend::upload_together(std::initializer_list<const TensorInfo*> tensors) {
    std::vector<const TensorInfo*> run;
    size_t run_bytes = 0;
    auto upload_run = [&] {
        if (run.size() >= 2) {
            auto buf = std::make_shared<vk::Buffer>(*dev_, (run_bytes + 7) / 4 * 4, vk::Buffer::Kind::DeviceLocal);
            size_t base = 0;
            for (const TensorInfo* t : run) {
                Weight wt = describe(*t);
                wt.buf = buf;
                wt.base = base;
                vk::upload(*dev_, *buf, base, t->data, t->nbytes);
                base += t->nbytes;
                weights_.emplace(t, std::move(wt));
            }
        }
        run.clear();
        run_bytes = 0;
    };
    for (const TensorInfo* t : tensors) {
        if (!t || weights_.count(t) || t->nbytes != size_t(t->n_rows()) * row_bytes(t->type, t->ne[0])) {
            upload_run();
            continue;
        }
        if (!run.empty() && (t->type != run[0]->type || t->ne[0] != run[0]->ne[0] ||
                             run_bytes + t->nbytes + align_ > max_range_))
            upload_run();
        run.push_back(t);
        run_bytes += t->nbytes;
    }
    upload_run();
}

std::string VulkanBackend::matmul_shader(GgmlType type) const {
    // F32 and BF16 weights hold values (and precision) F16 does not: they keep the F32 kernel.
    const bool f16_holds_it = type != GgmlType::F32 && type != GgmlType::BF16;
    return coopmat_ && f16_holds_it ? "matmul_coopmat" : "matmul";
}

// A weight's shape and pipelines (no memory yet).
VulkanBackend::Weight VulkanBackend::describe(const TensorInfo& t) {
    if (!supports_weight_type(t.type))
        throw Error("Vulkan backend: tensor '" + t.name + "' has type " + type_name(t.type) +
                    ", which the Vulkan shaders do not support yet");
    Weight wt;
    wt.type = t.type;
    wt.n_in = t.ne[0];
    wt.n_rows = t.n_rows();
    wt.row_bytes = row_bytes(t.type, t.ne[0]);
    if (wt.row_bytes + align_ > max_range_) throw Error("Vulkan backend: a row of '" + t.name + "' exceeds a binding");
    // The matrix pipelines of this type (shared by every weight of the type), created now so
    // that a shader the driver rejects fails the load.
    TypePipelines& pipes = type_pipelines_[t.type];
    if (!pipes.matmul) {
        const uint32_t id = uint32_t(t.type);
        make_matvec(t.type, matvec_load_variant(), pipes);
        auto make_matmul = [&] {
            return std::make_shared<vk::Pipeline>(*dev_, matmul_shader(t.type), 4, sizeof(MatmulPush), 0b100,
                                                  std::vector<uint32_t>{id}, type_name(t.type));
        };
        try {
            pipes.matmul = make_matmul();
        } catch (const Error&) {
            // A driver that advertises tensor cores but rejects their shader still runs
            // prompts, on the F32 kernel, rather than losing the GPU.
            if (!coopmat_) throw;
            coopmat_ = false;
            pipes.matmul = make_matmul();
        }
    }
    wt.pipelines = &pipes;
    wt.wide = wide_rows_ > 0 && wt.n_in >= wide_rows_;
    return wt;
}

// The decode pipeline made at load for weights of this type, so that a driver that rejects the
// kernel fails the load: the plain one for a decode step (every model's attention output
// projection takes it), or the one holding every mode and up to 4 tokens with
// KINGLET_VK_MATVEC_GENERIC=1.
// The others (the norm, gate|up and Q|K|V folded in; batches of 2-4 tokens) are made on first
// use: each costs a compilation (seconds on lavapipe), and a test of one product uses one.
uint32_t VulkanBackend::matvec_load_variant() const {
    return generic_matvec_ ? kMatvecAllModes | kMatvecManyTokens : 0;
}

// For the profile (KINGLET_VK_PROFILE=1): "+norm +rope", "x4" for up to 4 tokens.
std::string VulkanBackend::matvec_variant_label(uint32_t variant) {
    std::string s;
    if ((variant & kMatvecAllModes) == kMatvecAllModes) s += " all modes";
    else {
        if (variant & kMatvecNorm) s += " +norm";
        if (variant & kMatvecGlu) s += " +glu";
        if (variant & kMatvecRope) s += " +rope";
    }
    if (variant & kMatvecManyTokens) s += " x4";
    return s;
}

size_t VulkanBackend::matvec_pipeline_count() const {
    size_t n = 0;
    for (const auto& [type, pipes] : type_pipelines_)
        for (int v = 0; v < 16; ++v) n += (pipes.matvec[v] ? 1 : 0) + (pipes.matvec_wide[v] ? 1 : 0);
    return n;
}

// The decode pipelines of one type for one variant (128 invocations, and 256 with wide_rows_).
void VulkanBackend::make_matvec(GgmlType type, uint32_t variant, TypePipelines& pipes) {
    const uint32_t modes = variant & kMatvecAllModes, tokens = variant & kMatvecManyTokens ? kMatvecTokens : 1;
    auto make = [&](uint32_t threads) {
        return std::make_shared<vk::Pipeline>(
            *dev_, matvec_shader_, 11, sizeof(MatvecPush), 0b11100,
            std::vector<uint32_t>{uint32_t(type), matvec_rows_, threads, matvec_group_, modes, tokens},
            type_name(type) + matvec_variant_label(variant) + (threads > 128 ? " wide" : ""));
    };
    pipes.matvec[variant] = make(128);
    if (wide_rows_ > 0) pipes.matvec_wide[variant] = make(256);
}

// The decode pipeline for dispatch p over weights w: the one holding exactly p's modes, for one
// token or up to four; made now if it is the first such dispatch.
const vk::Pipeline& VulkanBackend::matvec_pipeline(const Weight& w, const MatvecPush& p) {
    const uint32_t modes = (p.norm ? kMatvecNorm : 0) | (p.glu ? kMatvecGlu : 0) | (p.rope_head_dim ? kMatvecRope : 0);
    const uint32_t variant =
        generic_matvec_ ? kMatvecAllModes | kMatvecManyTokens : modes | (p.n_tokens > 1 ? kMatvecManyTokens : 0);
    TypePipelines& pipes = *w.pipelines;
    if (!pipes.matvec[variant]) make_matvec(w.type, variant, pipes);
    return *(w.wide ? pipes.matvec_wide : pipes.matvec)[variant];
}

const vk::Buffer& VulkanBackend::floats(const TensorInfo& t) {
    auto it = floats_.find(&t);
    if (it != floats_.end()) return it->second;
    const std::vector<float> v = tensor_to_floats(t);
    vk::Buffer b(*dev_, v.size() * 4, vk::Buffer::Kind::DeviceLocal);
    vk::upload(*dev_, b, 0, v.data(), v.size() * 4);
    return floats_.emplace(&t, std::move(b)).first->second;
}

// Keyed by the frequencies themselves: a table is uploaded once and never changed while a
// recorded command buffer may still read it.
const vk::Buffer& VulkanBackend::rope_freqs(const RopeTable& table) {
    auto it = rope_tables_.find(table.inv_freq);
    if (it != rope_tables_.end()) return it->second;
    vk::Buffer b(*dev_, table.inv_freq.size() * 4, vk::Buffer::Kind::DeviceLocal);
    vk::upload(*dev_, b, 0, table.inv_freq.data(), table.inv_freq.size() * 4);
    return rope_tables_.emplace(table.inv_freq, std::move(b)).first->second;
}

void VulkanBackend::flush() {
    seq_->submit_and_wait();
    tokens_used_ = 0;
    positions_used_ = 0;
}

// The slot of positions_ that holds pos0 for the commands added since the last submit.
// Shaders read positions from there rather than from push constants, so that a decode
// step's commands are the same for every token and its command buffer is reused.
uint32_t VulkanBackend::position_slot(int pos0) {
    uint32_t* slots = static_cast<uint32_t*>(positions_.mapped());
    if (positions_used_ > 0 && slots[positions_used_ - 1] == uint32_t(pos0)) return uint32_t(positions_used_ - 1);
    if (positions_used_ == positions_.size() / 4) flush();
    slots[positions_used_] = uint32_t(pos0);
    return uint32_t(positions_used_++);
}

void VulkanBackend::embed(const TokenId* tokens, int n_tokens, float scale) {
    const TensorInfo& emb = *model_->weights().token_embd;
    const Weight& w = weight(emb);
    if (tokens_used_ + n_tokens > tokens_.size() / 4) flush();
    std::memcpy(static_cast<int32_t*>(tokens_.mapped()) + tokens_used_, tokens, size_t(n_tokens) * 4);
    // Big tables (a 150k vocabulary) are bound in chunks of rows; each dispatch writes the
    // tokens whose rows are in its chunk.
    const int64_t chunk = int64_t((max_range_ - align_) / w.row_bytes);
    for (int64_t r0 = 0; r0 < w.n_rows; r0 += chunk) {
        const int64_t rows = std::min(chunk, w.n_rows - r0);
        const Bound wb = bind(*w.buf, w.base + size_t(r0) * w.row_bytes, size_t(rows) * w.row_bytes);
        EmbedPush p{uint32_t(w.type), uint32_t(w.n_in), uint32_t(w.row_bytes), wb.skip_bytes, uint32_t(r0),
                    uint32_t(r0 + rows), uint32_t(tokens_used_), 0, scale};
        seq_->dispatch(*p_embed_, {wb.range, vk::whole(tokens_), vk::whole(act(Act::X))}, &p,
                       ceil_div(ceil_div(w.n_in, 32), 64), uint32_t(n_tokens));
    }
    tokens_used_ += n_tokens;
}

void VulkanBackend::rmsnorm(Act out, Act in, const TensorInfo& w, int n_rows, int row_len, float eps, int in_row0) {
    normalize(out, in, w, n_rows, row_len, eps, in_row0, false);
}

void VulkanBackend::add_rmsnorm(Act out, Act in, const TensorInfo& w, int n_rows, int row_len, float eps) {
    normalize(out, in, w, n_rows, row_len, eps, 0, true);
}

// rmsnorm.comp over n_rows rows, into out or (accumulate) added to it.
void VulkanBackend::normalize(Act out, Act in, const TensorInfo& w, int n_rows, int row_len, float eps, int in_row0,
                              bool accumulate) {
    const vk::Buffer& wb = floats(w);
    for (int r0 = 0; r0 < n_rows; r0 += int(kMaxGroups)) {
        const int rows = std::min<int>(int(kMaxGroups), n_rows - r0);
        RmsPush p{uint32_t(row_len), uint32_t(size_t(in_row0 + r0) * row_len), uint32_t(size_t(r0) * row_len), eps,
                  accumulate ? 1u : 0u};
        seq_->dispatch(*p_rmsnorm_, {vk::whole(act(in)), vk::whole(wb), vk::whole(act(out))}, &p, uint32_t(rows));
    }
}

void VulkanBackend::rope_store_kv(int layer, int n_tokens, int pos0, const RopeTable& table, const HeadNorms& head_norms) {
    const Hparams& h = model_->hparams();
    // An empty table (rope_dim 0) or an absent norm still needs a binding.
    const vk::Buffer& f = table.inv_freq.empty() ? unused_ : rope_freqs(table);
    const vk::Buffer& qn = head_norms.q ? floats(*head_norms.q) : unused_;
    const vk::Buffer& kn = head_norms.k ? floats(*head_norms.k) : unused_;
    for (const TensorInfo* t : {head_norms.q, head_norms.k})
        if (t && int64_t(floats(*t).size() / 4) != h.head_dim)
            throw Error("Vulkan backend: head norm " + t->name + " does not match the head size");
    const int rows = kv_layer_rows(h, layer, shape_.n_ctx, shape_.max_tokens);
    RopeStoreKvPush p{uint32_t(h.n_head), uint32_t(h.n_head_kv), uint32_t(h.head_dim), uint32_t(table.rope_dim),
                      table.neox ? 1u : 0u, position_slot(pos0), uint32_t(rows), table.freq_scale, table.mscale,
                      head_norms.q ? 1u : 0u, head_norms.k ? 1u : 0u, head_norms.eps};
    seq_->dispatch(*p_rope_store_kv_,
                   {vk::whole(act(Act::Q)), vk::whole(act(Act::K)), vk::whole(act(Act::V)), vk::whole(k_cache_[layer]),
                    vk::whole(v_cache_[layer]), vk::whole(f), vk::whole(positions_), vk::whole(qn), vk::whole(kn)},
                   &p, uint32_t(h.n_head + h.n_head_kv), uint32_t(n_tokens));
}

void VulkanBackend::attention(int layer, int n_tokens, int pos0, int window, float scale, float softcap) {
    const Hparams& h = model_->hparams();
    // Keys the last token sees: with few tokens and many keys, split them across workgroups.
    const int pos_last = pos0 + n_tokens - 1;
    const int visible = pos_last + 1 - (window > 0 ? std::max(0, pos_last + 1 - window) : 0);
    // The count changes once, at kAttnSplitFrom keys: decode steps before and after reuse their
    // recorded commands (each piece's share of the keys is worked out in the shader).
    const uint32_t pieces = n_tokens <= kMatvecTokens && visible > kAttnSplitFrom ? attn_pieces_per_head_ : 1;
    const uint32_t rows = uint32_t(kv_layer_rows(h, layer, shape_.n_ctx, shape_.max_tokens));
    if (n_tokens > kMatvecTokens && p_attention_prompt_ && h.head_dim <= kPromptAttnMaxHeadDim) {
        // Tiles of 16 tokens (8 for heads over 128 values) of one head.
        const uint32_t bq = h.head_dim <= 128 ? 16 : 8;
        const AttentionPromptPush pp{uint32_t(h.n_head), uint32_t(h.n_head / h.n_head_kv), uint32_t(h.head_dim),
                                     uint32_t(h.kv_dim()), position_slot(pos0), uint32_t(std::max(window, 0)), scale,
                                     rows, uint32_t(n_tokens), bq, softcap};
        seq_->dispatch(*p_attention_prompt_,
                       {vk::whole(act(Act::Q)), vk::whole(k_cache_[layer]), vk::whole(v_cache_[layer]),
                        vk::whole(act(Act::Att)), vk::whole(positions_)},
                       &pp, uint32_t(h.n_head), ceil_div(size_t(n_tokens), bq));
        return;
    }
    AttentionPush p{uint32_t(h.n_head), uint32_t(h.n_head / h.n_head_kv), uint32_t(h.head_dim), uint32_t(h.kv_dim()),
                    position_slot(pos0), uint32_t(std::max(window, 0)), scale,
                    rows, softcap};
    seq_->dispatch(*p_attention_,
                   {vk::whole(act(Act::Q)), vk::whole(k_cache_[layer]), vk::whole(v_cache_[layer]), vk::whole(act(Act::Att)),
                    vk::whole(positions_), vk::whole(attn_pieces_), vk::whole(attn_done_)},
                   &p, uint32_t(h.n_head), uint32_t(n_tokens), pieces);
}

// x op= y over n values, in pieces that fit one binding (a batch of logits may not).
void VulkanBackend::eltwise(uint32_t op, Act x, Act y, size_t n, float cap) {
    const size_t piece = (max_range_ - align_) / 4;
    for (size_t i0 = 0; i0 < n; i0 += piece) {
        const size_t m = std::min(piece, n - i0);
        const Bound xb = bind(act(x), i0 * 4, m * 4);
        const Bound yb = bind(act(y), i0 * 4, m * 4);
        EltwisePush p{uint32_t(m), op, xb.skip_bytes / 4, yb.skip_bytes / 4, cap};
        uint32_t gx, gy;
        grid_1d(ceil_div(m, 256), gx, gy);
        seq_->dispatch(*p_eltwise_, {xb.range, yb.range}, &p, gx, gy);
    }
}

void VulkanBackend::add(Act x, Act y, size_t n) { eltwise(kOpAdd, x, y, n, 0.0f); }

void VulkanBackend::glu(FfnActivation a, size_t n) {
    eltwise(activation_op(a), Act::Gate, Act::Up, n, 0.0f);
}

void VulkanBackend::softcap(Act x, size_t n, float cap) { eltwise(kOpSoftcap, x, x, n, cap); }

// The buffer copies below must stay inside the activation buffer (a copy past its end is
// undefined on a GPU): a caller asking for more is a bug, stopped here.
void VulkanBackend::check_act_floats(Act a, size_t n) const {
    if (n > act_floats_[static_cast<int>(a)])
        throw Error("Vulkan backend: " + std::to_string(n) + " floats asked of an activation buffer of " +
                    std::to_string(act_floats_[static_cast<int>(a)]));
}

void VulkanBackend::read_logits(float* dst, size_t n) {
    check_act_floats(Act::Logits, n);
    seq_->copy(act(Act::Logits), 0, readback_, 0, n * 4);
    flush();
    std::memcpy(dst, readback_.mapped(), n * 4);
}

void VulkanBackend::read_act(Act a, float* dst, size_t n) {
    check_act_floats(a, n);
    flush();
    vk::download(*dev_, act(a), 0, dst, n * 4);
}

void VulkanBackend::read_k_cache(int layer, uint16_t* dst, size_t n) {
    if (layer < 0 || size_t(layer) >= k_cache_.size() || n * 2 > k_cache_[size_t(layer)].size())
        throw Error("Vulkan backend: no K cache of " + std::to_string(n) + " values for layer " + std::to_string(layer));
    flush();
    vk::download(*dev_, k_cache_[size_t(layer)], 0, dst, n * 2);
}

void VulkanBackend::write_act(Act a, const float* src, size_t n) {
    check_act_floats(a, n);
    flush();
    vk::upload(*dev_, act(a), 0, src, n * 4);
}

}  // namespace kinglet
