// The CPU implementation of Backend: weights are used in place from the memory map;
// work is split across a thread pool; dot products run on the best SIMD kernels the
// machine allows (quant/).
#pragma once
#include <map>
#include <memory>
#include <vector>

#include "runtime/backend.h"
#include "runtime/kv_cache.h"
#include "runtime/thread_pool.h"

namespace kinglet {

class CpuBackend : public Backend {
public:
    explicit CpuBackend(int n_threads);
    std::string name() const override;
    int n_threads() const override { return pool_.size(); }
    size_t kv_bytes() const override { return cache_ ? cache_->bytes() : 0; }

    void init(const Model& model, const BackendShape& shape) override;
    void embed(const TokenId* tokens, int n_tokens, float scale) override;
    void rmsnorm(Act out, Act in, const TensorInfo& w, int n_rows, int row_len, float eps, int in_row0) override;
    void matmul(const TensorInfo& w, Act in, Act out, int n_tokens, int64_t row0, int64_t n_out,
                const MatmulEpilogue& epi = {}) override;
    void matmul_parts(Act in, int n_tokens, std::initializer_list<MatmulPart> parts) override;
    void rope_store_kv(int layer, int n_tokens, int pos0, const RopeTable& table, const HeadNorms& head_norms) override;
    void attention(int layer, int n_tokens, int pos0, int window, float scale, float softcap) override;
    void add(Act x, Act y, size_t n) override;
    void glu(FfnActivation act, size_t n) override;
    void softcap(Act x, size_t n, float cap) override;
    void read_logits(float* dst, size_t n) override;
    void read_act(Act a, float* dst, size_t n) override;
    void write_act(Act a, const float* src, size_t n) override;

private:
    static constexpr int kMaxJobs = 3;  // products run as one parallel region
    void run_matmuls(Act in, int n_tokens, const MatmulPart* first, const MatmulPart* last, bool accumulate);
    float* buf(Act a) { return bufs_[static_cast<int>(a)].get(); }
    const std::vector<float>& floats_of(const TensorInfo& t);  // small tensors, converted once

    const Model* model_ = nullptr;
    ThreadPool pool_;
    MatMul matmul_;
    std::unique_ptr<KvCache> cache_;
    // Not zero-filled: pages that a batch never reaches (most of Logits unless all
    // positions' logits are asked for) are never touched and stay out of resident memory.
    std::unique_ptr<float[]> bufs_[10];
    std::vector<float> scores_;   // per thread: a row of attention scores per query of a tile
    std::vector<float> att_acc_;  // per thread: two heads of attention output per query of a tile
    // Accumulating matmuls (residual connections) write here first; then it is added.
    std::unique_ptr<float[]> residual_;
    size_t residual_floats_ = 0;
    std::map<const TensorInfo*, std::vector<float>> small_tensors_;
};

}  // namespace kinglet
