// Expression parsing, mirroring Jinja2's parser: `is` tests and filters bind tighter than
// arithmetic, `**` is left-associative, adjacent string literals concatenate.
// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/jinja_expr_parser.h"

namespace kinglet::chat::jinja {


bool ExprParser::tuple_end(std::initializer_list<const char*> extra) const {
    const Token& tk = cur();
    if (tk.type == Tok::VarEnd || tk.type == Tok::BlockEnd || (tk.type == Tok::Op && tk.text == ")")) return true;
    for (const char* e : extra)
        if (tk.type == Tok::Name && tk.text == e) return true;
    return false;
}

ExprPtr ExprParser::parse_tuple(bool with_condexpr, std::initializer_list<const char*> extra, bool explicit_parens) {
    const Pos p = pos();
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
        if (!items.empty()) expect_op(",");
        if (tuple_end(extra)) break;
        items.push_back(parse_expression(with_condexpr));
        if (is_op(",")) is_tuple = true;
        else break;
    }
    if (!is_tuple) {
        if (!items.empty()) return std::move(items[0]);
        if (!explicit_parens) error("Expected an expression, got '" + describe(cur()) + "'");
    }
    auto t = std::make_unique<SeqExpr>(ExprKind::Tuple, p);
    t->items = std::move(items);
    return finish_seq(std::move(t));
}

ExprPtr ExprParser::finish_seq(std::unique_ptr<SeqExpr> s) {
    int d = 0;
    for (const auto& e : s->items) d = std::max(d, e->depth);
    s->depth = d + 1;
    return s;
}

ExprPtr ExprParser::parse_expression(bool with_condexpr) {
    DepthGuard guard(*this);
    if (!with_condexpr) return parse_or();
    const Pos p = pos();
    ExprPtr expr1 = parse_or();
    while (skip_name("if")) {
        ExprPtr test = parse_or();
        ExprPtr expr3;
        if (skip_name("else")) expr3 = parse_expression(true);
        const Expr *a = expr1.get(), *b = test.get(), *c = expr3.get();
        expr1 = finish(std::make_unique<CondExpr>(p, std::move(test), std::move(expr1), std::move(expr3)), {a, b, c});
    }
    return expr1;
}

ExprPtr ExprParser::binary(Pos p, BinOp op, ExprPtr l, ExprPtr r) {
    const Expr *a = l.get(), *b = r.get();
    return finish(std::make_unique<BinaryExpr>(p, op, std::move(l), std::move(r)), {a, b});
}

ExprPtr ExprParser::parse_or() {
    ExprPtr left = parse_and();
    while (is_name("or")) {
        const Pos p = pos();
        next();
        left = binary(p, BinOp::Or, std::move(left), parse_and());
    }
    return left;
}

ExprPtr ExprParser::parse_and() {
    ExprPtr left = parse_not();
    while (is_name("and")) {
        const Pos p = pos();
        next();
        left = binary(p, BinOp::And, std::move(left), parse_not());
    }
    return left;
}

ExprPtr ExprParser::parse_not() {
    if (is_name("not")) {
        DepthGuard guard(*this);
        const Pos p = pos();
        next();
        ExprPtr inner = parse_not();
        const Expr* k = inner.get();
        return finish(std::make_unique<UnaryExpr>(ExprKind::Not, p, std::move(inner)), {k});
    }
    return parse_compare();
}

ExprPtr ExprParser::parse_compare() {
    const Pos p = pos();
    ExprPtr expr = parse_math1();
    std::vector<std::pair<CmpOp, ExprPtr>> ops;
    while (true) {
        static const std::pair<const char*, CmpOp> table[] = {{"==", CmpOp::Eq}, {"!=", CmpOp::Ne}, {"<", CmpOp::Lt},
                                                              {"<=", CmpOp::Le}, {">", CmpOp::Gt}, {">=", CmpOp::Ge}};
        bool found = false;
        for (const auto& [text, op] : table)
            if (is_op(text)) {
                next();
                ops.emplace_back(op, parse_math1());
                found = true;
                break;
            }
        if (found) continue;
        if (skip_name("in")) {
            ops.emplace_back(CmpOp::In, parse_math1());
        } else if (is_name("not") && look().type == Tok::Name && look().text == "in") {
            next();
            next();
            ops.emplace_back(CmpOp::NotIn, parse_math1());
        } else {
            break;
        }
    }
    if (ops.empty()) return expr;
    auto c = std::make_unique<CompareExpr>(p, std::move(expr));
    int d = c->first->depth;
    for (const auto& o : ops) d = std::max(d, o.second->depth);
    c->rest = std::move(ops);
    c->depth = d + 1;
    return c;
}

ExprPtr ExprParser::parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
        const Pos p = pos();
        const BinOp op = is_op("+") ? BinOp::Add : BinOp::Sub;
        next();
        left = binary(p, op, std::move(left), parse_concat());
    }
    return left;
}

