#include "runtime/cpu_backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/cpu_features.h"
#include "quant/gemm.h"
#include "quant/quant.h"
#include "util/error.h"
#include "util/half.h"

namespace kinglet {

// Element-wise work smaller than this runs on the calling thread (a wake-up costs more).
constexpr size_t kParallelElements = 65536;

CpuBackend::CpuBackend(int n_threads) : pool_(n_threads) {}

std::string CpuBackend::name() const { return "CPU (" + simd_level_name(simd_level()) + ")"; }

void CpuBackend::init(const Model& model, const BackendShape& shape) {
    model_ = &model;
    const Hparams& h = model.hparams();
    const size_t T = shape.max_tokens;
    cache_ = std::make_unique<KvCache>(h, shape.n_ctx, shape.max_tokens);
    auto size = [&](Act a, size_t n) { bufs_[static_cast<int>(a)].reset(new float[std::max<size_t>(n, 1)]); };
    size(Act::X, T * h.n_embd);
    size(Act::XN, T * std::max(h.n_embd, h.q_dim()));
    size(Act::Tmp, T * h.n_embd);
    residual_floats_ = T * size_t(h.n_embd);  // accumulating matmuls write the residual stream
    residual_.reset(new float[residual_floats_]);
    size(Act::Q, T * h.q_dim());
    size(Act::K, T * h.kv_dim());
    size(Act::V, T * h.v_dim());
    size(Act::Att, T * h.n_head * h.head_dim_v);
    size(Act::Gate, T * h.n_ff);
    size(Act::Up, T * h.n_ff);
    size(Act::Logits, size_t(shape.logit_rows()) * h.n_vocab);
    // Per thread, for a tile of kAttnMaxQueries queries: a row of scores each, and two heads'
    // worth of output each (a window that wraps round a ring is summed in two parts).
    scores_.assign(size_t(pool_.size()) * kAttnMaxQueries * shape.n_ctx, 0.0f);
    att_acc_.assign(size_t(pool_.size()) * kAttnMaxQueries * 2 * std::max(h.head_dim, h.head_dim_v), 0.0f);
}

const std::vector<float>& CpuBackend::floats_of(const TensorInfo& t) {
    auto it = small_tensors_.find(&t);
    if (it == small_tensors_.end()) it = small_tensors_.emplace(&t, tensor_to_floats(t)).first;
    return it->second;
}

void CpuBackend::embed(const TokenId* tokens, int n_tokens, float scale) {
    const TensorInfo& emb = *model_->weights().token_embd;
    const int E = int(emb.ne[0]);
    const size_t rb = row_bytes(emb.type, E);
    float* x = buf(Act::X);
    for (int t = 0; t < n_tokens; ++t) {
        dequantize_row(emb.type, emb.data + size_t(tokens[t]) * rb, x + size_t(t) * E, E);
        if (scale != 1.0f)
            for (int i = 0; i < E; ++i) x[size_t(t) * E + i] *= scale;
    }
}

void CpuBackend::rmsnorm(Act out, Act in, const TensorInfo& w, int n_rows, int row_len, float eps, int in_row0) {
    const float* weight = floats_of(w).data();
    float* o = buf(out);
    const float* x = buf(in) + size_t(in_row0) * row_len;
    auto rows = [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) kinglet::rmsnorm(o + size_t(r) * row_len, x + size_t(r) * row_len, weight, row_len, eps);
    };
    if (size_t(n_rows) * row_len >= kParallelElements) pool_.parallel_for(n_rows, rows);
    else rows(0, n_rows);
}

void CpuBackend::matmul(const TensorInfo& w, Act in, Act out, int n_tokens, int64_t row0, int64_t n_out,
                        const MatmulEpilogue& epi) {
    const MatmulPart part{&w, row0, n_out, out, epi.bias, epi.scale};
    run_matmuls(in, n_tokens, &part, &part + 1, epi.accumulate);
}

void CpuBackend::matmul_parts(Act in, int n_tokens, std::initializer_list<MatmulPart> parts) {
    for (const MatmulPart* p = parts.begin(); p < parts.end(); p += kMaxJobs)
        run_matmuls(in, n_tokens, p, std::min(p + kMaxJobs, parts.end()), false);
}

