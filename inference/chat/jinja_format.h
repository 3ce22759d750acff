// Python's str.format(), format(value, spec) and datetime.strftime for the interpreter.
#pragma once
#include <ctime>
#include <string>

#include "chat/jinja_value.h"

namespace kinglet::chat::jinja {

std::string format_value(const Value& v, const std::string& spec);
std::string str_format(Context& ctx, const std::string& fmt, const Args& args);
std::string strftime_py(const std::string& fmt, const std::tm& tm);

}  // namespace kinglet::chat::jinja
