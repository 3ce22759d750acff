// Branch-light fp16 -> fp32 for the scalar kernels (util/half.h's version normalises
// subnormals in a loop). Exact for every input, NaN payloads included; never feeds a
// denormal float to the FPU, so it also holds under flush-to-zero / denormals-are-zero.
// Only for the baseline (scalar) files: SIMD files must not include inline helpers.
#pragma once
#include <cstdint>
#include <cstring>

namespace kinglet::quant {

#if defined(__aarch64__)
// ARMv8 converts in hardware (signalling NaNs come back quiet, as from F16C on x86).
inline float half_to_float(uint16_t h) {
    __fp16 f;
    std::memcpy(&f, &h, 2);
    return static_cast<float>(f);
}
#else
inline float half_to_float(uint16_t h) {
    uint32_t o = static_cast<uint32_t>(h & 0x7fff) << 13;  // exponent and mantissa in place
    const uint32_t exp = o & 0x0f800000u;
    o += (127 - 15) << 23;  // rebias the exponent
    float f;
    if (exp == 0x0f800000u) {  // Inf / NaN: exponent must become 255
        o += (128 - 16) << 23;
        std::memcpy(&f, &o, 4);
    } else if (exp == 0) {  // zero / subnormal: 2^-14 * (1 + m/1024) - 2^-14, exactly
        o += 1u << 23;
        std::memcpy(&f, &o, 4);
        f -= 6.103515625e-05f;  // 2^-14
    } else {
        std::memcpy(&f, &o, 4);
    }
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    bits |= static_cast<uint32_t>(h & 0x8000) << 16;
    std::memcpy(&f, &bits, 4);
    return f;
}
#endif

}  // namespace kinglet::quant
