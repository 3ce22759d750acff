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
#include "vulkan/vk_split_k.h"

namespace kinglet {
namespace {

// Push-constant blocks, field for field as declared in shaders/*.comp (std430: 4-byte scalars).
struct EmbedPush { uint32_t type, n, row_bytes, w_base, row_begin, row_end, tok_off, out_off; float scale; };
struct RmsPush { uint32_t n, in_off, out_off; float eps; uint32_t accumulate; };
struct MatmulReducePush {
    uint32_t n_splits, split_stride, n_rows, n_tokens, y_off, y_stride, y_col0, accumulate, has_bias;
    float scale;
};
struct RopeStoreKvPush {
    uint32_t n_head, n_head_kv, head_dim, rope_dim, neox, pos_slot, rows;
    float freq_scale, mscale;
    uint32_t q_norm, k_norm;
    float eps;
};
struct AttentionPush { uint32_t n_head, group, head_dim, kv_dim, pos_slot, window; float scale; uint32_t rows, split; float softcap; };
struct AttentionPromptPush {
    uint32_t n_head, group, head_dim, kv_dim, pos_slot, window;
    float scale;
    uint32_t rows, n_tokens, bq;
    float softcap;
};
struct AttentionMergePush { uint32_t n_head, head_dim, n_pieces; };
struct EltwisePush { uint32_t n, op, x_off, y_off; float cap; };

// eltwise.comp's ops; SiLU and GELU are also matvec.glsl's p.glu (activation.glsl's codes).
constexpr uint32_t kOpAdd = 0, kOpSilu = 1, kOpGelu = 2, kOpSoftcap = 3;
constexpr uint32_t kMaxGroups = 65535;  // the minimum maxComputeWorkGroupCount every device has
constexpr int kMatvecTokens = 4;        // TT in matvec.comp: batches up to this size take the decode kernel
constexpr uint32_t kTile = 64;          // BM = BN in matmul.comp
// Decode attention over more than 2 x kAttnPiece keys is split into pieces of kAttnPiece keys,
// each its own workgroup, then merged (attention_merge.comp).
constexpr int kAttnPiece = 256;
constexpr int kMaxHeadDim = 512;        // acc[8] x 64 threads in attention.comp
// attention_prompt.comp: heads up to 256 values, and the shared memory it declares.
constexpr int kPromptAttnMaxHeadDim = 256;
constexpr uint32_t kPromptAttnShared = (2048 + 32 * 129 + 512) * 4;

uint32_t ceil_div(size_t a, size_t b) { return uint32_t((a + b - 1) / b); }

uint32_t activation_op(FfnActivation a) { return a == FfnActivation::Gelu ? kOpGelu : kOpSilu; }

// A 1-D grid of `groups` workgroups folded into x/y under the per-dimension limit.
void grid_1d(size_t groups, uint32_t& gx, uint32_t& gy) {
    gx = uint32_t(std::min<size_t>(groups, kMaxGroups));
    gy = ceil_div(groups, std::max<uint32_t>(gx, 1));
}

}  // namespace

struct VulkanBackend::MatmulPush {
    uint32_t type, n_in, row_bytes, w_base, x_off, y_off, y_stride, y_col0, n_tokens, n_rows, accumulate, has_bias;
    float scale;
    uint32_t k_split, split_stride;
};

struct VulkanBackend::MatvecPush {
    uint32_t n_in, row_bytes, w_base, x_off, n_tokens, n_rows, accumulate, end0, end1;
    uint32_t y_off[3], y_stride[3], y_col0[3], has_bias[3];
    float scale;
    uint32_t norm;
    float eps;
    uint32_t glu;
    uint32_t rope_head_dim, rope_dim, neox, pos_slot, cache_rows;
    float freq_scale, mscale;
};

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
        // A row per subgroup: with subgroups narrower than 32 (lavapipe's 8, some Intel and
        // mobile GPUs) rows no longer share lanes across subgroups, and the workgroup skips
        // its shared-memory step (on lavapipe, 1.3x faster decode: fewer, barrier-free groups).
        if (info.subgroup_size > 0) matvec_rows_ = std::clamp(128u / info.subgroup_size, 4u, 32u);
        // Tests set 4 to run the path where a row's subgroups meet in shared memory.
        if (const char* env = std::getenv("KINGLET_VK_MATVEC_ROWS"))
            if (const int v = std::atoi(env); v == 4 || v == 8 || v == 16 || v == 32) matvec_rows_ = uint32_t(v);
    }
    coopmat_ = info.coopmat_f16;
    fuse_ = !env_flag("KINGLET_VK_NO_FUSION");
    static_assert(sizeof(MatvecPush) <= 128, "more push constants than every device allows");
    seq_ = std::make_unique<vk::CommandSequence>(*dev_);
    // Every shader is created now, so a driver that rejects one fails here, before any work.
    // The last argument says which bindings each shader writes (bit i = binding i), so that
    // the command sequence orders only dispatches that depend on each other.
    p_embed_ = std::make_unique<vk::Pipeline>(*dev_, "embed", 3, sizeof(EmbedPush), 0b100);
    p_rmsnorm_ = std::make_unique<vk::Pipeline>(*dev_, "rmsnorm", 3, sizeof(RmsPush), 0b100);
    p_rope_store_kv_ = std::make_unique<vk::Pipeline>(*dev_, "rope_store_kv", 9, sizeof(RopeStoreKvPush), 0b11001);
    p_attention_ = std::make_unique<vk::Pipeline>(*dev_, "attention", 6, sizeof(AttentionPush), 0b101000);
    p_attention_merge_ = std::make_unique<vk::Pipeline>(*dev_, "attention_merge", 2, sizeof(AttentionMergePush), 0b10);
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
        T * h.n_head * h.head_dim_v, T * h.n_ff, T * h.n_ff, T * h.n_embd, T * size_t(h.n_vocab)};
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
    tokens_ = vk::Buffer(*dev_, (size_t(shape.n_ctx) + T) * 4, vk::Buffer::Kind::HostVisible);
    unused_ = vk::Buffer(*dev_, 16, vk::Buffer::Kind::DeviceLocal);
    // Split-attention pieces: up to kMatvecTokens tokens x heads x pieces x (head size + 2).
    const size_t max_pieces = size_t(shape.n_ctx) / kAttnPiece + 1;
    attn_pieces_ = vk::Buffer(*dev_, size_t(kMatvecTokens) * h.n_head * max_pieces * (h.head_dim + 2) * 4,
                              vk::Buffer::Kind::DeviceLocal);
    positions_ = vk::Buffer(*dev_, (size_t(shape.n_ctx) + 1) * 4, vk::Buffer::Kind::HostVisible);
    positions_used_ = 0;
    tokens_used_ = 0;
    readback_ = vk::Buffer(*dev_, T * size_t(h.n_vocab) * 4, vk::Buffer::Kind::HostVisible);
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
    auto& pipes = type_pipelines_[t.type];
    if (!pipes.first) {
        const uint32_t id = uint32_t(t.type);
        pipes.first =
            std::make_shared<vk::Pipeline>(*dev_, matvec_shader_, 11, sizeof(MatvecPush), 0b11100,
                                           std::vector<uint32_t>{id, matvec_rows_}, type_name(t.type));
        auto make_matmul = [&] {
            return std::make_shared<vk::Pipeline>(*dev_, matmul_shader(t.type), 4, sizeof(MatmulPush), 0b100,
                                                  std::vector<uint32_t>{id}, type_name(t.type));
        };
        try {
            pipes.second = make_matmul();
        } catch (const Error&) {
            // A driver that advertises tensor cores but rejects their shader still runs
            // prompts, on the F32 kernel, rather than losing the GPU.
            if (!coopmat_) throw;
            coopmat_ = false;
            pipes.second = make_matmul();
        }
    }
    wt.matvec = pipes.first;
    wt.matmul = pipes.second;
    return wt;
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

