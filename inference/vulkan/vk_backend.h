// The Vulkan implementation of Backend. Weights are uploaded once at init() as raw GGUF
// bytes (dequantized inside the shaders), activations and the F16 KV cache live on the
// device, and every op of a forward pass is recorded into one command buffer that is
// submitted once, at read_logits().
#pragma once
#include <map>
#include <memory>
#include <vector>

#include "runtime/backend.h"
#include "vulkan/vk_objects.h"
#include "vulkan/vk_sequence.h"
#include "vulkan/vk_split_k.h"

namespace kinglet {
namespace vk {
struct MatmulPush;  // vk_shader_params.h
struct MatvecPush;
}  // namespace vk

class VulkanBackend : public Backend {
public:
    explicit VulkanBackend(std::unique_ptr<vk::VulkanDevice> device);
    ~VulkanBackend() override;
    std::string name() const override;
    size_t kv_bytes() const override { return kv_bytes_; }
    // 512: a 512-token prompt as one batch ran 15 % faster than as two of 256 on an H200
    // (0.5B Q4_K_M: 23.2k against 20.2k tokens/s): fewer, fuller tiles, and half the
    // per-batch dispatches. The activations grow by 30 MB there; the logits do not grow.
    int preferred_batch() const override { return 512; }

    void init(const Model& model, const BackendShape& shape) override;
    void embed(const TokenId* tokens, int n_tokens, float scale) override;
    void rmsnorm(Act out, Act in, const TensorInfo& w, int n_rows, int row_len, float eps, int in_row0) override;
    void add_rmsnorm(Act out, Act in, const TensorInfo& w, int n_rows, int row_len, float eps) override;
    void matmul(const TensorInfo& w, Act in, Act out, int n_tokens, int64_t row0, int64_t n_out,
                const MatmulEpilogue& epi = {}) override;
    void matmul_parts(Act in, int n_tokens, std::initializer_list<MatmulPart> parts) override;
    void norm_matmul_parts(Act in, const TensorInfo& norm, float eps, int n_tokens,
                           std::initializer_list<MatmulPart> parts, int in_row0 = 0) override;
    void ffn_gate_up(Act in, const TensorInfo& norm, float eps, int n_tokens, const MatmulPart& gate,
                     const MatmulPart& up, FfnActivation act) override;
    void qkv_rope_store_kv(Act in, const TensorInfo& norm, float eps, int n_tokens, const MatmulPart& q,
                           const MatmulPart& k, const MatmulPart& v, int layer, int pos0, const RopeTable& table,
                           const HeadNorms& head_norms) override;
    void rope_store_kv(int layer, int n_tokens, int pos0, const RopeTable& table, const HeadNorms& head_norms) override;
    void attention(int layer, int n_tokens, int pos0, int window, float scale, float softcap) override;
    void add(Act x, Act y, size_t n) override;
    void glu(FfnActivation act, size_t n) override;
    void softcap(Act x, size_t n, float cap) override;
    void read_logits(float* dst, size_t n) override;

    void read_act(Act a, float* dst, size_t n) override;
    void write_act(Act a, const float* src, size_t n) override;
    const VulkanDeviceInfo& device_info() const { return dev_->info(); }
    size_t dispatch_count() const { return seq_->dispatches(); }
    size_t barrier_count() const { return seq_->barriers(); }  // between dispatches, recorded or reused
    size_t recording_count() const { return seq_->recordings(); }  // command buffers recorded, not reused
    size_t hybrid_wait_count() const { return seq_->hybrid_waits(); }  // submissions waited for asleep, then polling
    size_t host_gap_count() const { return seq_->host_gaps(); }  // timed gaps between reused submissions
    int64_t host_gap_ns() const { return seq_->host_gap_ns(); }  // their sum
    std::string matvec_shader() const { return matvec_shader_; }       // the decode kernel's build
    uint32_t matvec_rows() const { return matvec_rows_; }
    size_t weight_type_count() const { return type_pipelines_.size(); }  // weight types with pipelines
    size_t matvec_pipeline_count() const;  // decode pipelines created, over every type and mode set
    uint32_t matvec_group() const { return matvec_group_; }
    // Invocations of the decode workgroups for rows of n_in values (256: two subgroups a row).
    uint32_t matvec_threads(int64_t n_in) const { return wide_rows_ > 0 && n_in >= wide_rows_ ? 256 : 128; }
    // The prompt kernel for weights of this type: "matmul_coopmat" (tensor cores, F16 inputs)
    // where the device has them and F16 holds the type's values, else "matmul" (F32).
    std::string matmul_shader(GgmlType type) const;
    // The first n values (F16 bits) of layer's K cache, as stored: position p's row at p % rows.
    void read_k_cache(int layer, uint16_t* dst, size_t n);

