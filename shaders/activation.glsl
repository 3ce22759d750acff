// The FFN's gated activations, act(gate) * up, as the CPU computes them: SiLU, and GELU in
// its tanh form. Used by eltwise.comp (prompts) and matvec.glsl (decode, in the gate|up
// dispatch's epilogue).
#ifndef KINGLET_ACTIVATION_GLSL
#define KINGLET_ACTIVATION_GLSL

const uint ACT_SILU = 1u, ACT_GELU = 2u;

// tanh via exp, clamped: GLSL tanh overflows to NaN for large |u| on some drivers.
float safe_tanh(float u) {
    const float e = exp(-2.0 * clamp(abs(u), 0.0, 20.0));
    return sign(u) * (1.0 - e) / (1.0 + e);
}

float gated(uint act, float gate, float up) {
    if (act == ACT_SILU) return gate / (1.0 + exp(-gate)) * up;
    const float u = 0.7978845608028654 * (gate + 0.044715 * gate * gate * gate);
    return 0.5 * gate * (1.0 + safe_tanh(u)) * up;
}

#endif
