// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/jinja_parser.h"

#include <initializer_list>

#include "chat/jinja_expr_parser.h"

namespace kinglet::chat::jinja {

namespace {

class Parser : public ExprParser {
public:
    explicit Parser(std::vector<Token> toks) : ExprParser(std::move(toks)) {}

    std::unique_ptr<Template> run() {
        auto tmpl = std::make_unique<Template>();
        tmpl->body = parse_body({});
        return tmpl;
    }

private:
    int loop_depth_ = 0;

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

};

}  // namespace

std::unique_ptr<Template> parse_template(std::string_view source, const LexOptions& options) {
    Parser parser(tokenize(source, options));
    auto tmpl = parser.run();
    check_filters_and_tests(*tmpl);
    return tmpl;
}

}  // namespace kinglet::chat::jinja