// Few tokens (decode) take matvec.comp, more take the tiled matmul.comp; both split what
// does not fit one binding (a 150k-row vocabulary on lavapipe) into several dispatches.
void VulkanBackend::matmul(const TensorInfo& wt, Act in, Act out, int n_tokens, int64_t row0, int64_t n_out,
                           const MatmulEpilogue& epi) {
    multiply(wt, in, out, n_tokens, row0, n_out, epi, {});
}

// matmul, with the input normalised first by a decode kernel when `norm` has weights (only
// with n_tokens <= kMatvecTokens: the tiled kernel takes normalised rows).
void VulkanBackend::multiply(const TensorInfo& wt, Act in, Act out, int n_tokens, int64_t row0, int64_t n_out,
                             const MatmulEpilogue& epi, const FusedNorm& norm) {
    const Weight& w = weight(wt);
    if (n_out < 0) n_out = w.n_rows - row0;
    // No bias: a never-written dummy fills the binding (bindings cannot be left empty).
    const vk::Buffer& bias = epi.bias ? floats(*epi.bias) : unused_;
    if (epi.bias && int64_t(bias.size() / 4) != n_out)
        throw Error("Vulkan backend: bias " + epi.bias->name + " does not match " + std::to_string(n_out) + " outputs");
    const int64_t chunk = int64_t((max_range_ - align_) / w.row_bytes);  // rows one binding holds
    // Tokens per dispatch: the output rows of a big vocabulary may not fit one binding either.
    const size_t out_row = size_t(n_out) * 4, in_row = size_t(w.n_in) * 4;
    int tok_chunk = int(std::min<size_t>(n_tokens, (max_range_ - align_) / std::max(out_row, in_row)));
    // Where the tokens need several dispatches, whole tiles of them each.
    if (tok_chunk < n_tokens && tok_chunk >= int(kTile)) tok_chunk -= tok_chunk % int(kTile);
    if (tok_chunk < 1) throw Error("Vulkan backend: a row of " + wt.name + "'s output exceeds a binding");
    for (int t0 = 0; t0 < n_tokens; t0 += tok_chunk) {
        const int nt = std::min(tok_chunk, n_tokens - t0);
        const Bound xb = bind(act(in), size_t(t0) * in_row, size_t(nt) * in_row);
        const Bound yb = bind(act(out), size_t(t0) * out_row, size_t(nt) * out_row);
        for (int64_t r = 0; r < n_out; r += chunk) {
            const int64_t rows = std::min(chunk, n_out - r);
            const Bound wb = bind(*w.buf, w.base + size_t(row0 + r) * w.row_bytes, size_t(rows) * w.row_bytes);
            if (nt <= kMatvecTokens) {  // one part
                const uint32_t y_off = yb.skip_bytes / 4, b = epi.bias ? 1u : 0u;
                MatvecPush p{uint32_t(w.n_in), uint32_t(w.row_bytes), wb.skip_bytes, xb.skip_bytes / 4, uint32_t(nt),
                             uint32_t(rows), epi.accumulate ? 1u : 0u, uint32_t(rows), uint32_t(rows),
                             {y_off, y_off, y_off}, {uint32_t(n_out), uint32_t(n_out), uint32_t(n_out)},
                             {uint32_t(r), uint32_t(r), uint32_t(r)}, {b, b, b}, epi.scale, norm.w ? 1u : 0u, norm.eps};
                const vk::BufferRange bb = vk::whole(bias);
                dispatch_matvec(w, p, wb.range, xb.range, {yb.range, yb.range, yb.range}, {bb, bb, bb}, norm, unused_);
            } else {
                MatmulPush p{uint32_t(w.type), uint32_t(w.n_in), uint32_t(w.row_bytes), wb.skip_bytes, xb.skip_bytes / 4,
                             yb.skip_bytes / 4, uint32_t(n_out), uint32_t(r), uint32_t(nt), uint32_t(rows),
                             epi.accumulate ? 1u : 0u, epi.bias ? 1u : 0u, epi.scale, 0, 0};
                const vk::SplitK sk = vk::plan_split_k(rows, nt, w.n_in, kTile, device_info().compute_units, split_k_forced_,
                                                       split_floats_);
                if (sk.splits > 1) {
                    matmul_split_k(w, p, wb.range, xb.range, yb.range, bias, sk);
                } else {
                    seq_->dispatch(*w.matmul, {wb.range, xb.range, yb.range, vk::whole(bias)}, &p,
                                   ceil_div(size_t(rows), kTile), ceil_div(size_t(nt), kTile));
                }
            }
        }
    }
}

