// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/jinja_eval.h"

namespace kinglet::chat::jinja {

namespace {

constexpr uint64_t kMaxProducedBytes = 256u << 20;  // all strings built during one render

void locate(Failure& f, Pos p) {
    if (f.line == 0) {
        f.line = p.line;
        f.column = p.column;
    }
}

}  // namespace

const Value* Scope::find(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent.get()) {
        auto it = s->vars.find(name);
        if (it != s->vars.end()) return &it->second;
    }
    return nullptr;
}

Value native(std::string name, std::function<Value(Context&, Args&)> fn) {
    return Value(std::shared_ptr<Callable>(std::make_shared<Native>(std::move(name), std::move(fn))));
}

Context::Context(const Limits& limits, const std::tm& now) : limits_(limits), now_(now) {
    deadline_ = std::chrono::steady_clock::now() + limits_.max_time;
}

Context::~Context() {
    // Namespaces are the only mutable containers, hence the only way to build reference
    // cycles or unbounded chains. Empty all of them before anything is destroyed, so that
    // every destruction below is shallow.
    std::vector<Value> released;
    for (auto& weak : namespaces_)
        if (auto ns = weak.lock()) {
            for (auto& kv : ns->attrs.items) released.push_back(std::move(kv.second));
            ns->attrs.clear();
        }
    released.clear();
}

void Context::check_budget() {
    if (steps_ > limits_.max_steps) fail("template needs too many steps to render");
    if (std::chrono::steady_clock::now() > deadline_) fail("template took too long to render");
}

void Context::check_size(size_t bytes) const {
    if (bytes > limits_.max_value_bytes) {
        // SIZE_MAX stands for a size too large to compute (see repeat() in jinja_ops.cpp).
        const std::string limit = std::to_string(limits_.max_value_bytes) + " bytes";
        fail(bytes == SIZE_MAX ? "value too large (over the limit of " + limit + ")"
                               : "value too large (" + std::to_string(bytes) + " bytes; the limit is " + limit + ")");
    }
    produced_ += bytes;
    if (produced_ > kMaxProducedBytes) fail("template builds too much text");
}

void Context::count_iteration() {
    if (++iterations_ > limits_.max_iterations) fail("too many loop iterations");
    tick();
}

Value Context::make_namespace() {
    auto ns = std::make_shared<NamespaceData>();
    if (namespaces_.size() > limits_.max_iterations) fail("too many namespaces");
    namespaces_.push_back(ns);
    return Value(std::move(ns));
}

void Context::append(std::string& out, const std::string& text) const {
    if (out.size() + text.size() > limits_.max_output_bytes) fail("rendered text too large");
    check_size(text.size());
    out += text;
}

void Context::render(const Template& tmpl, const ScopePtr& globals, std::string& out) {
    globals_ = globals;
    auto root = std::make_shared<Scope>(globals);
    exec(tmpl.body, root, out);
}

Value Context::call(const Value& callee, Args& args) {
    if (callee.is_callable()) return callee.as_callable()->call(*this, args);
    if (callee.is_undefined()) fail(undefined_message(callee));
    fail(cat("'", type_name(callee), "' object is not callable"));
}

Context::Flow Context::exec(const Body& body, const ScopePtr& scope, std::string& out) {
    for (const auto& node : body) {
        tick();
        try {
            const Flow f = exec_node(*node, scope, out);
            if (f != Flow::Normal) return f;
        } catch (Failure& f) {
            locate(f, node->pos);
            throw;
        }
    }
    return Flow::Normal;
}

std::string Context::capture(const Body& body, const ScopePtr& scope) {
    std::string text;
    exec(body, std::make_shared<Scope>(scope), text);
    return text;
}

