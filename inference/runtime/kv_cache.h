// Keys and values of every processed position, per layer, stored as F16 (half the
// memory of F32; attention converts back while it reads).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kinglet {

class KvCache {
public:
    KvCache(int n_layer, int n_ctx, int kv_dim)
        : n_ctx_(n_ctx), kv_dim_(kv_dim),
          k_(size_t(n_layer) * n_ctx * kv_dim), v_(size_t(n_layer) * n_ctx * kv_dim) {}

    int n_ctx() const { return n_ctx_; }
    uint16_t* k(int layer, int pos) { return k_.data() + (size_t(layer) * n_ctx_ + pos) * kv_dim_; }
    uint16_t* v(int layer, int pos) { return v_.data() + (size_t(layer) * n_ctx_ + pos) * kv_dim_; }
    size_t bytes() const { return (k_.size() + v_.size()) * sizeof(uint16_t); }

private:
    int n_ctx_;
    int kv_dim_;
    std::vector<uint16_t> k_, v_;
};

}  // namespace kinglet
