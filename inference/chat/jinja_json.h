// Conversions between nlohmann::ordered_json (insertion-ordered, like Python dicts) and
// interpreter values, and Python's json.dumps as transformers' `tojson` filter uses it.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "chat/jinja_value.h"

namespace kinglet::chat::jinja {

Value from_json(const nlohmann::ordered_json& j);

struct DumpOptions {
    std::string indent;  // used when pretty
    bool pretty = false;
    std::string item_sep = ", ";
    std::string key_sep = ": ";
    bool ensure_ascii = false;
    bool sort_keys = false;
};
std::string json_dumps(const Value& v, const DumpOptions& options);

// The `tojson` filter: tojson(ensure_ascii=False, indent=None, separators=None, sort_keys=False).
Value f_tojson(Context& ctx, const Value& v, const Args& args);

}  // namespace kinglet::chat::jinja