Context::Flow Context::exec_node(const Node& node, const ScopePtr& scope, std::string& out) {
    switch (node.kind) {
        case NodeKind::Text: append(out, static_cast<const TextNode&>(node).text); break;
        case NodeKind::Print: append(out, to_str(eval(*static_cast<const PrintNode&>(node).expr, scope))); break;
        case NodeKind::If: {
            const auto& n = static_cast<const IfNode&>(node);
            for (const auto& [test, body] : n.branches)
                if (eval(*test, scope).truthy()) return exec(body, scope, out);
            return exec(n.otherwise, scope, out);
        }
        case NodeKind::For: return exec_for(static_cast<const ForNode&>(node), scope, out);
        case NodeKind::Set: {
            const auto& n = static_cast<const SetNode&>(node);
            assign(n.target, eval(*n.value, scope), scope);
            break;
        }
        case NodeKind::SetBlock: {
            const auto& n = static_cast<const SetBlockNode&>(node);
            Value v(capture(n.body, scope));
            if (n.filter) v = apply_filter_chain(n.filter.get(), std::move(v), scope);
            assign(n.target, std::move(v), scope);
            break;
        }
        case NodeKind::Macro: {
            const auto& n = static_cast<const MacroNode&>(node);
            auto m = std::make_shared<Macro>();
            m->def = n.def;
            m->closure = scope;
            scope->vars[n.def->name] = Value(std::shared_ptr<Callable>(std::move(m)));
            break;
        }
        case NodeKind::CallBlock: {
            const auto& n = static_cast<const CallBlockNode&>(node);
            const auto& call = static_cast<const CallExpr&>(*n.call);
            auto caller = std::make_shared<Macro>();
            caller->def = n.caller;
            caller->closure = scope;
            Value callee = eval(*call.callee, scope);
            Args args;
            eval_args(call.args, scope, args);
            args.kw.emplace_back("caller", Value(std::shared_ptr<Callable>(std::move(caller))));
            append(out, to_str(this->call(callee, args)));
            break;
        }
        case NodeKind::FilterBlock: {
            const auto& n = static_cast<const FilterBlockNode&>(node);
            append(out, to_str(apply_filter_chain(n.filter.get(), Value(capture(n.body, scope)), scope)));
            break;
        }
        case NodeKind::With: {
            const auto& n = static_cast<const WithNode&>(node);
            std::vector<Value> values;
            for (const auto& a : n.assigns) values.push_back(eval(*a.second, scope));
            auto inner = std::make_shared<Scope>(scope);
            for (size_t i = 0; i < values.size(); ++i) assign(n.assigns[i].first, std::move(values[i]), inner);
            return exec(n.body, inner, out);
        }
        case NodeKind::Break: return Flow::Break;
        case NodeKind::Continue: return Flow::Continue;
    }
    return Flow::Normal;
}

Context::Flow Context::exec_for(const ForNode& node, const ScopePtr& scope, std::string& out) {
    std::vector<Value> items = iterate(eval(*node.iter, scope));
    if (node.filter) {
        std::vector<Value> kept;
        for (auto& item : items) {
            count_iteration();
            auto probe = std::make_shared<Scope>(scope);
            assign(node.target, item, probe);
            if (eval(*node.filter, probe).truthy()) kept.push_back(std::move(item));
        }
        items = std::move(kept);
    }
    if (items.empty()) {
        exec(node.otherwise, std::make_shared<Scope>(scope), out);
        return Flow::Normal;
    }
    const auto n = static_cast<int64_t>(items.size());
    // One `loop` object per loop, updated in place like Jinja's LoopContext.
    enum Slot { kIndex, kIndex0, kRevindex, kRevindex0, kFirst, kLast, kLength, kDepth, kDepth0, kPrev, kNext, kCycle };
    auto position = std::make_shared<int64_t>(0);
    Value loop = Value::dict();
    DictData& d = loop.as_dict();
    for (const char* key : {"index", "index0", "revindex", "revindex0", "first", "last", "length", "depth", "depth0",
                            "previtem", "nextitem"})
        d.set(Value(key), Value());
    d.set(Value("cycle"), native("cycle", [position](Context&, Args& args) -> Value {
              if (args.pos.empty()) fail("no items for cycling given");
              return args.pos[static_cast<size_t>(*position) % args.pos.size()];
          }));
    d.items[kLength].second = Value(n);
    d.items[kDepth].second = Value(1);
    d.items[kDepth0].second = Value(0);
    for (int64_t i = 0; i < n; ++i) {
        count_iteration();
        *position = i;
        d.items[kIndex].second = Value(i + 1);
        d.items[kIndex0].second = Value(i);
        d.items[kRevindex].second = Value(n - i);
        d.items[kRevindex0].second = Value(n - i - 1);
        d.items[kFirst].second = Value(i == 0);
        d.items[kLast].second = Value(i == n - 1);
        d.items[kPrev].second = i > 0 ? items[static_cast<size_t>(i - 1)] : Value::undefined("there is no previous item");
        d.items[kNext].second = i + 1 < n ? items[static_cast<size_t>(i + 1)] : Value::undefined("there is no next item");
        auto iter_scope = std::make_shared<Scope>(scope);
        assign(node.target, items[static_cast<size_t>(i)], iter_scope);
        iter_scope->vars["loop"] = loop;
        const Flow f = exec(node.body, iter_scope, out);
        if (f == Flow::Break) break;
    }
    return Flow::Normal;
}

