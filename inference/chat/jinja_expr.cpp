// Expression evaluation for Context (statements are in jinja_eval.cpp).
// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/jinja_eval.h"

namespace kinglet::chat::jinja {

namespace {

Value eval_or_none(Context& ctx, const ExprPtr& e, const ScopePtr& scope) {
    return e ? ctx.eval(*e, scope) : Value::none();
}

}  // namespace

void Context::eval_args(const CallArgs& a, const ScopePtr& scope, Args& out) {
    for (const auto& e : a.pos) out.pos.push_back(eval(*e, scope));
    for (const auto& [key, e] : a.kw) out.kw.emplace_back(key, eval(*e, scope));
    if (a.star) {
        for (auto& v : iterate(eval(*a.star, scope))) out.pos.push_back(std::move(v));
    }
    if (a.star_star) {
        Value d = eval(*a.star_star, scope);
        if (!d.is_dict()) fail("argument after ** must be a mapping, not " + type_name(d));
        for (const auto& [k, v] : d.as_dict().items) {
            if (!k.is_string()) fail("keywords must be strings");
            out.kw.emplace_back(k.as_string(), v);
        }
    }
}

Value Context::eval_filter(const FilterExpr& f, Value input, const ScopePtr& scope) {
    const FilterFn fn = find_filter(f.name);
    if (!fn) fail("No filter named '" + f.name + "'.");
    Args args;
    eval_args(f.args, scope, args);
    return fn(*this, input, args);
}

bool Context::eval_test(const FilterExpr& t, const ScopePtr& scope) {
    Value input = eval(*t.input, scope);
    const TestFn fn = find_test(t.name);
    if (!fn) fail("No test named '" + t.name + "'.");
    Args args;
    eval_args(t.args, scope, args);
    return fn(*this, input, args);
}

bool Context::eval_compare(const CompareExpr& c, const ScopePtr& scope) {
    Value left = eval(*c.first, scope);
    for (const auto& [op, expr] : c.rest) {
        Value right = eval(*expr, scope);
        bool ok = false;
        switch (op) {
            case CmpOp::Eq: ok = equals(left, right); break;
            case CmpOp::Ne: ok = !equals(left, right); break;
            case CmpOp::Lt: ok = compare(left, right) < 0; break;
            case CmpOp::Le: ok = compare(left, right) <= 0; break;
            case CmpOp::Gt: ok = compare(left, right) > 0; break;
            case CmpOp::Ge: ok = compare(left, right) >= 0; break;
            case CmpOp::In: ok = contains(right, left); break;
            case CmpOp::NotIn: ok = !contains(right, left); break;
        }
        if (!ok) return false;
        left = std::move(right);
    }
    return true;
}

Value Context::eval(const Expr& e, const ScopePtr& scope) {
    tick();
    try {
        switch (e.kind) {
            case ExprKind::Literal: return static_cast<const LiteralExpr&>(e).value;
            case ExprKind::Name: {
                const auto& name = static_cast<const NameExpr&>(e).name;
                if (const Value* v = scope->find(name)) return *v;
                return Value::undefined("'" + name + "' is undefined");
            }
            case ExprKind::List:
            case ExprKind::Tuple: {
                const auto& items = static_cast<const SeqExpr&>(e).items;
                std::vector<Value> values;
                values.reserve(items.size());
                for (const auto& i : items) values.push_back(eval(*i, scope));
                return Value::list(std::move(values), e.kind == ExprKind::Tuple);
            }
            case ExprKind::Dict: {
                Value d = Value::dict();
                for (const auto& [k, v] : static_cast<const DictExpr&>(e).items) {
                    Value key = eval(*k, scope);
                    d.as_dict().set(key, eval(*v, scope));
                }
                return d;
            }
            case ExprKind::GetAttr: {
                const auto& g = static_cast<const GetAttrExpr&>(e);
                return get_attr(*this, eval(*g.object, scope), g.name);
            }
            case ExprKind::GetItem: {
                const auto& g = static_cast<const GetItemExpr&>(e);
                Value obj = eval(*g.object, scope);
                if (g.index->kind == ExprKind::Slice) {
                    const auto& s = static_cast<const SliceExpr&>(*g.index);
                    Value start = eval_or_none(*this, s.start, scope);
                    Value stop = eval_or_none(*this, s.stop, scope);
                    Value step = eval_or_none(*this, s.step, scope);
                    return slice_value(*this, obj, start, stop, step);
                }
                return get_item(*this, obj, eval(*g.index, scope));
            }
            case ExprKind::Slice: fail("slice outside of a subscript");
            case ExprKind::Call: {
                const auto& c = static_cast<const CallExpr&>(e);
                Value callee = eval(*c.callee, scope);
                Args args;
                eval_args(c.args, scope, args);
                return call(callee, args);
            }
            case ExprKind::Filter: {
                const auto& f = static_cast<const FilterExpr&>(e);
                return eval_filter(f, eval(*f.input, scope), scope);
            }
            case ExprKind::Test: return Value(eval_test(static_cast<const FilterExpr&>(e), scope));
            case ExprKind::Not: return Value(!eval(*static_cast<const UnaryExpr&>(e).operand, scope).truthy());
            case ExprKind::Neg: return unary_minus(eval(*static_cast<const UnaryExpr&>(e).operand, scope));
            case ExprKind::Pos: {
                Value v = eval(*static_cast<const UnaryExpr&>(e).operand, scope);
                require_defined(v);
                if (!v.is_number()) fail("bad operand type for unary +: '" + type_name(v) + "'");
                return v.is_bool() ? Value(v.to_int()) : v;
            }
            case ExprKind::Binary: {
                const auto& b = static_cast<const BinaryExpr&>(e);
                Value left = eval(*b.left, scope);
                if (b.op == BinOp::And) return left.truthy() ? eval(*b.right, scope) : left;
                if (b.op == BinOp::Or) return left.truthy() ? left : eval(*b.right, scope);
                return binary_op(*this, b.op, left, eval(*b.right, scope));
            }
            case ExprKind::Concat: {
                std::string s;
                for (const auto& p : static_cast<const ConcatExpr&>(e).parts) s += to_str(eval(*p, scope));
                check_size(s.size());
                return Value(std::move(s));
            }
            case ExprKind::Compare: return Value(eval_compare(static_cast<const CompareExpr&>(e), scope));
            case ExprKind::CondExpr: {
                const auto& c = static_cast<const CondExpr&>(e);
                if (eval(*c.test, scope).truthy()) return eval(*c.then, scope);
                if (c.otherwise) return eval(*c.otherwise, scope);
                return Value::undefined("the inline if-expression on line " + std::to_string(e.pos.line) +
                                        " evaluated to false and no else section was defined.");
            }
        }
    } catch (Failure& f) {
        if (f.line == 0) {
            f.line = e.pos.line;
            f.column = e.pos.column;
        }
        throw;
    }
    return Value();
}

}  // namespace kinglet::chat::jinja