ExprPtr ExprParser::parse_concat() {
    const Pos p = pos();
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto c = std::make_unique<ConcatExpr>(p);
    c->parts.push_back(std::move(first));
    while (skip_op("~")) c->parts.push_back(parse_math2());
    int d = 0;
    for (const auto& e : c->parts) d = std::max(d, e->depth);
    c->depth = d + 1;
    return c;
}

ExprPtr ExprParser::parse_math2() {
    ExprPtr left = parse_pow();
    while (true) {
        BinOp op;
        if (is_op("*")) op = BinOp::Mul;
        else if (is_op("/")) op = BinOp::Div;
        else if (is_op("//")) op = BinOp::FloorDiv;
        else if (is_op("%")) op = BinOp::Mod;
        else break;
        const Pos p = pos();
        next();
        left = binary(p, op, std::move(left), parse_pow());
    }
    return left;
}

ExprPtr ExprParser::parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
        const Pos p = pos();
        next();
        left = binary(p, BinOp::Pow, std::move(left), parse_unary(true));
    }
    return left;
}

ExprPtr ExprParser::parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    const Pos p = pos();
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
        const ExprKind k = is_op("-") ? ExprKind::Neg : ExprKind::Pos;
        next();
        ExprPtr inner = parse_unary(false);
        const Expr* kid = inner.get();
        node = finish(std::make_unique<UnaryExpr>(k, p, std::move(inner)), {kid});
    } else {
        node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
}

ExprPtr ExprParser::parse_primary() {
    const Token& tk = cur();
    const Pos p = pos();
    if (tk.type == Tok::Name) {
        const std::string& n = tk.text;
        ExprPtr e;
        if (n == "true" || n == "True") e = std::make_unique<LiteralExpr>(p, Value(true));
        else if (n == "false" || n == "False") e = std::make_unique<LiteralExpr>(p, Value(false));
        else if (n == "none" || n == "None") e = std::make_unique<LiteralExpr>(p, Value::none());
        else {
            note_name(n);
            e = std::make_unique<NameExpr>(p, n);
        }
        next();
        return e;
    }
    if (tk.type == Tok::String) {
        std::string s;
        while (cur().type == Tok::String) {
            s += cur().text;
            next();
        }
        return std::make_unique<LiteralExpr>(p, Value(std::move(s)));
    }
    if (tk.type == Tok::Int || tk.type == Tok::Float) {
        Value v = tk.type == Tok::Int ? Value(tk.ival) : Value(tk.fval);
        next();
        return std::make_unique<LiteralExpr>(p, std::move(v));
    }
    if (is_op("(")) {
        next();
        ExprPtr e = parse_tuple(true, {}, true);
        expect_op(")");
        return e;
    }
    if (is_op("[")) {
        next();
        auto l = std::make_unique<SeqExpr>(ExprKind::List, p);
        while (!is_op("]")) {
            if (!l->items.empty()) expect_op(",");
            if (is_op("]")) break;
            l->items.push_back(parse_expression(true));
        }
        expect_op("]");
        return finish_seq(std::move(l));
    }
    if (is_op("{")) {
        next();
        auto d = std::make_unique<DictExpr>(p);
        int depth = 0;
        while (!is_op("}")) {
            if (!d->items.empty()) expect_op(",");
            if (is_op("}")) break;
            ExprPtr k = parse_expression(true);
            expect_op(":");
            ExprPtr v = parse_expression(true);
            depth = std::max({depth, k->depth, v->depth});
            d->items.emplace_back(std::move(k), std::move(v));
        }
        expect_op("}");
        d->depth = depth + 1;
        return d;
    }
    error("unexpected '" + describe(tk) + "'");
}

void ExprParser::note_name(const std::string& n) {
    if (macros_.empty()) return;
    if (n == "varargs") macros_.back()->uses_varargs = true;
    else if (n == "kwargs") macros_.back()->uses_kwargs = true;
    else if (n == "caller") macros_.back()->uses_caller = true;
}

ExprPtr ExprParser::parse_postfix(ExprPtr node) {
    while (true) {
        const Pos p = pos();
        if (skip_op(".")) {
            const Expr* k = node.get();
            if (cur().type == Tok::Name) {
                node = finish(std::make_unique<GetAttrExpr>(p, std::move(node), cur().text), {k});
            } else if (cur().type == Tok::Int) {
                auto idx = std::make_unique<LiteralExpr>(pos(), Value(cur().ival));
                node = finish(std::make_unique<GetItemExpr>(p, std::move(node), std::move(idx)), {k});
            } else {
                error("expected name or number");
            }
            next();
        } else if (skip_op("[")) {
            std::vector<ExprPtr> args;
            while (!is_op("]")) {
                if (!args.empty()) expect_op(",");
                args.push_back(parse_subscribed());
            }
            expect_op("]");
            ExprPtr index;
            if (args.size() == 1) {
                index = std::move(args[0]);
            } else {
                auto t = std::make_unique<SeqExpr>(ExprKind::Tuple, p);
                t->items = std::move(args);
                index = finish_seq(std::move(t));
            }
            const Expr *a = node.get(), *b = index.get();
            node = finish(std::make_unique<GetItemExpr>(p, std::move(node), std::move(index)), {a, b});
        } else if (is_op("(")) {
            node = parse_call(std::move(node));
        } else {
            return node;
        }
    }
}

