// VulkanBackend's matrix products: prompts through the tiled kernels (matmul.comp, or
// matmul_coopmat.comp on tensor cores) with split-K where a product has too few tiles for the
// device, and decode through matvec.glsl, whose dispatches can also normalise their input, pair
// gate|up rows into act(gate) * up, and rotate Q|K|V into the KV cache.
// Push blocks are written with their trailing members zeroed on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <algorithm>

#include "runtime/kv_cache.h"
#include "util/error.h"
#include "vulkan/vk_backend.h"
#include "vulkan/vk_shader_params.h"
#include "vulkan/vk_split_k.h"

namespace kinglet {

using namespace vk;  // the shader parameters (vk_shader_params.h)

// Few tokens (decode) take matvec.comp, more take the tiled matmul.comp; both split what
// does not fit one binding (a 150k-row vocabulary on lavapipe) into several dispatches.
void VulkanBackend::matmul(const TensorInfo& wt, Act in, Act out, int n_tokens, int64_t row0, int64_t n_out,
                           const MatmulEpilogue& epi) {
    multiply(wt, in, out, n_tokens, row0, n_out, epi, {});
}

// matmul of in's rows in_row0.., with the input normalised first by a decode kernel when `norm`
// has weights (only with n_tokens <= kMatvecTokens: the tiled kernel takes normalised rows).
void VulkanBackend::multiply(const TensorInfo& wt, Act in, Act out, int n_tokens, int64_t row0, int64_t n_out,
                             const MatmulEpilogue& epi, const FusedNorm& norm, int in_row0) {
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
        const Bound xb = bind(act(in), size_t(in_row0 + t0) * in_row, size_t(nt) * in_row);
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
                    seq_->dispatch(*w.pipelines->matmul, {wb.range, xb.range, yb.range, vk::whole(bias)}, &p,
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
    seq_->dispatch(*w.pipelines->matmul, {wr, xr, vk::whole(parts), vk::whole(unused_)}, &part,
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
    seq_->dispatch(matvec_pipeline(w, p),
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
                                      std::initializer_list<MatmulPart> parts, int in_row0) {
    const FusedNorm fn = n_tokens <= kMatvecTokens ? fused_norm(norm, eps, parts.begin(), parts.end()) : FusedNorm{};
    if (!fn.w) return Backend::norm_matmul_parts(in, norm, eps, n_tokens, parts, in_row0);
    decode_parts(in, n_tokens, parts, fn, in_row0);
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
    for (const MatmulPart& p : parts) multiply(*p.w, in, p.out, n_tokens, p.row0, p.n_out, {p.bias, false, p.scale}, fn);
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

// Decode of in's rows in_row0..: consecutive parts that follow each other run as one dispatch,
// up to three.
void VulkanBackend::decode_parts(Act in, int n_tokens, std::initializer_list<MatmulPart> parts, const FusedNorm& norm,
                                 int in_row0) {
    for (const MatmulPart* first = parts.begin(); first != parts.end();) {
        const MatmulPart* last = first + 1;
        while (last != parts.end() && last - first < 3 && follows(last[-1], *last)) ++last;
        if (last - first == 1 || !matvec_parts(in, n_tokens, first, last, norm, RowPairing{}, in_row0))
            for (const MatmulPart* p = first; p != last; ++p)
                multiply(*p->w, in, p->out, n_tokens, p->row0, p->n_out, {p->bias, false, p->scale}, norm, in_row0);
        first = last;
    }
}

// Whether parts that follow each other fit one decode dispatch: its bindings, and one scale.
bool VulkanBackend::matvec_fits(int nt, const MatmulPart* first, const MatmulPart* last) {
    const Weight& w0 = weight(*first->w);
    size_t bytes = 0;
    for (const MatmulPart* part = first; part != last; ++part) {
        if (part->row0 < 0 || part->row0 + part->n_out > weight(*part->w).n_rows) return false;
        if (part->scale != first->scale) return false;
        if (size_t(nt) * part->n_out * 4 > max_range_) return false;
        bytes += size_t(part->n_out) * w0.row_bytes;
    }
    return bytes + align_ <= max_range_;
}

// One decode dispatch for 1-3 parts that follow each other, reading in's rows in_row0..; false
// when they do not fit one (then they run one by one). With a pairing, the parts are gate and
// up, or Q, K and V.
bool VulkanBackend::matvec_parts(Act in, int nt, const MatmulPart* first, const MatmulPart* last, const FusedNorm& norm,
                                 const RowPairing& pairing, int in_row0) {
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
    const Bound xb = bind(act(in), size_t(in_row0) * w0.n_in * 4, size_t(nt) * w0.n_in * 4);
    p.n_in = uint32_t(w0.n_in);
    p.scale = first->scale;
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
        // A dispatch binds only the caches it writes. Q|K leaves V's slot to K's activation
        // buffer, V alone leaves K's to V's (neither is used here otherwise): writing disjoint
        // buffers, the two dispatches need no barrier between them (CommandSequence).
        const bool has_k = !pairing.v_only, has_v = pairing.v_only || last - first == 3;
        const vk::BufferRange unwritten = ys[1];  // K's activations, or V's
        if (has_k) ys[1] = vk::whole(k_cache_[pairing.layer]);
        ys[2] = has_v ? vk::whole(v_cache_[pairing.layer]) : unwritten;
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

}  // namespace kinglet
