// Builds a serialized sentencepiece.ModelProto from a GGUF vocabulary, writing the
// protobuf wire format by hand (the library's generated headers are not installed).
#pragma once
#include <string>

#include "tokenizer/vocab.h"

namespace kinglet::tok {

// A BPE model whose merges behave like llama.cpp's SentencePiece tokenizer:
//  - every piece is NORMAL except one UNKNOWN, because llama.cpp merges into any token
//    text, control and byte tokens included;
//  - byte_fallback is off: unknown pieces come back as text and the caller falls back
//    to <0xNN> tokens the way llama.cpp does;
//  - the normalizer does nothing (no NFKC, no dummy prefix, no whitespace handling):
//    the caller adds the leading space and turns spaces into U+2581 itself.
// unk_piece is the id given the UNKNOWN type; when it is n_tokens a synthetic piece is
// appended for it (sentencepiece insists on one).
std::string build_sp_model_proto(const Vocab& vocab, int unk_piece);

}  // namespace kinglet::tok