ExprPtr ExprParser::parse_subscribed() {
    const Pos p = pos();
    ExprPtr start;
    if (!skip_op(":")) {
        ExprPtr e = parse_expression(true);
        if (!skip_op(":")) return e;
        start = std::move(e);
    }
    auto s = std::make_unique<SliceExpr>(p);
    s->start = std::move(start);
    if (!is_op(":") && !is_op("]") && !is_op(",")) s->stop = parse_expression(true);
    if (skip_op(":") && !is_op("]") && !is_op(",")) s->step = parse_expression(true);
    const Expr *a = s->start.get(), *b = s->stop.get(), *c = s->step.get();
    return finish(std::move(s), {a, b, c});
}

CallArgs ExprParser::parse_call_args() {
    CallArgs args;
    expect_op("(");
    bool need_comma = false;
    while (!is_op(")")) {
        if (need_comma) {
            expect_op(",");
            if (is_op(")")) break;
        }
        if (skip_op("*")) {
            if (args.star || args.star_star) error("invalid syntax for function call expression");
            args.star = parse_expression(true);
        } else if (skip_op("**")) {
            if (args.star_star) error("invalid syntax for function call expression");
            args.star_star = parse_expression(true);
        } else if (cur().type == Tok::Name && look().type == Tok::Op && look().text == "=") {
            if (args.star_star) error("invalid syntax for function call expression");
            std::string key = cur().text;
            next();
            next();
            args.kw.emplace_back(std::move(key), parse_expression(true));
        } else {
            if (args.star || args.star_star || !args.kw.empty())
                error("invalid syntax for function call expression");
            args.pos.push_back(parse_expression(true));
        }
        need_comma = true;
    }
    expect_op(")");
    return args;
}

ExprPtr ExprParser::parse_call(ExprPtr callee) {
    const Pos p = pos();
    auto c = std::make_unique<CallExpr>(p, std::move(callee));
    c->args = parse_call_args();
    c->depth = std::max(c->callee->depth, args_depth(c->args)) + 1;
    if (c->depth > kMaxParseDepth * 2) error_at("expression nested too deeply", p);
    return c;
}

ExprPtr ExprParser::parse_filters(ExprPtr node, bool start_inline) {
    while (is_op("|") || start_inline) {
        if (!start_inline) next();
        start_inline = false;
        const Pos p = pos();
        std::string name = expect_name();
        while (skip_op(".")) name += cat(".", expect_name());
        auto f = std::make_unique<FilterExpr>(ExprKind::Filter, p, std::move(node), std::move(name));
        if (is_op("(")) f->args = parse_call_args();
        f->depth = std::max(f->input ? f->input->depth : 0, args_depth(f->args)) + 1;
        if (f->depth > kMaxParseDepth * 2) error_at("expression nested too deeply", p);
        node = std::move(f);
    }
    return node;
}

ExprPtr ExprParser::parse_filter_expr(ExprPtr node) {
    while (true) {
        if (is_op("|")) {
            node = parse_filters(std::move(node), false);
        } else if (is_name("is")) {
            node = parse_test(std::move(node));
        } else if (is_op("(")) {
            node = parse_call(std::move(node));
        } else {
            return node;
        }
    }
}

ExprPtr ExprParser::parse_test(ExprPtr node) {
    const Pos p = pos();
    next();  // is
    const bool negated = skip_name("not");
    std::string name = expect_name();
    while (skip_op(".")) name += cat(".", expect_name());
    auto t = std::make_unique<FilterExpr>(ExprKind::Test, p, std::move(node), std::move(name));
    const Token& tk = cur();
    if (is_op("(")) {
        t->args = parse_call_args();
    } else if ((tk.type == Tok::Name || tk.type == Tok::String || tk.type == Tok::Int || tk.type == Tok::Float ||
                is_op("(") || is_op("[") || is_op("{")) &&
               !(is_name("else") || is_name("or") || is_name("and"))) {
        if (is_name("is")) error("You cannot chain multiple tests with is");
        t->args.pos.push_back(parse_postfix(parse_primary()));
    }
    t->depth = std::max(t->input->depth, args_depth(t->args)) + 1;
    if (t->depth > kMaxParseDepth * 2) error_at("expression nested too deeply", p);
    if (!negated) return t;
    const Expr* k = t.get();
    return finish(std::make_unique<UnaryExpr>(ExprKind::Not, p, std::move(t)), {k});
}

}  // namespace kinglet::chat::jinja