// The parts' products as one parallel region (one wake-up and one barrier for Q|K|V), then
// their biases and scale; an accumulating product is written to residual_ and added to its output.
void CpuBackend::run_matmuls(Act in, int n_tokens, const MatmulPart* first, const MatmulPart* last, bool accumulate) {
    MatMulJob jobs[kMaxJobs];
    int n = 0;
    for (const MatmulPart* p = first; p != last; ++p, ++n) {
        if (p->bias && int64_t(floats_of(*p->bias).size()) != p->n_out)
            throw Error("bias " + p->bias->name + " has " + std::to_string(floats_of(*p->bias).size()) +
                        " values for " + std::to_string(p->n_out) + " outputs");
        if (buf(p->out) == buf(in)) throw Error("a matmul cannot write its own input");
        float* y = buf(p->out);
        if (accumulate) {
            if (size_t(p->n_out) * n_tokens > residual_floats_)
                throw Error("accumulating matmul larger than the residual buffer");
            y = residual_.get();
        }
        jobs[n] = MatMulJob{p->w, p->row0, p->n_out, y};
    }
    matmul_.run(pool_, buf(in), n_tokens, jobs, n);
    for (const MatmulPart* p = first; p != last; ++p) {
        const float scale = p->scale;
        if (!accumulate && !p->bias && scale == 1.0f) continue;
        for (int t = 0; t < n_tokens; ++t) {
            float* o = buf(p->out) + size_t(t) * p->n_out;
            float* product = accumulate ? residual_.get() + size_t(t) * p->n_out : o;
            if (p->bias) kinglet::add(product, floats_of(*p->bias).data(), int(p->n_out));
            if (scale != 1.0f)
                for (int64_t i = 0; i < p->n_out; ++i) product[i] *= scale;
            if (accumulate) kinglet::add(o, product, int(p->n_out));
        }
    }
}

void CpuBackend::rope_store_kv(int layer, int n_tokens, int pos0, const RopeTable& table, const HeadNorms& head_norms) {
    const Hparams& h = model_->hparams();
    const int D = h.head_dim, KV = h.kv_dim();
    if (head_norms.q) rmsnorm(Act::Q, Act::Q, *head_norms.q, n_tokens * h.n_head, D, head_norms.eps, 0);
    if (head_norms.k) rmsnorm(Act::K, Act::K, *head_norms.k, n_tokens * h.n_head_kv, D, head_norms.eps, 0);
    float* q = buf(Act::Q);
    float* k = buf(Act::K);
    const float* v = buf(Act::V);
    for (int t = 0; t < n_tokens; ++t) {
        kinglet::rope(q + size_t(t) * h.q_dim(), h.n_head, D, pos0 + t, table);
        kinglet::rope(k + size_t(t) * KV, h.n_head_kv, D, pos0 + t, table);
        uint16_t* kc = cache_->k(layer, pos0 + t);
        uint16_t* vc = cache_->v(layer, pos0 + t);
        for (int i = 0; i < KV; ++i) {
            kc[i] = fp32_to_fp16(k[size_t(t) * KV + i]);
            vc[i] = fp32_to_fp16(v[size_t(t) * KV + i]);
        }
    }
}

