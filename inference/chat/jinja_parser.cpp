// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/jinja_parser.h"

#include <algorithm>
#include <initializer_list>

namespace kinglet::chat::jinja {

namespace {

class Parser {
public:
    explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

    std::unique_ptr<Template> run() {
        auto tmpl = std::make_unique<Template>();
        tmpl->body = parse_body({});
        return tmpl;
    }

private:
    std::vector<Token> t_;
    size_t i_ = 0;
    int depth_ = 0;
    int loop_depth_ = 0;
    std::vector<MacroDef*> macros_;  // macros being parsed, innermost last

    struct DepthGuard {
        Parser& p;
        explicit DepthGuard(Parser& parser) : p(parser) {
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

    // ---- statements ----------------------------------------------------------------

    // Parses until `{% <one of ends> ...`; leaves the end name as the current token.
    Body parse_body(std::initializer_list<const char*> ends) {
        DepthGuard guard(*this);
        Body body;
        while (true) {
            const Token& tk = cur();
            if (tk.type == Tok::End) {
                if (ends.size() == 0) return body;
                std::string want;
                for (const char* e : ends) want += (want.empty() ? "'" : ", '") + std::string(e) + "'";
                error("unexpected end of template; looking for " + want);
            }
            if (tk.type == Tok::Text) {
                body.push_back(std::make_unique<TextNode>(pos(), tk.text));
                next();
            } else if (tk.type == Tok::VarBegin) {
                const Pos p = pos();
                next();
                ExprPtr e = parse_tuple(true, {});
                expect(Tok::VarEnd);
                body.push_back(std::make_unique<PrintNode>(p, std::move(e)));
            } else if (tk.type == Tok::BlockBegin) {
                next();
                if (cur().type == Tok::Name)
                    for (const char* e : ends)
                        if (cur().text == e) return body;
                parse_statement(body);
            } else {
                error("unexpected '" + describe(tk) + "'");
            }
        }
    }

    // Consumes `end` (the current name) and the closing `%}`.
    void end_tag() {
        next();
        expect(Tok::BlockEnd);
    }

    void parse_statement(Body& out) {
        const Pos p = pos();
        if (cur().type != Tok::Name) error("tag name expected");
        const std::string kw = cur().text;
        next();
        if (kw == "if") return out.push_back(parse_if(p));
        if (kw == "for") return out.push_back(parse_for(p));
        if (kw == "set") return out.push_back(parse_set(p));
        if (kw == "macro") return out.push_back(parse_macro(p));
        if (kw == "call") return out.push_back(parse_call_block(p));
        if (kw == "filter") return out.push_back(parse_filter_block(p));
        if (kw == "with") return out.push_back(parse_with(p));
        if (kw == "print") {
            ExprPtr e = parse_tuple(true, {});
            expect(Tok::BlockEnd);
            return out.push_back(std::make_unique<PrintNode>(p, std::move(e)));
        }
        if (kw == "break" || kw == "continue") {
            if (loop_depth_ == 0) error_at("'" + kw + "' outside loop", p);
            expect(Tok::BlockEnd);
            return out.push_back(std::make_unique<Node>(kw == "break" ? NodeKind::Break : NodeKind::Continue, p));
        }
        if (kw == "generation") {  // transformers' assistant-mask marker: renders its body as is
            expect(Tok::BlockEnd);
            Body inner = parse_body({"endgeneration"});
            end_tag();
            for (auto& n : inner) out.push_back(std::move(n));
            return;
        }
        error_at("Encountered unknown tag '" + kw + "'", p);
    }

    NodePtr parse_if(Pos p) {
        auto node = std::make_unique<IfNode>(p);
        ExprPtr test = parse_tuple(false, {});
        expect(Tok::BlockEnd);
        while (true) {
            Body body = parse_body({"elif", "else", "endif"});
            node->branches.emplace_back(std::move(test), std::move(body));
            if (skip_name("elif")) {
                test = parse_tuple(false, {});
                expect(Tok::BlockEnd);
                continue;
            }
            if (skip_name("else")) {
                expect(Tok::BlockEnd);
                node->otherwise = parse_body({"endif"});
            }
            end_tag();
            return node;
        }
    }

    Target parse_target(bool with_namespace, const char* extra_end) {
        Target t;
        if (with_namespace && cur().type == Tok::Name && look().type == Tok::Op && look().text == ".") {
            t.names.push_back(expect_name());
            next();
            t.attr = expect_name();
            return t;
        }
        const bool paren = skip_op("(");
        while (true) {
            t.names.push_back(expect_name());
            if (!is_op(",")) break;
            next();
            t.unpack = true;
            if ((paren && is_op(")")) || (extra_end && is_name(extra_end)) || is_op("=") ||
                cur().type == Tok::BlockEnd)
                break;
        }
        if (paren) {
            expect_op(")");
            t.unpack = t.unpack || t.names.size() > 1;
        }
        return t;
    }

    NodePtr parse_for(Pos p) {
        auto node = std::make_unique<ForNode>(p);
        node->target = parse_target(false, "in");
        if (!skip_name("in")) error("expected 'in' in for loop");
        node->iter = parse_tuple(false, {"recursive"});
        if (skip_name("if")) node->filter = parse_expression(true);
        if (is_name("recursive")) error("recursive loops are not supported");
        expect(Tok::BlockEnd);
        ++loop_depth_;
        node->body = parse_body({"endfor", "else"});
        --loop_depth_;
        if (skip_name("else")) {
            expect(Tok::BlockEnd);
            node->otherwise = parse_body({"endfor"});
        }
        end_tag();
        return node;
    }

    NodePtr parse_set(Pos p) {
        Target target = parse_target(true, nullptr);
        if (skip_op("=")) {
            auto node = std::make_unique<SetNode>(p);
            node->target = std::move(target);
            node->value = parse_tuple(true, {});
            expect(Tok::BlockEnd);
            return node;
        }
        auto node = std::make_unique<SetBlockNode>(p);
        node->target = std::move(target);
        if (is_op("|")) node->filter = parse_filters(nullptr, false);
        expect(Tok::BlockEnd);
        node->body = parse_body({"endset"});
        end_tag();
        return node;
    }

    void parse_signature(MacroDef& def) {
        expect_op("(");
        bool any_default = false;
        while (!is_op(")")) {
            if (!def.params.empty()) expect_op(",");
            MacroParam param;
            param.name = expect_name();
            if (skip_op("=")) {
                param.default_value = parse_expression(true);
                any_default = true;
            } else if (any_default) {
                error("non-default argument follows default argument");
            }
            def.params.push_back(std::move(param));
        }
        expect_op(")");
    }

    Body parse_function_body(MacroDef& def, const char* end) {
        const int saved_loops = loop_depth_;
        loop_depth_ = 0;
        macros_.push_back(&def);
        Body body = parse_body({end});
        macros_.pop_back();
        loop_depth_ = saved_loops;
        end_tag();
        return body;
    }

    NodePtr parse_macro(Pos p) {
        auto node = std::make_unique<MacroNode>(p);
        node->def = std::make_shared<MacroDef>();
        node->def->name = expect_name();
        parse_signature(*node->def);
        expect(Tok::BlockEnd);
        node->def->body = parse_function_body(*node->def, "endmacro");
        return node;
    }

    NodePtr parse_call_block(Pos p) {
        auto node = std::make_unique<CallBlockNode>(p);
        node->caller = std::make_shared<MacroDef>();
        node->caller->name = "caller";
        if (is_op("(")) parse_signature(*node->caller);
        node->call = parse_expression(true);
        if (node->call->kind != ExprKind::Call) error_at("expected call", p);
        expect(Tok::BlockEnd);
        node->caller->body = parse_function_body(*node->caller, "endcall");
        return node;
    }

    NodePtr parse_filter_block(Pos p) {
        auto node = std::make_unique<FilterBlockNode>(p);
        node->filter = parse_filters(nullptr, true);
        expect(Tok::BlockEnd);
        node->body = parse_body({"endfilter"});
        end_tag();
        return node;
    }

    NodePtr parse_with(Pos p) {
        auto node = std::make_unique<WithNode>(p);
        while (cur().type != Tok::BlockEnd) {
            if (!node->assigns.empty()) expect_op(",");
            Target t = parse_target(false, nullptr);
            expect_op("=");
            node->assigns.emplace_back(std::move(t), parse_expression(true));
        }
        expect(Tok::BlockEnd);
        node->body = parse_body({"endwith"});
        end_tag();
        return node;
    }

    // ---- expressions ---------------------------------------------------------------

    bool tuple_end(std::initializer_list<const char*> extra) const {
        const Token& tk = cur();
        if (tk.type == Tok::VarEnd || tk.type == Tok::BlockEnd || (tk.type == Tok::Op && tk.text == ")")) return true;
        for (const char* e : extra)
            if (tk.type == Tok::Name && tk.text == e) return true;
        return false;
    }

    ExprPtr parse_tuple(bool with_condexpr, std::initializer_list<const char*> extra, bool explicit_parens = false) {
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

    ExprPtr finish_seq(std::unique_ptr<SeqExpr> s) {
        int d = 0;
        for (const auto& e : s->items) d = std::max(d, e->depth);
        s->depth = d + 1;
        return s;
    }

    ExprPtr parse_expression(bool with_condexpr) {
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

    ExprPtr binary(Pos p, BinOp op, ExprPtr l, ExprPtr r) {
        const Expr *a = l.get(), *b = r.get();
        return finish(std::make_unique<BinaryExpr>(p, op, std::move(l), std::move(r)), {a, b});
    }

    ExprPtr parse_or() {
        ExprPtr left = parse_and();
        while (is_name("or")) {
            const Pos p = pos();
            next();
            left = binary(p, BinOp::Or, std::move(left), parse_and());
        }
        return left;
    }

    ExprPtr parse_and() {
        ExprPtr left = parse_not();
        while (is_name("and")) {
            const Pos p = pos();
            next();
            left = binary(p, BinOp::And, std::move(left), parse_not());
        }
        return left;
    }

    ExprPtr parse_not() {
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

    ExprPtr parse_compare() {
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

    ExprPtr parse_math1() {
        ExprPtr left = parse_concat();
        while (is_op("+") || is_op("-")) {
            const Pos p = pos();
            const BinOp op = is_op("+") ? BinOp::Add : BinOp::Sub;
            next();
            left = binary(p, op, std::move(left), parse_concat());
        }
        return left;
    }

    ExprPtr parse_concat() {
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

    ExprPtr parse_math2() {
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

    ExprPtr parse_pow() {
        ExprPtr left = parse_unary(true);
        while (is_op("**")) {
            const Pos p = pos();
            next();
            left = binary(p, BinOp::Pow, std::move(left), parse_unary(true));
        }
        return left;
    }

    ExprPtr parse_unary(bool with_filter) {
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

    ExprPtr parse_primary() {
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

    void note_name(const std::string& n) {
        if (macros_.empty()) return;
        if (n == "varargs") macros_.back()->uses_varargs = true;
        else if (n == "kwargs") macros_.back()->uses_kwargs = true;
        else if (n == "caller") macros_.back()->uses_caller = true;
    }

    ExprPtr parse_postfix(ExprPtr node) {
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

    ExprPtr parse_subscribed() {
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

    CallArgs parse_call_args() {
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

    ExprPtr parse_call(ExprPtr callee) {
        const Pos p = pos();
        auto c = std::make_unique<CallExpr>(p, std::move(callee));
        c->args = parse_call_args();
        c->depth = std::max(c->callee->depth, args_depth(c->args)) + 1;
        if (c->depth > kMaxParseDepth * 2) error_at("expression nested too deeply", p);
        return c;
    }

    ExprPtr parse_filters(ExprPtr node, bool start_inline) {
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

    ExprPtr parse_filter_expr(ExprPtr node) {
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

    ExprPtr parse_test(ExprPtr node) {
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
};

}  // namespace

std::unique_ptr<Template> parse_template(std::string_view source, const LexOptions& options) {
    Parser parser(tokenize(source, options));
    auto tmpl = parser.run();
    check_filters_and_tests(*tmpl);
    return tmpl;
}

}  // namespace kinglet::chat::jinja