// The prompt product `p` in sk.splits slices of K: each slice's workgroups write plain partial
// sums to one of split_parts_ (slice z at z * rows * tokens, [token][row]), then matmul_reduce.comp
// adds them up in slice order and applies p's epilogue (scale, bias, accumulate) into Y.
void VulkanBackend::matmul_split_k(const Weight& w, const MatmulPush& p, const vk::BufferRange& wr,
                                   const vk::BufferRange& xr, const vk::BufferRange& yr, const vk::Buffer& bias,
                                   const vk::SplitK& sk) {
    const uint32_t outputs = p.n_rows * p.n_tokens;
    const vk::Buffer& parts = split_parts_[split_turn_++ % std::size(split_parts_)];
    MatmulPush part = p;
    part.y_off = 0;
    part.y_stride = p.n_rows;
    part.y_col0 = 0;
    part.accumulate = 0;
    part.has_bias = 0;
    part.scale = 1.0f;
    part.k_split = sk.k_per_split;
    part.split_stride = outputs;
    seq_->dispatch(*w.matmul, {wr, xr, vk::whole(parts), vk::whole(unused_)}, &part,
                   ceil_div(p.n_rows, kTile), ceil_div(p.n_tokens, kTile), sk.splits);
    const MatmulReducePush rp{sk.splits, outputs, p.n_rows, p.n_tokens, p.y_off, p.y_stride,
                              p.y_col0, p.accumulate, p.has_bias, p.scale};
    uint32_t gx, gy;
    grid_1d(ceil_div(outputs, 256), gx, gy);
    seq_->dispatch(*p_matmul_reduce_, {vk::whole(parts), yr, vk::whole(bias)}, &rp, gx, gy);
}