// Work items are tiles of up to kAttnMaxQueries (token, head) pairs that read the same KV head,
// so that each F16 cache row is converted once for all of them: the heads that share a KV head
// (grouped-query attention), then the same heads of the next token. Their visible ranges differ
// by a few positions at most; a tile reads the union, and each query's softmax and weighted sum
// see only its own range (zero weights elsewhere). Tiles are dealt round-robin (later tokens
// see more of the cache, so interleaving balances a causal prompt); where that leaves threads
// idle (one token, few KV heads), tiles shrink. Scratch is per thread, allocated at init().
//
// The kernels read runs of consecutive rows; on a local layer's ring the visible positions
// may wrap past the last row, so they are read as two runs (up to the end, then from row 0).
// A batch's rows all fit the ring together (kv_layer_rows), so a tile's union does too.
void CpuBackend::attention(int layer, int n_tokens, int pos0, int window, float scale, float softcap) {
    const Hparams& h = model_->hparams();
    const int D = h.head_dim, Q = h.q_dim();
    const int group = h.n_head / h.n_head_kv;
    const int rows = cache_->rows(layer);
    const float* qbuf = buf(Act::Q);
    float* att = buf(Act::Att);
    const AttnScoresFn scores_fn = attn_scores_fn();
    const AttnWsumFn wsum_fn = attn_wsum_fn();
    const size_t acc_stride = att_acc_.size() / size_t(pool_.size());
    const size_t scores_stride = scores_.size() / size_t(pool_.size());
    const size_t kv_stride = size_t(h.kv_dim());  // halves between positions in the cache
    // Queries per KV head: (token, head in its group), heads fastest.
    const int per_kv = n_tokens * group;
    int tile = kAttnMaxQueries;
    while (tile > 1 && int64_t(h.n_head_kv) * ((per_kv + tile - 1) / tile) < pool_.size()) tile /= 2;
    const int tiles_per_kv = (per_kv + tile - 1) / tile;
    auto body = [&](int thread, int n_threads) {
        float* const scores = &scores_[size_t(thread) * scores_stride];
        float* const acc = &att_acc_[size_t(thread) * acc_stride];
        for (int item = thread; item < h.n_head_kv * tiles_per_kv; item += n_threads) {
            const int kv_head = item % h.n_head_kv, first = (item / h.n_head_kv) * tile;
            const int nq = std::min(tile, per_kv - first);
            const float* q[kAttnMaxQueries];
            float *s[kAttnMaxQueries], *o[kAttnMaxQueries], *o2[kAttnMaxQueries];
            int start[kAttnMaxQueries], pos[kAttnMaxQueries];
            for (int m = 0; m < nq; ++m) {
                const int t = (first + m) / group, head = kv_head * group + (first + m) % group;
                pos[m] = pos0 + t;
                start[m] = window > 0 ? std::max(0, pos[m] - window + 1) : 0;
                q[m] = qbuf + size_t(t) * Q + head * D;
                o[m] = acc + size_t(m) * 2 * D;
                o2[m] = o[m] + D;
            }
            const int lo = *std::min_element(start, start + nq), hi = *std::max_element(pos, pos + nq);
            const int n = hi - lo + 1;
            const int n1 = std::min(n, rows - lo % rows);  // rows before the ring wraps
            for (int m = 0; m < nq; ++m) s[m] = scores + size_t(m) * (scores_stride / kAttnMaxQueries);
            const uint16_t* k = cache_->k(layer, lo) + kv_head * D;
            scores_fn(D, n1, nq, q, k, kv_stride, scale, s);
            if (n1 < n) {
                float* s2[kAttnMaxQueries];
                for (int m = 0; m < nq; ++m) s2[m] = s[m] + n1;
                scores_fn(D, n - n1, nq, q, cache_->k(layer, 0) + kv_head * D, kv_stride, scale, s2);
            }
            for (int m = 0; m < nq; ++m) {  // each query's own range: softcap, softmax, zeros around
                float* own = s[m] + (start[m] - lo);
                const int len = pos[m] - start[m] + 1;
                if (softcap > 0)
                    for (int i = 0; i < len; ++i) own[i] = softcap * std::tanh(own[i] / softcap);
                kinglet::softmax(own, len);
                std::fill(s[m], own, 0.0f);
                std::fill(own + len, s[m] + n, 0.0f);
            }
            const float* p[kAttnMaxQueries];
            std::copy(s, s + nq, p);
            wsum_fn(D, n1, nq, p, cache_->v(layer, lo) + kv_head * D, kv_stride, o);
            if (n1 < n) {
                for (int m = 0; m < nq; ++m) p[m] = s[m] + n1;
                wsum_fn(D, n - n1, nq, p, cache_->v(layer, 0) + kv_head * D, kv_stride, o2);
                for (int m = 0; m < nq; ++m)
                    for (int i = 0; i < D; ++i) o[m][i] += o2[m][i];
            }
            for (int m = 0; m < nq; ++m) {
                const int t = (first + m) / group, head = kv_head * group + (first + m) % group;
                std::copy(o[m], o[m] + D, att + size_t(t) * h.n_head * D + head * D);
            }
        }
    };
    // A short decode step over a small cache is cheaper on one thread than a wake-up.
    if (size_t(n_tokens) * h.n_head * (pos0 + n_tokens) * D < 32768) body(0, 1);
    else pool_.run(body);
}

void CpuBackend::add(Act x, Act y, size_t n) {
    kinglet::add(buf(x), buf(y), int(n));
}

void CpuBackend::glu(FfnActivation act, size_t n) {
    float* g = buf(Act::Gate);
    const float* u = buf(Act::Up);
    auto part = [&](int64_t b, int64_t e) {
        if (act == FfnActivation::Gelu) gelu_mul(g + b, u + b, int(e - b));
        else silu_mul(g + b, u + b, int(e - b));
    };
    if (n >= kParallelElements) pool_.parallel_for(int64_t(n), part);  // prompt batches only
    else part(0, int64_t(n));
}

void CpuBackend::softcap(Act x, size_t n, float cap) {
    float* v = buf(x);
    for (size_t i = 0; i < n; ++i) v[i] = cap * std::tanh(v[i] / cap);
}

void CpuBackend::read_logits(float* dst, size_t n) {
    std::copy_n(buf(Act::Logits), n, dst);
}

void CpuBackend::read_act(Act a, float* dst, size_t n) { std::copy(buf(a), buf(a) + n, dst); }

void CpuBackend::write_act(Act a, const float* src, size_t n) { std::copy(src, src + n, buf(a)); }

}  // namespace kinglet
