#version 450
// Decode matrix x vector, lanes summed with subgroupAdd (devices with subgroup arithmetic in
// compute shaders): see matvec.glsl.
#define MATVEC_SUBGROUP 1
#extension GL_GOOGLE_include_directive : require
#include "matvec.glsl"