// A decode dispatch over p.n_rows rows of w: weights, input, up to three outputs and their
// biases, the norm's weights (or a dummy), the rotary frequencies (or a dummy) and positions.
void VulkanBackend::dispatch_matvec(const Weight& w, const MatvecPush& p, const vk::BufferRange& wr,
                                    const vk::BufferRange& xr, const vk::BufferRange (&ys)[3],
                                    const vk::BufferRange (&bs)[3], const FusedNorm& norm, const vk::Buffer& freqs) {
    uint32_t gx, gy;
    grid_1d(ceil_div(size_t(p.n_rows), matvec_rows_), gx, gy);
    seq_->dispatch(*w.matvec,
                   {wr, xr, ys[0], ys[1], ys[2], bs[0], bs[1], bs[2], vk::whole(norm.w ? *norm.w : unused_),
                    vk::whole(freqs), vk::whole(positions_)},
                   &p, gx, gy);
}

void VulkanBackend::matmul_parts(Act in, int n_tokens, std::initializer_list<MatmulPart> parts) {
    if (n_tokens > kMatvecTokens) return Backend::matmul_parts(in, n_tokens, parts);
    decode_parts(in, n_tokens, parts, {});
}

// The norm for decode dispatches of these parts to fold in ({} where they cannot: F16 weights
// round normalised values, matvec.glsl).
VulkanBackend::FusedNorm VulkanBackend::fused_norm(const TensorInfo& norm, float eps, const MatmulPart* first,
                                                   const MatmulPart* last) {
    if (!fuse_ || std::any_of(first, last, [](const MatmulPart& p) { return p.w->type == GgmlType::F16; })) return {};
    const vk::Buffer& g = floats(norm);
    for (const MatmulPart* p = first; p != last; ++p)
        if (int64_t(g.size() / 4) != weight(*p->w).n_in)
            throw Error("Vulkan backend: norm " + norm.name + " does not match the width of " + p->w->name);
    return {&g, eps};
}

