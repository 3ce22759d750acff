// What the Vulkan op tests share (test_vulkan, test_vulkan_matvec): random data, the sums
// the GPU must give, and a backend on whatever device there is (Mesa's lavapipe in CI), or a
// failed (under CI) or skipped test where there is none.
#pragma once
#include <QtTest>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/model.h"
#include "quant/quant.h"
#include "runtime/backend.h"
#include "shared_data.h"
#include "util/half.h"
#include "vulkan/vk_backend.h"
#include "vulkan/vulkan_backend.h"

namespace kinglet_vk_test {
using namespace kinglet;

inline std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

inline float f16_round(float x) { return fp16_to_fp32(fp32_to_fp16(x)); }

// What the GPU must give for row . x, summed in double over the values its kernel multiplies:
// activations rounded to F16 for F16 weights (as the CPU does); on tensor cores
// (matmul_coopmat) weights and activations both rounded to F16.
inline float expected_dot(const float* row, const float* x, int n, GgmlType type, bool f16_inputs) {
    double s = 0;
    for (int i = 0; i < n; ++i) {
        const float w = f16_inputs ? f16_round(row[i]) : row[i];
        const float xv = f16_inputs || type == GgmlType::F16 ? f16_round(x[i]) : x[i];
        s += double(w) * xv;
    }
    return float(s);
}

// Largest |a - b| / (1 + |b|).
inline double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - b[i]) / (1.0 + std::fabs(b[i])));
    return m;
}

constexpr int kTokens = 12, kCtx = 64;

// A 1-D F32 tensor over `values` (which must outlive it): norm weights made up by a test.
inline TensorInfo f32_vector(const std::string& name, const std::vector<float>& values) {
    TensorInfo t;
    t.name = name;
    t.type = GgmlType::F32;
    t.n_dims = 1;
    t.ne[0] = int64_t(values.size());
    t.nbytes = values.size() * 4;
    t.data = reinterpret_cast<const uint8_t*>(values.data());
    return t;
}

// An environment switch set for this object's lifetime (a backend reads its switches when it
// is made), unset afterwards even when the test returns early. A null value sets nothing.
struct ScopedEnv {
    QByteArray name;
    ScopedEnv(const char* n, const char* value) : name(n) {
        if (value) qputenv(n, value);
    }
    ~ScopedEnv() { qunsetenv(name.constData()); }
};

// A backend initialised for `file` (a tiny model), plus the model.
struct Fixture {
    std::unique_ptr<Model> model;
    std::unique_ptr<Backend> backend;
    VulkanBackend* vk = nullptr;
};
inline Fixture fixture(std::unique_ptr<Backend> b, const QString& file) {
    Fixture f;
    f.model = Model::load(file.toStdString());
    f.backend = std::move(b);
    f.backend->init(*f.model, BackendShape{kTokens, kCtx});
    f.vk = dynamic_cast<VulkanBackend*>(f.backend.get());
    return f;
}

}  // namespace kinglet_vk_test

// A Vulkan backend or a failed/skipped test.
#define REQUIRE_VULKAN(var)                                                             \
    std::string why_##var;                                                              \
    std::unique_ptr<Backend> var = make_vulkan_backend("", &why_##var);                 \
    if (!var) {                                                                         \
        const QByteArray msg = ("no Vulkan device: " + why_##var).c_str();               \
        if (kinglet_test::inCi()) QFAIL(msg.constData());                               \
        QSKIP(msg.constData());                                                         \
    }
