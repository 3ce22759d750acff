// Runs a parsed template: scopes with Jinja's rules (each loop iteration and macro call
// gets its own; `if` does not), macros, loops with `loop.*`, and the limits that keep a
// hostile template from exhausting time or memory.
#pragma once
#include <chrono>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/jinja_ast.h"
#include "chat/jinja_value.h"

namespace kinglet::chat::jinja {

struct Limits {
    size_t max_output_bytes = 10u << 20;   // rendered text
    size_t max_value_bytes = 10u << 20;    // any one string (or list length)
    uint64_t max_iterations = 1'000'000;   // loop iterations, all loops together
    int max_call_depth = 100;              // nested macro calls
    uint64_t max_steps = 20'000'000;       // evaluated nodes
    std::chrono::milliseconds max_time{5000};
};

struct Scope {
    std::shared_ptr<Scope> parent;
    std::unordered_map<std::string, Value> vars;
    explicit Scope(std::shared_ptr<Scope> p = nullptr) : parent(std::move(p)) {}
    const Value* find(const std::string& name) const;
};
using ScopePtr = std::shared_ptr<Scope>;

class Context {
public:
    Context(const Limits& limits, const std::tm& now);
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    // Renders `tmpl` with `globals` as the outermost scope; appends to `out`.
    void render(const Template& tmpl, const ScopePtr& globals, std::string& out);

    Value call(const Value& callee, Args& args);
    void tick() {
        if (++steps_ > limits_.max_steps || (steps_ & 0xFFF) == 0) check_budget();
    }
    void check_size(size_t bytes) const;
    void count_iteration();
    Value make_namespace();  // tracked so reference cycles are broken when rendering ends
    const std::tm& now() const { return now_; }
    const Limits& limits() const { return limits_; }

    // Used by the macro callable.
    std::string run_macro(const MacroDef& def, const ScopePtr& closure, Args& args, const Value& caller);

private:
    enum class Flow { Normal, Break, Continue };

    Flow exec(const Body& body, const ScopePtr& scope, std::string& out);
    Flow exec_node(const Node& node, const ScopePtr& scope, std::string& out);
    Flow exec_for(const ForNode& node, const ScopePtr& scope, std::string& out);
    void assign(const Target& target, Value value, const ScopePtr& scope);
    std::string capture(const Body& body, const ScopePtr& scope);
    Value apply_filter_chain(const Expr* chain, Value input, const ScopePtr& scope);
    void append(std::string& out, const std::string& text) const;
    void check_budget();

public:
    Value eval(const Expr& e, const ScopePtr& scope);
    void eval_args(const CallArgs& a, const ScopePtr& scope, Args& out);

private:
    Value eval_filter(const FilterExpr& f, Value input, const ScopePtr& scope);
    bool eval_test(const FilterExpr& t, const ScopePtr& scope);
    bool eval_compare(const CompareExpr& c, const ScopePtr& scope);

    Limits limits_;
    std::tm now_;
    ScopePtr globals_;
    mutable uint64_t produced_ = 0;
    uint64_t steps_ = 0;
    uint64_t iterations_ = 0;
    int depth_ = 0;
    std::chrono::steady_clock::time_point deadline_;
    std::vector<std::weak_ptr<NamespaceData>> namespaces_;
};

// A user-defined macro (or the `caller` of a call block) as a callable value.
struct Macro : Callable {
    std::shared_ptr<const MacroDef> def;
    std::weak_ptr<Scope> closure;  // weak: scopes hold macros, macros must not hold scopes
    Value caller;                  // for call blocks: the `caller` macro passed along
    Value call(Context& ctx, Args& args) override;
    std::string repr() const override { return "<Macro '" + def->name + "'>"; }
};

// A built-in function or bound method.
struct Native : Callable {
    std::string name;
    std::function<Value(Context&, Args&)> fn;
    Native(std::string n, std::function<Value(Context&, Args&)> f) : name(std::move(n)), fn(std::move(f)) {}
    Value call(Context& ctx, Args& args) override { return fn(ctx, args); }
    std::string repr() const override { return "<built-in function " + name + ">"; }
};
Value native(std::string name, std::function<Value(Context&, Args&)> fn);

// ---- operations shared by the evaluator, filters and methods (jinja_ops.cpp) ----------
Value binary_op(Context& ctx, BinOp op, const Value& a, const Value& b);
Value unary_minus(const Value& v);
bool contains(const Value& container, const Value& item);  // Python's `in`
Value get_attr(Context& ctx, const Value& obj, const std::string& name);
Value get_item(Context& ctx, const Value& obj, const Value& key);
Value slice_value(Context& ctx, const Value& obj, const Value& start, const Value& stop, const Value& step);
// The bound method `obj.name` for str/dict/list objects, or undefined (jinja_methods.cpp).
Value bound_method(const Value& obj, const std::string& name);
// Global functions available to every template (jinja_methods.cpp).
void add_builtin_globals(Scope& scope);

// ---- filters and tests (jinja_filters.cpp) --------------------------------------------
using FilterFn = Value (*)(Context&, const Value&, const Args&);
using TestFn = bool (*)(Context&, const Value&, const Args&);
FilterFn find_filter(const std::string& name);
TestFn find_test(const std::string& name);

}  // namespace kinglet::chat::jinja
