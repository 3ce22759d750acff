// matvec.glsl's rows and what becomes of their sums. By default a workgroup takes ROWS
// consecutive rows and each row's sum goes to its part's output: scale * (sum + bias), added
// to what is there with p.accumulate. Two modes pair rows so that a decode step needs fewer
// dispatches; their rows' results meet in shared memory and are written after a barrier:
//
// p.glu (gate|up: part 0 the gate's rows, part 1 the up's, end0 each): the workgroup takes
// ROWS / 2 gate rows and the up rows of the same columns, and writes act(gate) * up to part
// 0's output only (no activation dispatch, no Up written and read back).
//
// p.rope_head_dim (Q|K|V: parts of n_head, n_head_kv and n_head_kv heads; or Q|K, or V alone
// in the third part when V has another type than Q and K): what
// rope_store_kv.comp does, here: Q rotated to part 0's output, K rotated and V stored to the
// layer's F16 cache (kc, vc: bindings 3 and 4), row pos % cache_rows. The workgroup takes
// quads of rows that make two rotation pairs and two cache words: a head's values 4i .. 4i+3
// (normal rotation: pairs (4i, 4i+1), (4i+2, 4i+3); also the values past rope_dim and V), or
// with NEOX rotation 2i, 2i+1, 2i+h, 2i+1+h (h = rope_dim / 2: pairs (2i, 2i+h), (2i+1, 2i+1+h)).
// The host asks for it only where head_dim and rope_dim are multiples of 4.
#ifndef KINGLET_MATVEC_EPILOGUE_GLSL
#define KINGLET_MATVEC_EPILOGUE_GLSL

uint part_of(uint r) { return r < p.end0 ? 0u : r < p.end1 ? 1u : 2u; }
uint col_of(uint r, uint k) { return p.y_col0[k] + r - (k == 0u ? 0u : k == 1u ? p.end0 : p.end1); }

// scale * (v + bias) for row r.
float with_bias(uint r, float v) {
    const uint k = part_of(r), c = col_of(r, k);
    float b = 0.0;
    if (p.has_bias[k] != 0u) b = k == 0u ? b0[c] : k == 1u ? b1[c] : b2[c];
    return p.scale * (v + b);
}

void store(uint r, uint t, float v) {
    const uint k = part_of(r);
    const uint o = p.y_off[k] + t * p.y_stride[k] + col_of(r, k);
    const bool acc = p.accumulate != 0u;
    v = with_bias(r, v);
    if (k == 0u) y0[o] = v + (acc ? y0[o] : 0.0);
    else if (k == 1u) y1[o] = v + (acc ? y1[o] : 0.0);
    else y2[o] = v + (acc ? y2[o] : 0.0);
}

uint group_index() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }

// Row u (0..3) of quad j in rope mode.
uint quad_row(uint j, uint u) {
    const uint D = p.rope_head_dim, r0 = 4u * j;
    if (r0 >= p.end1) return r0 + u;  // V
    const uint base = r0 - r0 % D, i = (r0 % D) / 4u;
    if (p.neox != 0u && 4u * i < p.rope_dim) return base + 2u * i + (u & 1u) + (u >= 2u ? p.rope_dim / 2u : 0u);
    return r0 + u;
}

// The row that the workgroup's row g is, p.n_rows where there is none.
uint row_of(uint g) {
    if (glu_on()) {
        const uint half_rows = ROWS / 2u, i = group_index() * half_rows + g % half_rows;
        return i >= p.end0 ? p.n_rows : g < half_rows ? i : p.end0 + i;
    }
    if (rope_on()) {
        const uint j = group_index() * (ROWS / 4u) + g / 4u;
        return 4u * j >= p.n_rows ? p.n_rows : quad_row(j, g % 4u);
    }
    return group_index() * ROWS + g;
}

// Rows' results in the pairing modes (ROWS <= 32).
shared float row_val[32u * TT];

// Row r's sum v for token t, the workgroup's row g.
void emit(uint g, uint r, uint t, float v) {
    if (!glu_on() && !rope_on()) store(r, t, v);
    else row_val[g * TT + t] = with_bias(r, v);
}

void glu_finish(uint nt) {
    const uint tid = gl_LocalInvocationID.x, half_rows = ROWS / 2u, g = tid / TT, t = tid % TT;
    const uint i = group_index() * half_rows + g;
    if (g < half_rows && t < nt && i < p.end0)
        y0[p.y_off[0] + t * p.y_stride[0] + p.y_col0[0] + i] =
            gated(p.glu, row_val[g * TT + t], row_val[(g + half_rows) * TT + t]);
}

void rope_finish(uint nt) {
    const uint tid = gl_LocalInvocationID.x, g = tid / TT, t = tid % TT, j = group_index() * (ROWS / 4u) + g;
    if (g >= ROWS / 4u || t >= nt || 4u * j >= p.n_rows) return;
    vec4 v = vec4(row_val[4u * g * TT + t], row_val[(4u * g + 1u) * TT + t], row_val[(4u * g + 2u) * TT + t],
                  row_val[(4u * g + 3u) * TT + t]);
    const uint pos = positions[p.pos_slot] + t, r0 = quad_row(j, 0u), e0 = r0 % p.rope_head_dim;
    if (r0 < p.end1 && e0 < p.rope_dim) {  // Q or K, inside the rotated dimensions
        if (p.neox != 0u) {  // pairs (v.x, v.z) and (v.y, v.w), frequencies e0 and e0 + 1
            const vec2 a = rotate_pair(v.xz, rope_rotation(pos, p.freq_scale, inv_freq[e0], p.mscale));
            const vec2 b = rotate_pair(v.yw, rope_rotation(pos, p.freq_scale, inv_freq[e0 + 1u], p.mscale));
            v = vec4(a.x, b.x, a.y, b.y);
        } else {  // pairs (v.x, v.y) and (v.z, v.w), frequencies e0 / 2 and e0 / 2 + 1
            v.xy = rotate_pair(v.xy, rope_rotation(pos, p.freq_scale, inv_freq[e0 / 2u], p.mscale));
            v.zw = rotate_pair(v.zw, rope_rotation(pos, p.freq_scale, inv_freq[e0 / 2u + 1u], p.mscale));
        }
    }
    if (r0 < p.end0) {
        const uint o = p.y_off[0] + t * p.y_stride[0] + p.y_col0[0];
        for (uint u = 0u; u < 4u; ++u) y0[o + quad_row(j, u)] = v[u];
        return;
    }
    // Cache words: values (u0, u1) and (u2, u3) are adjacent in a K or V row of kv_dim values.
    const uint kv_dim = p.end1 > p.end0 ? p.end1 - p.end0 : p.n_rows - p.end1;  // K's rows, or V's alone
    const uint first = r0 < p.end1 ? p.end0 : p.end1;
    const uint row = (pos % p.cache_rows) * kv_dim, w0 = (row + r0 - first) / 2u, w1 = (row + quad_row(j, 2u) - first) / 2u;
    if (r0 < p.end1) {
        kc[w0] = pack_half2_rne(v.xy);
        kc[w1] = pack_half2_rne(v.zw);
    } else {
        vc[w0] = pack_half2_rne(v.xy);
        vc[w1] = pack_half2_rne(v.zw);
    }
}

// After the rows' sums are emitted; called by the whole workgroup (the modes are the same for all).
void epilogue_finish(uint nt) {
    if (!glu_on() && !rope_on()) return;
    barrier();
    if (glu_on()) glu_finish(nt);
    else rope_finish(nt);
}

#endif
