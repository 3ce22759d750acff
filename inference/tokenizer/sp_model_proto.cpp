#include "tokenizer/sp_model_proto.h"

#include <cmath>
#include <cstring>

namespace kinglet::tok {

namespace {

// sentencepiece_model.proto field numbers.
enum : uint32_t {
    kModelPieces = 1, kModelTrainerSpec = 2, kModelNormalizerSpec = 3,
    kPiecePiece = 1, kPieceScore = 2, kPieceType = 3,
    kTrainerModelType = 3, kTrainerVocabSize = 4, kTrainerByteFallback = 35,
    kTrainerUnkId = 40, kTrainerBosId = 41, kTrainerEosId = 42, kTrainerPadId = 43,
    kNormName = 1, kNormAddDummyPrefix = 3, kNormRemoveExtraWhitespaces = 4, kNormEscapeWhitespaces = 5,
};
enum : uint32_t { kWireVarint = 0, kWireLen = 2, kWireFixed32 = 5 };
enum : uint64_t { kTypeNormal = 1, kTypeUnknown = 2, kModelTypeBpe = 2 };

void put_varint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void put_tag(std::string& out, uint32_t field, uint32_t wire) { put_varint(out, (uint64_t{field} << 3) | wire); }

void put_uint(std::string& out, uint32_t field, uint64_t v) {
    put_tag(out, field, kWireVarint);
    put_varint(out, v);
}

// int32 fields are sign-extended to 64 bits on the wire.
void put_int32(std::string& out, uint32_t field, int32_t v) {
    put_uint(out, field, static_cast<uint64_t>(static_cast<int64_t>(v)));
}

void put_bytes(std::string& out, uint32_t field, std::string_view b) {
    put_tag(out, field, kWireLen);
    put_varint(out, b.size());
    out.append(b);
}

void put_float(std::string& out, uint32_t field, float f) {
    put_tag(out, field, kWireFixed32);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}

void put_piece(std::string& out, std::string& scratch, std::string_view text, float score, uint64_t type) {
    scratch.clear();
    put_bytes(scratch, kPiecePiece, text);
    // A NaN score would break the ordering sentencepiece's merge queue relies on.
    put_float(scratch, kPieceScore, std::isnan(score) ? -1e30f : score);
    put_uint(scratch, kPieceType, type);
    put_bytes(out, kModelPieces, scratch);
}

}  // namespace

std::string build_sp_model_proto(const Vocab& vocab, int unk_piece) {
    std::string out, scratch;
    out.reserve(vocab.text.size() * 24);
    const int n = vocab.size();
    for (int i = 0; i < n; ++i) {
        if (vocab.duplicates > 0 && vocab.find(vocab.text[i]) != i) {
            // sentencepiece refuses a repeated piece. The repeat gets a name no text can
            // match (invalid UTF-8), so ids stay aligned and encoding yields the first id.
            put_piece(out, scratch, "\xFF\xFEkinglet-repeat-" + std::to_string(i), vocab.score[i], kTypeNormal);
            continue;
        }
        put_piece(out, scratch, vocab.text[i], vocab.score[i], i == unk_piece ? kTypeUnknown : kTypeNormal);
    }
    if (unk_piece == n) {
        // Invalid UTF-8, so no input text (split at invalid bytes beforehand) can equal it.
        put_piece(out, scratch, "\xFF\xFEkinglet-unk", 0.0f, kTypeUnknown);
    }

    std::string trainer;
    put_uint(trainer, kTrainerModelType, kModelTypeBpe);
    put_int32(trainer, kTrainerVocabSize, unk_piece == n ? n + 1 : n);
    put_uint(trainer, kTrainerByteFallback, 0);
    put_int32(trainer, kTrainerUnkId, unk_piece);
    put_int32(trainer, kTrainerBosId, -1);
    put_int32(trainer, kTrainerEosId, -1);
    put_int32(trainer, kTrainerPadId, -1);
    put_bytes(out, kModelTrainerSpec, trainer);

    std::string norm;
    put_bytes(norm, kNormName, "identity");
    put_uint(norm, kNormAddDummyPrefix, 0);
    put_uint(norm, kNormRemoveExtraWhitespaces, 0);
    put_uint(norm, kNormEscapeWhitespaces, 0);
    put_bytes(out, kModelNormalizerSpec, norm);
    return out;
}

}  // namespace kinglet::tok