void Context::assign(const Target& target, Value value, const ScopePtr& scope) {
    if (!target.attr.empty()) {
        const Value* ns = scope->find(target.names[0]);
        if (!ns || !ns->is_namespace()) fail("cannot assign attribute on non-namespace object");
        ns->as_namespace().attrs.set(Value(target.attr), std::move(value));
        return;
    }
    if (!target.unpack) {
        scope->vars[target.names[0]] = std::move(value);
        return;
    }
    std::vector<Value> parts = iterate(value);
    if (parts.size() != target.names.size()) {
        if (parts.size() > target.names.size())
            fail("too many values to unpack (expected " + std::to_string(target.names.size()) + ")");
        fail("not enough values to unpack (expected " + std::to_string(target.names.size()) + ", got " +
             std::to_string(parts.size()) + ")");
    }
    for (size_t i = 0; i < parts.size(); ++i) scope->vars[target.names[i]] = std::move(parts[i]);
}

Value Context::apply_filter_chain(const Expr* chain, Value input, const ScopePtr& scope) {
    // The chain is Filter(Filter(null, a), b): apply the innermost first.
    const auto* f = static_cast<const FilterExpr*>(chain);
    if (f->input) input = apply_filter_chain(f->input.get(), std::move(input), scope);
    return eval_filter(*f, std::move(input), scope);
}

std::string Context::run_macro(const MacroDef& def, const ScopePtr& closure, Args& args, const Value& caller) {
    if (depth_ >= limits_.max_call_depth) fail("macro calls nested too deeply (recursion?)");
    struct DepthGuard {
        int& d;
        explicit DepthGuard(int& x) : d(x) { ++d; }
        ~DepthGuard() { --d; }
    } guard(depth_);
    tick();
    auto scope = std::make_shared<Scope>(closure ? closure : globals_);
    const size_t np = def.params.size();
    std::vector<bool> bound(np, false);
    if (args.pos.size() > np && !def.uses_varargs)
        fail("macro '" + def.name + "' takes not more than " + std::to_string(np) + " argument(s)");
    std::vector<Value> extra;
    for (size_t i = 0; i < args.pos.size(); ++i) {
        if (i < np) {
            scope->vars[def.params[i].name] = args.pos[i];
            bound[i] = true;
        } else {
            extra.push_back(args.pos[i]);
        }
    }
    Value kwargs = Value::dict();
    for (auto& [key, value] : args.kw) {
        size_t i = 0;
        while (i < np && def.params[i].name != key) ++i;
        if (i < np) {
            if (bound[i]) fail("macro '" + def.name + "' got multiple values for argument '" + key + "'");
            scope->vars[key] = value;
            bound[i] = true;
        } else if (def.uses_kwargs) {
            kwargs.as_dict().set(Value(key), value);
        } else {
            fail("macro '" + def.name + "' takes no keyword argument '" + key + "'");
        }
    }
    for (size_t i = 0; i < np; ++i) {
        if (bound[i]) continue;
        const MacroParam& p = def.params[i];
        scope->vars[p.name] = p.default_value ? eval(*p.default_value, scope)
                                              : Value::undefined("parameter '" + p.name + "' was not provided");
    }
    if (def.uses_varargs) scope->vars["varargs"] = Value::tuple(std::move(extra));
    if (def.uses_kwargs) scope->vars["kwargs"] = std::move(kwargs);
    if (!caller.is_undefined()) scope->vars["caller"] = caller;
    std::string text;
    exec(def.body, scope, text);
    return text;
}

Value Macro::call(Context& ctx, Args& args) {
    Value caller_value;
    for (size_t i = 0; i < args.kw.size(); ++i) {
        if (args.kw[i].first != "caller") continue;
        if (!def->uses_caller) fail("macro '" + def->name + "' takes no keyword argument 'caller'");
        caller_value = std::move(args.kw[i].second);
        args.kw.erase(args.kw.begin() + static_cast<std::ptrdiff_t>(i));
        break;
    }
    return Value(ctx.run_macro(*def, closure.lock(), args, caller_value));
}

}  // namespace kinglet::chat::jinja
