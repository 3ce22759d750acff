// F32 -> F16 rounded to nearest, ties to even, on every device. GLSL leaves the rounding of
// packHalf2x16 to the implementation, and NVIDIA's differs from lavapipe's and the CPU's
// (measured on an H200: F16 dot products off by up to 1e-2 relative, the F16 KV cache by
// 1.5e-5), so the KV cache and the F16-weight activations round here, bit by bit.
#ifndef KINGLET_HALF_GLSL
#define KINGLET_HALF_GLSL

uint half_bits_rne(float v) {
    const uint x = floatBitsToUint(v);
    const uint sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) return sign | (ax > 0x7f800000u ? 0x7e00u : 0x7c00u);  // NaN, inf
    if (ax >= 0x477ff000u) return sign | 0x7c00u;  // rounds past 65504: inf
    if (ax < 0x38800000u) {
        // Below F16's smallest normal (2^-14): a multiple of 2^-24. The scaling is exact and
        // roundEven rounds ties to even; 1024 units encode the smallest normal, as they should.
        return sign | uint(roundEven(uintBitsToFloat(ax) * 16777216.0));
    }
    uint h = (((ax >> 23) - 112u) << 10) | ((ax >> 13) & 0x3ffu);
    const uint rest = ax & 0x1fffu;  // the 13 bits dropped
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u) != 0u)) h += 1u;  // a carry moves the exponent
    return sign | h;
}

uint pack_half2_rne(vec2 v) { return half_bits_rne(v.x) | (half_bits_rne(v.y) << 16); }

// v rounded to the nearest F16 value (as a float).
float round_half(float v) { return unpackHalf2x16(half_bits_rne(v)).x; }
vec4 round_half(vec4 v) { return vec4(round_half(v.x), round_half(v.y), round_half(v.z), round_half(v.w)); }

#endif