    static bool supports_weight_type(GgmlType type);

private:
    // One weight type's matrix kernels, shared by its weights. The decode kernel comes in one
    // pipeline per set of modes a dispatch uses (MODES in matvec.glsl, kMatvecNorm | kMatvecGlu
    // | kMatvecRope), each holding only its own code, for one token (a decode step) or up to
    // kMatvecTokens (TOKENS; index + kMatvecManyTokens); kMatvecAllModes + kMatvecManyTokens
    // holds it all (the switch KINGLET_VK_MATVEC_GENERIC=1). matvec_wide: 256-invocation
    // workgroups, only with wide_rows_.
    struct TypePipelines {
        std::shared_ptr<vk::Pipeline> matvec[16], matvec_wide[16], matmul;
    };
    struct Weight {
        // Weights read by one decode dispatch (Q|K|V, gate|up) share a buffer, rows back to
        // back (upload_together); base is the byte offset of this one's first row.
        std::shared_ptr<vk::Buffer> buf;
        size_t base = 0;
        GgmlType type;
        int64_t n_in = 0, n_rows = 0;
        size_t row_bytes = 0;
        TypePipelines* pipelines = nullptr;  // of `type` (type_pipelines_ holds them)
        bool wide = false;                         // rows long enough for matvec_wide
    };
    // A binding that starts at byte `offset` of `buf`: the aligned range bound and the bytes
    // left between the range's start and `offset` (shaders add them back).
    struct Bound {
        vk::BufferRange range;
        uint32_t skip_bytes = 0;
    };
    Bound bind(const vk::Buffer& buf, size_t offset, size_t bytes) const;
    const vk::Buffer& act(Act a) const { return acts_[static_cast<int>(a)]; }
    const Weight& weight(const TensorInfo& t);
    Weight describe(const TensorInfo& t);
    void upload_together(std::initializer_list<const TensorInfo*> tensors);
    void matmul_split_k(const Weight& w, const vk::MatmulPush& p, const vk::BufferRange& wr,
                        const vk::BufferRange& xr, const vk::BufferRange& yr, const vk::Buffer& bias,
                        const vk::SplitK& sk);
    // A block's input norm folded into decode dispatches: its weights (null: none) and epsilon.
    struct FusedNorm {
        const vk::Buffer* w = nullptr;
        float eps = 0.0f;
    };
    void multiply(const TensorInfo& w, Act in, Act out, int n_tokens, int64_t row0, int64_t n_out,
                  const MatmulEpilogue& epi, const FusedNorm& norm, int in_row0 = 0);
    FusedNorm fused_norm(const TensorInfo& norm, float eps, const MatmulPart* first, const MatmulPart* last);
    bool follows(const MatmulPart& a, const MatmulPart& b);
    void decode_parts(Act in, int n_tokens, std::initializer_list<MatmulPart> parts, const FusedNorm& norm,
                      int in_row0 = 0);
    // How a decode dispatch's rows pair up (matvec_epilogue.glsl): gate|up giving act(gate) * up
    // (glu: an activation op), or Q|K|V rotated and stored in layer's cache at pos0 (rope; the
    // parts Q, K, V, or Q, K, or V alone with v_only).
    struct RowPairing {
        uint32_t glu = 0;
        const RopeTable* rope = nullptr;
        int layer = 0, pos0 = 0;
        bool v_only = false;
    };
    bool matvec_fits(int n_tokens, const MatmulPart* first, const MatmulPart* last);
    bool matvec_parts(Act in, int n_tokens, const MatmulPart* first, const MatmulPart* last, const FusedNorm& norm,
                      const RowPairing& pairing, int in_row0 = 0);
    uint32_t matvec_load_variant() const;
    static std::string matvec_variant_label(uint32_t variant);
    void make_matvec(GgmlType type, uint32_t variant, TypePipelines& pipes);
    const vk::Pipeline& matvec_pipeline(const Weight& w, const vk::MatvecPush& p);
    void dispatch_matvec(const Weight& w, const vk::MatvecPush& p, const vk::BufferRange& wr, const vk::BufferRange& xr,
                         const vk::BufferRange (&ys)[3], const vk::BufferRange (&bs)[3], const FusedNorm& norm,
                         const vk::Buffer& freqs);
    void normalize(Act out, Act in, const TensorInfo& w, int n_rows, int row_len, float eps, int in_row0,
                   bool accumulate);
    const vk::Buffer& floats(const TensorInfo& t);
    const vk::Buffer& rope_freqs(const RopeTable& table);
    void eltwise(uint32_t op, Act x, Act y, size_t n, float cap);
    void flush();
    void check_act_floats(Act a, size_t n) const;
    uint32_t position_slot(int pos0);