// A decode step reads the block's input X and normalises it inside the matrix kernel, one
// dispatch fewer than rmsnorm then matvec; prompts take the two steps.
void VulkanBackend::norm_matmul_parts(Act in, const TensorInfo& norm, float eps, int n_tokens,
                                      std::initializer_list<MatmulPart> parts) {
    const FusedNorm fn = n_tokens <= kMatvecTokens ? fused_norm(norm, eps, parts.begin(), parts.end()) : FusedNorm{};
    if (!fn.w) return Backend::norm_matmul_parts(in, norm, eps, n_tokens, parts);
    decode_parts(in, n_tokens, parts, fn);
}

// A decode step where gate and up are one dispatch writes act(gate) * up from it (matvec.glsl's
// p.glu): no activation dispatch, no Up written and read back.
void VulkanBackend::ffn_gate_up(Act in, const TensorInfo& norm, float eps, int n_tokens, const MatmulPart& gate,
                                const MatmulPart& up, FfnActivation a) {
    if (n_tokens > kMatvecTokens || !fuse_ || gate.n_out != up.n_out || !follows(gate, up))
        return Backend::ffn_gate_up(in, norm, eps, n_tokens, gate, up, a);
    const MatmulPart parts[2] = {gate, up};
    const FusedNorm fn = fused_norm(norm, eps, parts, parts + 2);
    if (!fn.w) {
        rmsnorm(Act::XN, in, norm, n_tokens, int(weight(*gate.w).n_in), eps, 0);
        in = Act::XN;
    }
    RowPairing pairing;
    pairing.glu = activation_op(a);
    if (matvec_parts(in, n_tokens, parts, parts + 2, fn, pairing)) return;
    for (const MatmulPart& p : parts) multiply(*p.w, in, p.out, n_tokens, p.row0, p.n_out, {p.bias}, fn);
    glu(a, size_t(n_tokens) * gate.n_out);
}

// A decode step's Q|K|V dispatch, when one, also rotates Q and K and stores K and V in the
// cache (matvec_epilogue.glsl): no rope dispatch. Its quads of rows need head and rotary
// sizes that are multiples of 4 (every model known).
void VulkanBackend::qkv_rope_store_kv(Act in, const TensorInfo& norm, float eps, int n_tokens, const MatmulPart& q,
                                      const MatmulPart& k, const MatmulPart& v, int layer, int pos0,
                                      const RopeTable& table, const HeadNorms& head_norms) {
    const Hparams& h = model_->hparams();
    const bool quads = h.head_dim % 4 == 0 && table.rope_dim % 4 == 0 && q.n_out == h.q_dim() &&
                       k.n_out == h.kv_dim() && v.n_out == h.kv_dim();
    const MatmulPart parts[3] = {q, k, v};
    // One dispatch, or Q|K and V (often of another type in Q4_K_M files) as two.
    const bool one = quads && follows(q, k) && follows(k, v) && matvec_fits(n_tokens, parts, parts + 3);
    const bool two = quads && !one && follows(q, k) && matvec_fits(n_tokens, parts, parts + 2) &&
                     matvec_fits(n_tokens, parts + 2, parts + 3);
    // Head norms need a whole head: they stay in rope_store_kv.comp.
    if (n_tokens > kMatvecTokens || !fuse_ || !(one || two) || head_norms.q || head_norms.k)
        return Backend::qkv_rope_store_kv(in, norm, eps, n_tokens, q, k, v, layer, pos0, table, head_norms);
    FusedNorm fn = fused_norm(norm, eps, parts, parts + 3);
    if (!fn.w) {
        rmsnorm(Act::XN, in, norm, n_tokens, int(weight(*q.w).n_in), eps, 0);
        in = Act::XN;
    }
    RowPairing pairing;
    pairing.rope = &table;
    pairing.layer = layer;
    pairing.pos0 = pos0;
    matvec_parts(in, n_tokens, parts, parts + (one ? 3 : 2), fn, pairing);
    if (one) return;
    pairing.v_only = true;
    matvec_parts(in, n_tokens, parts + 2, parts + 3, fn, pairing);
}

