// Recursive-descent parser for Jinja templates, following Jinja2's grammar and operator
// precedence (including its quirks: `is` tests bind tighter than arithmetic, `**` is
// left-associative, adjacent string literals concatenate).
#pragma once
#include <memory>
#include <string_view>

#include "chat/jinja_ast.h"
#include "chat/jinja_lexer.h"

namespace kinglet::chat::jinja {

constexpr int kMaxParseDepth = 100;  // nesting of expressions and of statements

// Throws Failure with the line/column of the problem.
std::unique_ptr<Template> parse_template(std::string_view source, const LexOptions& options = {});

// Jinja rejects unknown filters and tests when it compiles a template, except inside `if`
// statements and inline if-expressions, where they only fail when used.
void check_filters_and_tests(const Template& tmpl);

// Implemented by jinja_filters.cpp; the parser rejects unknown names like Jinja does.
bool filter_exists(const std::string& name);
bool test_exists(const std::string& name);

}  // namespace kinglet::chat::jinja