    std::unique_ptr<vk::VulkanDevice> dev_;
    std::unique_ptr<vk::CommandSequence> seq_;
    std::unique_ptr<vk::Pipeline> p_matmul_reduce_;
    std::unique_ptr<vk::Pipeline> p_attention_prompt_;  // null where the device has too little shared memory
    std::unique_ptr<vk::Pipeline> p_embed_, p_rmsnorm_, p_rope_store_kv_, p_attention_,
        p_eltwise_;
    const Model* model_ = nullptr;
    BackendShape shape_;
    size_t max_range_ = 0;  // bytes one binding may span
    size_t align_ = 4;      // minStorageBufferOffsetAlignment
    const char* matvec_shader_ = "matvec";  // or "matvec_subgroup" where subgroupAdd is there
    uint32_t matvec_rows_ = 4;              // rows per decode workgroup (ROWS in matvec.glsl)
    uint32_t matvec_group_ = 1;             // rows a subgroup sums together (GROUP), subgroup build only
    // Rows of at least this many values take 256-invocation decode workgroups, two subgroups per
    // row (KINGLET_VK_MATVEC_WIDE; 0: never; subgroup build only).
    int64_t wide_rows_ = 0;
    bool coopmat_ = false;                  // prompts on tensor cores (matmul_coopmat.comp)
    bool fuse_ = true;  // decode folds norms, the FFN activation and RoPE into matvec (KINGLET_VK_NO_FUSION=1: not)
    bool generic_matvec_ = false;  // every decode dispatch on the all-modes pipeline (KINGLET_VK_MATVEC_GENERIC=1)
    vk::Buffer acts_[10];
    size_t act_floats_[10] = {};
    std::vector<vk::Buffer> k_cache_, v_cache_;  // per layer: n_ctx rows of kv_dim halves
    size_t kv_bytes_ = 0;
    vk::Buffer tokens_;    // host-written: the token ids of the batches recorded since the last submit
    size_t tokens_used_ = 0;
    uint32_t split_k_forced_ = 0;  // KINGLET_VK_SPLIT_K; 0: automatic
    vk::Buffer split_parts_[vk::kSplitBuffers];  // split-K partial sums (empty where products are never split)
    size_t split_floats_ = 0;      // floats each holds
    size_t split_turn_ = 0;        // the next product's buffer
    vk::Buffer attn_pieces_;  // split attention: per piece max, sum and unnormalised output
    vk::Buffer attn_done_;    // split attention: pieces finished per (token, head); 0 between dispatches
    uint32_t attn_pieces_per_head_ = 1;  // pieces of a split decode attention
    vk::Buffer unused_;     // bound where a shader's optional input is absent (no bias, ...); never written
    vk::Buffer positions_;  // host-written: pos0 of each batch recorded since the last submit
    size_t positions_used_ = 0;
    vk::Buffer readback_;  // host-visible: logits
    std::map<const TensorInfo*, Weight> weights_;
    std::map<GgmlType, TypePipelines> type_pipelines_;  // nodes stay put: Weight points at them
    std::map<const TensorInfo*, vk::Buffer> floats_;
    std::map<std::vector<float>, vk::Buffer> rope_tables_;
};

}  // namespace kinglet