// Whether part b's rows follow part a's in one buffer (a fused Q|K|V or gate|up tensor, or
// matrices upload_together placed so), with the same type and width: one decode dispatch.
bool VulkanBackend::follows(const MatmulPart& a, const MatmulPart& b) {
    const Weight &wa = weight(*a.w), &wb = weight(*b.w);
    return wa.buf == wb.buf && wa.type == wb.type && wa.n_in == wb.n_in &&
           wa.base + size_t(a.row0 + a.n_out) * wa.row_bytes == wb.base + size_t(b.row0) * wb.row_bytes;
}

// Decode: consecutive parts that follow each other run as one dispatch, up to three.
void VulkanBackend::decode_parts(Act in, int n_tokens, std::initializer_list<MatmulPart> parts, const FusedNorm& norm) {
    for (const MatmulPart* first = parts.begin(); first != parts.end();) {
        const MatmulPart* last = first + 1;
        while (last != parts.end() && last - first < 3 && follows(last[-1], *last)) ++last;
        if (last - first == 1 || !matvec_parts(in, n_tokens, first, last, norm, RowPairing{}))
            for (const MatmulPart* p = first; p != last; ++p)
                multiply(*p->w, in, p->out, n_tokens, p->row0, p->n_out, {p->bias}, norm);
        first = last;
    }
}

// Whether parts that follow each other fit one decode dispatch's bindings.
bool VulkanBackend::matvec_fits(int nt, const MatmulPart* first, const MatmulPart* last) {
    const Weight& w0 = weight(*first->w);
    size_t bytes = 0;
    for (const MatmulPart* part = first; part != last; ++part) {
        if (part->row0 < 0 || part->row0 + part->n_out > weight(*part->w).n_rows) return false;
        if (size_t(nt) * part->n_out * 4 > max_range_) return false;
        bytes += size_t(part->n_out) * w0.row_bytes;
    }
    return bytes + align_ <= max_range_;
}

