// Rotary position embedding's angle, shared by rope_store_kv.comp (prompts) and matvec.glsl
// (decode, in the Q|K|V dispatch's epilogue). theta is formed in float exactly as on the
// CPU, and the range reduction keeps sin/cos accurate on GPUs whose built-ins lose precision
// for large arguments.
#ifndef KINGLET_ROPE_GLSL
#define KINGLET_ROPE_GLSL

// (cos, sin) * mscale of theta = pos * freq_scale * inv_freq.
// `precise`: the reduction only works evaluated as written. A driver free to reassociate
// (NVIDIA's does) folds the two parts of 2 pi back into one float, and the angle at position
// 1000 was then off by 6e-5 (found on an H200: rotated values off by 1.5e-4).
vec2 rope_rotation(uint pos, float freq_scale, float inv_freq, float mscale) {
    precise const float theta = float(pos) * freq_scale * inv_freq;
    const float k = floor(theta * 0.15915494309189535 + 0.5);
    precise const float red_theta = (theta - k * 6.28125) - k * 0.0019353071795864769;
    return vec2(cos(red_theta), sin(red_theta)) * mscale;
}

// The pair (x0, x1) rotated by cs = (cos, sin).
vec2 rotate_pair(vec2 x, vec2 cs) { return vec2(x.x * cs.x - x.y * cs.y, x.x * cs.y + x.y * cs.x); }

#endif
