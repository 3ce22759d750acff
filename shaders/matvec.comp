#version 450
// Decode matrix x vector, lanes summed in shared memory (any device): see matvec.glsl.
#define MATVEC_SUBGROUP 0
#extension GL_GOOGLE_include_directive : require
#include "matvec.glsl"
