// The token stream and the expression half of the Jinja parser; jinja_parser.cpp adds the
// statements on top. Internal to the interpreter.
#pragma once
#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "chat/jinja_ast.h"
#include "chat/jinja_lexer.h"
#include "chat/jinja_parser.h"

namespace kinglet::chat::jinja {

class ExprParser {
public:
    explicit ExprParser(std::vector<Token> toks) : t_(std::move(toks)) {}

protected:
    std::vector<Token> t_;
    size_t i_ = 0;
    int depth_ = 0;
    std::vector<MacroDef*> macros_;  // macros being parsed, innermost last

    struct DepthGuard {
        ExprParser& p;
        explicit DepthGuard(ExprParser& parser) : p(parser) {
            if (++p.depth_ > kMaxParseDepth) p.error("template nested too deeply");
        }
        ~DepthGuard() { --p.depth_; }
    };

    const Token& cur() const { return t_[i_]; }
    const Token& look(size_t n = 1) const { return t_[std::min(i_ + n, t_.size() - 1)]; }
    Pos pos() const { return {cur().line, cur().column}; }
    void next() {
        if (i_ + 1 < t_.size()) ++i_;
    }

    [[noreturn]] void error(const std::string& msg) const { error_at(msg, pos()); }
    [[noreturn]] static void error_at(const std::string& msg, Pos p) {
        Failure f(msg);
        f.line = p.line;
        f.column = p.column;
        throw f;
    }

    static std::string describe(const Token& t) {
        if (t.type == Tok::Name || t.type == Tok::Op) return t.text;
        return token_kind_name(t.type);
    }

    bool is_op(const char* op) const { return cur().type == Tok::Op && cur().text == op; }
    bool is_name(const char* n) const { return cur().type == Tok::Name && cur().text == n; }
    bool skip_op(const char* op) {
        if (!is_op(op)) return false;
        next();
        return true;
    }
    bool skip_name(const char* n) {
        if (!is_name(n)) return false;
        next();
        return true;
    }
    void expect_op(const char* op) {
        if (!skip_op(op)) error(std::string("expected token '") + op + "', got '" + describe(cur()) + "'");
    }
    std::string expect_name() {
        if (cur().type != Tok::Name) error("expected token 'name', got '" + describe(cur()) + "'");
        std::string n = cur().text;
        next();
        return n;
    }
    void expect(Tok type) {
        if (cur().type != type)
            error(std::string("expected token '") + token_kind_name(type) + "', got '" + describe(cur()) + "'");
        next();
    }

    template <class T>
    ExprPtr finish(std::unique_ptr<T> e, std::initializer_list<const Expr*> kids) {
        int d = 0;
        for (const Expr* k : kids)
            if (k) d = std::max(d, k->depth);
        e->depth = d + 1;
        if (e->depth > kMaxParseDepth * 2) error_at("expression nested too deeply", e->pos);
        return e;
    }
    int args_depth(const CallArgs& a) const {
        int d = 0;
        for (const auto& e : a.pos) d = std::max(d, e->depth);
        for (const auto& kv : a.kw) d = std::max(d, kv.second->depth);
        if (a.star) d = std::max(d, a.star->depth);
        if (a.star_star) d = std::max(d, a.star_star->depth);
        return d;
    }

    // Expressions (jinja_expr_parser.cpp), following Jinja2's grammar and precedence.
    bool tuple_end(std::initializer_list<const char*> extra) const;
    ExprPtr parse_tuple(bool with_condexpr, std::initializer_list<const char*> extra, bool explicit_parens = false);
    ExprPtr finish_seq(std::unique_ptr<SeqExpr> s);
    ExprPtr parse_expression(bool with_condexpr);
    ExprPtr binary(Pos p, BinOp op, ExprPtr l, ExprPtr r);
    ExprPtr parse_or();
    ExprPtr parse_and();
    ExprPtr parse_not();
    ExprPtr parse_compare();
    ExprPtr parse_math1();
    ExprPtr parse_concat();
    ExprPtr parse_math2();
    ExprPtr parse_pow();
    ExprPtr parse_unary(bool with_filter);
    ExprPtr parse_primary();
    void note_name(const std::string& n);
    ExprPtr parse_postfix(ExprPtr node);
    ExprPtr parse_subscribed();
    CallArgs parse_call_args();
    ExprPtr parse_call(ExprPtr callee);
    ExprPtr parse_filters(ExprPtr node, bool start_inline);
    ExprPtr parse_filter_expr(ExprPtr node);
    ExprPtr parse_test(ExprPtr node);
};

}  // namespace kinglet::chat::jinja
