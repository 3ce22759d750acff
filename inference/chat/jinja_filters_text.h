// Text-formatting filters kept apart from jinja_filters.cpp for size: striptags and
// wordwrap, with the behaviour of Jinja2 3.1 (MarkupSafe's striptags, Python's textwrap).
#pragma once
#include "chat/jinja_eval.h"

namespace kinglet::chat::jinja {

Value f_striptags(Context& ctx, const Value& v, const Args& args);
Value f_wordwrap(Context& ctx, const Value& v, const Args& args);

}  // namespace kinglet::chat::jinja
