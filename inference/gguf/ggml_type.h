// Tensor element types as numbered in the GGUF format, with their block layout.
// A "block" is the unit a quantized row is made of: block_size elements stored in
// type_size bytes. Plain types have block_size 1.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace kinglet {

enum class GgmlType : uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21,
    IQ2_S = 22, IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28,
    IQ1_M = 29, BF16 = 30, TQ1_0 = 34, TQ2_0 = 35,
};

struct TypeInfo {
    const char* name;
    int64_t block_size;  // elements per block
    size_t type_size;    // bytes per block
};

// Layout of a type the GGUF format defines, or nullopt for a number it does not.
std::optional<TypeInfo> type_info(uint32_t raw_type);
TypeInfo type_info(GgmlType type);
std::string type_name(GgmlType type);

// Bytes taken by a row of n elements (n must be a multiple of the block size).
size_t row_bytes(GgmlType type, int64_t n);

}  // namespace kinglet
