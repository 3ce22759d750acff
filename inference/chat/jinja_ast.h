// Syntax tree of a parsed Jinja template. Nodes are passive data; jinja_eval runs them.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/jinja_value.h"

namespace kinglet::chat::jinja {

struct Pos {
    int line = 0;
    int column = 0;
};

// ---- expressions -------------------------------------------------------------------

enum class ExprKind {
    Literal, Name, List, Tuple, Dict, GetAttr, GetItem, Slice, Call, Filter, Test,
    Not, Neg, Pos, Binary, Concat, Compare, CondExpr
};

enum class BinOp { And, Or, Add, Sub, Mul, Div, FloorDiv, Mod, Pow };
enum class CmpOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct CallArgs {
    std::vector<ExprPtr> pos;
    std::vector<std::pair<std::string, ExprPtr>> kw;
    ExprPtr star, star_star;  // *args, **kwargs (may be null)
};

struct Expr {
    ExprKind kind;
    Pos pos;
    int depth = 1;  // height of this subtree, bounded by the parser
    explicit Expr(ExprKind k, Pos p) : kind(k), pos(p) {}
    virtual ~Expr() = default;
};

struct LiteralExpr : Expr {
    Value value;
    LiteralExpr(Pos p, Value v) : Expr(ExprKind::Literal, p), value(std::move(v)) {}
};

struct NameExpr : Expr {
    std::string name;
    NameExpr(Pos p, std::string n) : Expr(ExprKind::Name, p), name(std::move(n)) {}
};

struct SeqExpr : Expr {  // List and Tuple literals
    std::vector<ExprPtr> items;
    SeqExpr(ExprKind k, Pos p) : Expr(k, p) {}
};

struct DictExpr : Expr {
    std::vector<std::pair<ExprPtr, ExprPtr>> items;
    explicit DictExpr(Pos p) : Expr(ExprKind::Dict, p) {}
};

struct GetAttrExpr : Expr {
    ExprPtr object;
    std::string name;
    GetAttrExpr(Pos p, ExprPtr o, std::string n) : Expr(ExprKind::GetAttr, p), object(std::move(o)), name(std::move(n)) {}
};

struct GetItemExpr : Expr {  // index may be a SliceExpr
    ExprPtr object, index;
    GetItemExpr(Pos p, ExprPtr o, ExprPtr i) : Expr(ExprKind::GetItem, p), object(std::move(o)), index(std::move(i)) {}
};

struct SliceExpr : Expr {
    ExprPtr start, stop, step;  // each may be null
    explicit SliceExpr(Pos p) : Expr(ExprKind::Slice, p) {}
};

struct CallExpr : Expr {
    ExprPtr callee;
    CallArgs args;
    CallExpr(Pos p, ExprPtr c) : Expr(ExprKind::Call, p), callee(std::move(c)) {}
};

struct FilterExpr : Expr {  // Filter and Test; input is null inside {% filter %} blocks
    ExprPtr input;
    std::string name;
    CallArgs args;
    FilterExpr(ExprKind k, Pos p, ExprPtr in, std::string n) : Expr(k, p), input(std::move(in)), name(std::move(n)) {}
};

struct UnaryExpr : Expr {  // Not, Neg, Pos
    ExprPtr operand;
    UnaryExpr(ExprKind k, Pos p, ExprPtr o) : Expr(k, p), operand(std::move(o)) {}
};

struct BinaryExpr : Expr {
    BinOp op;
    ExprPtr left, right;
    BinaryExpr(Pos p, BinOp o, ExprPtr l, ExprPtr r)
        : Expr(ExprKind::Binary, p), op(o), left(std::move(l)), right(std::move(r)) {}
};

struct ConcatExpr : Expr {
    std::vector<ExprPtr> parts;
    explicit ConcatExpr(Pos p) : Expr(ExprKind::Concat, p) {}
};

struct CompareExpr : Expr {
    ExprPtr first;
    std::vector<std::pair<CmpOp, ExprPtr>> rest;
    CompareExpr(Pos p, ExprPtr f) : Expr(ExprKind::Compare, p), first(std::move(f)) {}
};

struct CondExpr : Expr {
    ExprPtr test, then, otherwise;  // otherwise may be null (-> undefined)
    CondExpr(Pos p, ExprPtr t, ExprPtr a, ExprPtr b)
        : Expr(ExprKind::CondExpr, p), test(std::move(t)), then(std::move(a)), otherwise(std::move(b)) {}
};

// ---- statements --------------------------------------------------------------------

enum class NodeKind { Text, Print, If, For, Set, SetBlock, Macro, CallBlock, FilterBlock, With, Break, Continue };

struct Node;
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

struct Node {
    NodeKind kind;
    Pos pos;
    Node(NodeKind k, Pos p) : kind(k), pos(p) {}
    virtual ~Node() = default;
};

struct TextNode : Node {
    std::string text;
    TextNode(Pos p, std::string t) : Node(NodeKind::Text, p), text(std::move(t)) {}
};

struct PrintNode : Node {
    ExprPtr expr;
    PrintNode(Pos p, ExprPtr e) : Node(NodeKind::Print, p), expr(std::move(e)) {}
};

struct IfNode : Node {
    std::vector<std::pair<ExprPtr, Body>> branches;  // if + elifs
    Body otherwise;
    explicit IfNode(Pos p) : Node(NodeKind::If, p) {}
};

// Assignment target: a name, `ns.attr`, or a tuple of names.
struct Target {
    std::vector<std::string> names;  // one name, or several for unpacking
    std::string attr;                // non-empty for `ns.attr`
    bool unpack = false;
};

struct ForNode : Node {
    Target target;
    ExprPtr iter, filter;
    Body body, otherwise;
    explicit ForNode(Pos p) : Node(NodeKind::For, p) {}
};

struct SetNode : Node {
    Target target;
    ExprPtr value;
    explicit SetNode(Pos p) : Node(NodeKind::Set, p) {}
};

struct SetBlockNode : Node {
    Target target;
    ExprPtr filter;  // FilterExpr chain with a null innermost input, or null
    Body body;
    explicit SetBlockNode(Pos p) : Node(NodeKind::SetBlock, p) {}
};

struct MacroParam {
    std::string name;
    ExprPtr default_value;  // may be null
};

struct MacroDef {
    std::string name;
    std::vector<MacroParam> params;
    Body body;
    bool uses_varargs = false;
    bool uses_kwargs = false;
    bool uses_caller = false;
};

struct MacroNode : Node {
    std::shared_ptr<MacroDef> def;  // shared with the macro values made from it
    explicit MacroNode(Pos p) : Node(NodeKind::Macro, p) {}
};

struct CallBlockNode : Node {
    ExprPtr call;                     // a CallExpr
    std::shared_ptr<MacroDef> caller;  // body and parameters of `caller()`
    explicit CallBlockNode(Pos p) : Node(NodeKind::CallBlock, p) {}
};

struct FilterBlockNode : Node {
    ExprPtr filter;  // FilterExpr chain with a null innermost input
    Body body;
    explicit FilterBlockNode(Pos p) : Node(NodeKind::FilterBlock, p) {}
};

struct WithNode : Node {
    std::vector<std::pair<Target, ExprPtr>> assigns;
    Body body;
    explicit WithNode(Pos p) : Node(NodeKind::With, p) {}
};

struct Template {
    Body body;
};

}  // namespace kinglet::chat::jinja
