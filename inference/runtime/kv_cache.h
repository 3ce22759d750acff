// Keys and values of the processed positions, per layer, stored as F16 (half the
// memory of F32; attention converts back while it reads).
//
// A global layer keeps every position of the context. A sliding-window (local) layer only
// ever reads the last `window` positions, so it keeps a ring of kv_layer_rows() rows and
// position p lives in row p % rows. Both backends size and index their caches with the
// functions below, so the CPU and Vulkan layouts are the same.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/hparams.h"

namespace kinglet {

// Rows of `layer`'s cache for a context of n_ctx positions fed in batches of at most
// max_tokens. A batch of n tokens at pos0 stores all n rows before it attends, and its
// first token still reads back to pos0 - window + 1, so window + n - 1 rows must be
// there at once.
inline int kv_layer_rows(const Hparams& h, int layer, int n_ctx, int max_tokens) {
    const bool local = size_t(layer) < h.layer_is_local.size() && h.layer_is_local[size_t(layer)];
    if (!local || h.sliding_window <= 0) return n_ctx;
    return int(std::min<int64_t>(n_ctx, int64_t(h.sliding_window) + std::max(max_tokens, 1) - 1));
}

// Bytes of the whole cache (K and V of every layer, F16).
inline size_t kv_cache_bytes(const Hparams& h, int n_ctx, int max_tokens) {
    size_t rows = 0;
    for (int l = 0; l < h.n_layer; ++l) rows += size_t(kv_layer_rows(h, l, n_ctx, max_tokens));
    return 2 * rows * size_t(h.kv_dim()) * sizeof(uint16_t);
}

class KvCache {
public:
    KvCache(const Hparams& h, int n_ctx, int max_tokens) : kv_dim_(h.kv_dim()) {
        size_t total = 0;
        for (int l = 0; l < h.n_layer; ++l) {
            rows_.push_back(kv_layer_rows(h, l, n_ctx, max_tokens));
            offset_.push_back(total);
            total += size_t(rows_.back()) * kv_dim_;
        }
        k_.resize(total);
        v_.resize(total);
    }

    int rows(int layer) const { return rows_[size_t(layer)]; }
    // The cache row of position `pos` (its ring slot on a local layer).
    uint16_t* k(int layer, int pos) { return k_.data() + at(layer, pos); }
    uint16_t* v(int layer, int pos) { return v_.data() + at(layer, pos); }
    size_t bytes() const { return (k_.size() + v_.size()) * sizeof(uint16_t); }

private:
    size_t at(int layer, int pos) const {
        return offset_[size_t(layer)] + size_t(pos % rows_[size_t(layer)]) * kv_dim_;
    }

    size_t kv_dim_;
    std::vector<int> rows_;
    std::vector<size_t> offset_;
    std::vector<uint16_t> k_, v_;
};

}  // namespace kinglet
