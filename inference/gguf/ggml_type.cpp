#include "gguf/ggml_type.h"

#include "util/error.h"

namespace kinglet {

std::optional<TypeInfo> type_info(uint32_t raw_type) {
    switch (static_cast<GgmlType>(raw_type)) {
        case GgmlType::F32: return TypeInfo{"F32", 1, 4};
        case GgmlType::F16: return TypeInfo{"F16", 1, 2};
        case GgmlType::BF16: return TypeInfo{"BF16", 1, 2};
        case GgmlType::F64: return TypeInfo{"F64", 1, 8};
        case GgmlType::I8: return TypeInfo{"I8", 1, 1};
        case GgmlType::I16: return TypeInfo{"I16", 1, 2};
        case GgmlType::I32: return TypeInfo{"I32", 1, 4};
        case GgmlType::I64: return TypeInfo{"I64", 1, 8};
        case GgmlType::Q4_0: return TypeInfo{"Q4_0", 32, 18};
        case GgmlType::Q4_1: return TypeInfo{"Q4_1", 32, 20};
        case GgmlType::Q5_0: return TypeInfo{"Q5_0", 32, 22};
        case GgmlType::Q5_1: return TypeInfo{"Q5_1", 32, 24};
        case GgmlType::Q8_0: return TypeInfo{"Q8_0", 32, 34};
        case GgmlType::Q8_1: return TypeInfo{"Q8_1", 32, 36};
        case GgmlType::Q2_K: return TypeInfo{"Q2_K", 256, 84};
        case GgmlType::Q3_K: return TypeInfo{"Q3_K", 256, 110};
        case GgmlType::Q4_K: return TypeInfo{"Q4_K", 256, 144};
        case GgmlType::Q5_K: return TypeInfo{"Q5_K", 256, 176};
        case GgmlType::Q6_K: return TypeInfo{"Q6_K", 256, 210};
        case GgmlType::Q8_K: return TypeInfo{"Q8_K", 256, 292};
        case GgmlType::IQ2_XXS: return TypeInfo{"IQ2_XXS", 256, 66};
        case GgmlType::IQ2_XS: return TypeInfo{"IQ2_XS", 256, 74};
        case GgmlType::IQ3_XXS: return TypeInfo{"IQ3_XXS", 256, 98};
        case GgmlType::IQ1_S: return TypeInfo{"IQ1_S", 256, 50};
        case GgmlType::IQ4_NL: return TypeInfo{"IQ4_NL", 32, 18};
        case GgmlType::IQ3_S: return TypeInfo{"IQ3_S", 256, 110};
        case GgmlType::IQ2_S: return TypeInfo{"IQ2_S", 256, 82};
        case GgmlType::IQ4_XS: return TypeInfo{"IQ4_XS", 256, 136};
        case GgmlType::IQ1_M: return TypeInfo{"IQ1_M", 256, 56};
        case GgmlType::TQ1_0: return TypeInfo{"TQ1_0", 256, 54};
        case GgmlType::TQ2_0: return TypeInfo{"TQ2_0", 256, 66};
    }
    return std::nullopt;
}

TypeInfo type_info(GgmlType type) {
    auto info = type_info(static_cast<uint32_t>(type));
    if (!info) throw Error("unknown tensor type " + std::to_string(static_cast<uint32_t>(type)));
    return *info;
}

std::string type_name(GgmlType type) {
    auto info = type_info(static_cast<uint32_t>(type));
    return info ? info->name : "type#" + std::to_string(static_cast<uint32_t>(type));
}

size_t row_bytes(GgmlType type, int64_t n) {
    TypeInfo info = type_info(type);
    return static_cast<size_t>(n / info.block_size) * info.type_size;
}

}  // namespace kinglet
