// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/jinja_parser.h"

namespace kinglet::chat::jinja {

namespace {

// Jinja rejects unknown filters and tests when it compiles the template, except inside
// `if` statements and inline if-expressions, where it waits until they are used.
class Validator {
public:
    void body(const Body& b, bool soft) {
        for (const auto& n : b) node(*n, soft);
    }

private:
    void args(const CallArgs& a, bool soft) {
        for (const auto& e : a.pos) expr(e.get(), soft);
        for (const auto& kv : a.kw) expr(kv.second.get(), soft);
        expr(a.star.get(), soft);
        expr(a.star_star.get(), soft);
    }

    void expr(const Expr* e, bool soft) {
        if (!e) return;
        switch (e->kind) {
            case ExprKind::Literal:
            case ExprKind::Name: return;
            case ExprKind::List:
            case ExprKind::Tuple:
                for (const auto& i : static_cast<const SeqExpr*>(e)->items) expr(i.get(), soft);
                return;
            case ExprKind::Dict:
                for (const auto& kv : static_cast<const DictExpr*>(e)->items) {
                    expr(kv.first.get(), soft);
                    expr(kv.second.get(), soft);
                }
                return;
            case ExprKind::GetAttr: return expr(static_cast<const GetAttrExpr*>(e)->object.get(), soft);
            case ExprKind::GetItem: {
                const auto* g = static_cast<const GetItemExpr*>(e);
                expr(g->object.get(), soft);
                return expr(g->index.get(), soft);
            }
            case ExprKind::Slice: {
                const auto* s = static_cast<const SliceExpr*>(e);
                expr(s->start.get(), soft);
                expr(s->stop.get(), soft);
                return expr(s->step.get(), soft);
            }
            case ExprKind::Call: {
                const auto* c = static_cast<const CallExpr*>(e);
                expr(c->callee.get(), soft);
                return args(c->args, soft);
            }
            case ExprKind::Filter:
            case ExprKind::Test: {
                const auto* f = static_cast<const FilterExpr*>(e);
                const bool is_filter = e->kind == ExprKind::Filter;
                if (!soft && !(is_filter ? filter_exists(f->name) : test_exists(f->name))) {
                    Failure err(std::string("No ") + (is_filter ? "filter" : "test") + " named '" + f->name + "'.");
                    err.line = e->pos.line;
                    err.column = e->pos.column;
                    throw err;
                }
                expr(f->input.get(), soft);
                return args(f->args, soft);
            }
            case ExprKind::Not:
            case ExprKind::Neg:
            case ExprKind::Pos: return expr(static_cast<const UnaryExpr*>(e)->operand.get(), soft);
            case ExprKind::Binary: {
                const auto* b = static_cast<const BinaryExpr*>(e);
                expr(b->left.get(), soft);
                return expr(b->right.get(), soft);
            }
            case ExprKind::Concat:
                for (const auto& p : static_cast<const ConcatExpr*>(e)->parts) expr(p.get(), soft);
                return;
            case ExprKind::Compare: {
                const auto* c = static_cast<const CompareExpr*>(e);
                expr(c->first.get(), soft);
                for (const auto& r : c->rest) expr(r.second.get(), soft);
                return;
            }
            case ExprKind::CondExpr: {
                const auto* c = static_cast<const CondExpr*>(e);
                expr(c->test.get(), true);
                expr(c->then.get(), true);
                return expr(c->otherwise.get(), true);
            }
        }
    }

    void node(const Node& n, bool soft) {
        switch (n.kind) {
            case NodeKind::Print: return expr(static_cast<const PrintNode&>(n).expr.get(), soft);
            case NodeKind::If: {
                const auto& i = static_cast<const IfNode&>(n);
                for (const auto& [test, b] : i.branches) {
                    expr(test.get(), true);
                    body(b, true);
                }
                return body(i.otherwise, true);
            }
            case NodeKind::For: {
                const auto& f = static_cast<const ForNode&>(n);
                expr(f.iter.get(), soft);
                expr(f.filter.get(), false);
                body(f.body, false);
                return body(f.otherwise, false);
            }
            case NodeKind::Set: return expr(static_cast<const SetNode&>(n).value.get(), soft);
            case NodeKind::SetBlock: {
                const auto& s = static_cast<const SetBlockNode&>(n);
                expr(s.filter.get(), soft);
                return body(s.body, false);
            }
            case NodeKind::Macro: {
                const auto& m = *static_cast<const MacroNode&>(n).def;
                for (const auto& p : m.params) expr(p.default_value.get(), false);
                return body(m.body, false);
            }
            case NodeKind::CallBlock: {
                const auto& c = static_cast<const CallBlockNode&>(n);
                expr(c.call.get(), soft);
                for (const auto& p : c.caller->params) expr(p.default_value.get(), false);
                return body(c.caller->body, false);
            }
            case NodeKind::FilterBlock: {
                const auto& f = static_cast<const FilterBlockNode&>(n);
                expr(f.filter.get(), soft);
                return body(f.body, false);
            }
            case NodeKind::With: {
                const auto& w = static_cast<const WithNode&>(n);
                for (const auto& a : w.assigns) expr(a.second.get(), soft);
                return body(w.body, false);
            }
            default: return;
        }
    }
};

}  // namespace

void check_filters_and_tests(const Template& tmpl) { Validator().body(tmpl.body, false); }

}  // namespace kinglet::chat::jinja