// One decode dispatch for 1-3 parts that follow each other; false when they do not fit one
// binding (then they run one by one). With a pairing, the parts are gate and up, or Q, K and V.
bool VulkanBackend::matvec_parts(Act in, int nt, const MatmulPart* first, const MatmulPart* last, const FusedNorm& norm,
                                 const RowPairing& pairing) {
    if (!matvec_fits(nt, first, last)) return false;
    const Weight& w0 = weight(*first->w);
    const size_t start = w0.base + size_t(first->row0) * w0.row_bytes;
    size_t end = start;
    MatvecPush p{};
    vk::BufferRange ys[3], bs[3];
    uint32_t rows = 0;
    // V alone (Q|K were another dispatch) takes the third slot: its rows are V's.
    const uint32_t slot0 = pairing.rope && pairing.v_only ? 2 : 0;
    for (const MatmulPart* part = first; part != last; ++part) {
        const uint32_t k = slot0 + uint32_t(part - first);
        end += size_t(part->n_out) * w0.row_bytes;
        const size_t out_bytes = size_t(nt) * part->n_out * 4;
        const vk::Buffer& bias = part->bias ? floats(*part->bias) : unused_;
        if (part->bias && int64_t(bias.size() / 4) != part->n_out)
            throw Error("Vulkan backend: bias " + part->bias->name + " does not match " + std::to_string(part->n_out) +
                        " outputs");
        ys[k] = bind(act(part->out), 0, out_bytes).range;
        bs[k] = vk::whole(bias);
        p.y_stride[k] = uint32_t(part->n_out);
        p.has_bias[k] = part->bias ? 1u : 0u;
        rows += uint32_t(part->n_out);
        if (k == 0) p.end0 = rows;
        if (k <= 1) p.end1 = rows;  // two parts: no row reaches the third
    }
    for (int k = 0; k < 3; ++k)  // slots without a part repeat the first one's bindings
        if (!ys[k].buffer) {
            ys[k] = ys[slot0];
            bs[k] = bs[slot0];
        }
    const Bound wb = bind(*w0.buf, start, end - start);
    const Bound xb = bind(act(in), 0, size_t(nt) * w0.n_in * 4);
    p.n_in = uint32_t(w0.n_in);
    p.scale = 1.0f;
    p.row_bytes = uint32_t(w0.row_bytes);
    p.w_base = wb.skip_bytes;
    p.x_off = xb.skip_bytes / 4;
    p.n_tokens = uint32_t(nt);
    p.n_rows = rows;
    p.norm = norm.w ? 1u : 0u;
    p.eps = norm.eps;
    p.glu = pairing.glu;
    const vk::Buffer* freqs = &unused_;
    if (const RopeTable* t = pairing.rope) {
        const Hparams& h = model_->hparams();
        ys[1] = vk::whole(k_cache_[pairing.layer]);
        ys[2] = vk::whole(v_cache_[pairing.layer]);
        if (!t->inv_freq.empty()) freqs = &rope_freqs(*t);
        p.rope_head_dim = uint32_t(h.head_dim);
        p.rope_dim = uint32_t(t->rope_dim);
        p.neox = t->neox ? 1u : 0u;
        p.pos_slot = position_slot(pairing.pos0);
        p.cache_rows = uint32_t(kv_layer_rows(h, pairing.layer, shape_.n_ctx, shape_.max_tokens));
        p.freq_scale = t->freq_scale;
        p.mscale = t->mscale;
    }
    dispatch_matvec(w0, p, wb.range, xb.range, ys, bs, norm, *freqs);
    return true;
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
    const int pieces = n_tokens <= kMatvecTokens && visible > 2 * kAttnPiece ? (visible + kAttnPiece - 1) / kAttnPiece : 1;
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
                    rows, pieces > 1 ? uint32_t(kAttnPiece) : 0u,
                    softcap};
    seq_->dispatch(*p_attention_,
                   {vk::whole(act(Act::Q)), vk::whole(k_cache_[layer]), vk::whole(v_cache_[layer]), vk::whole(act(Act::Att)),
                    vk::whole(positions_), vk::whole(attn_pieces_)},
                   &p, uint32_t(h.n_head), uint32_t(n_tokens), uint32_t(pieces));
    if (pieces > 1) {
        AttentionMergePush m{uint32_t(h.n_head), uint32_t(h.head_dim), uint32_t(pieces)};
        seq_->dispatch(*p_attention_merge_, {vk::whole(attn_pieces_), vk::whole(act(Act::Att))}, &m, uint32_t(h.n_head),
                       uint32_t(n_tokens));
    }
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

void VulkanBackend::read_logits(float* dst, size_t n) {
    seq_->copy(act(Act::Logits), 0, readback_, 0, n * 4);
    flush();
    std::memcpy(dst, readback_.mapped(), n * 4);
}

void VulkanBackend::read_act(Act a, float* dst, size_t n) {
    flush();
    vk::download(*dev_, act(a), 0, dst, n * 4);
}

void VulkanBackend::write_act(Act a, const float* src, size_t n) {
    flush();
    vk::upload(*dev_, act(a), 0, src, n * 4);
}

}  // namespace kinglet
