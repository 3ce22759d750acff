// Jinja's built-in tests (`x is defined`, `x is divisibleby 3`, ...), as Jinja2 3.x defines
// them on Python values.
// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include <unordered_map>

#include "chat/jinja_eval.h"
#include "chat/jinja_parser.h"
#include "chat/jinja_string.h"

namespace kinglet::chat::jinja {

namespace {

const Value& test_arg(const Args& a, const char* name) {
    if (a.pos.empty()) fail(std::string(name) + "() missing 1 required positional argument");
    return a.pos[0];
}

bool t_defined(Context&, const Value& v, const Args&) { return !v.is_undefined(); }
bool t_undefined(Context&, const Value& v, const Args&) { return v.is_undefined(); }
bool t_none(Context&, const Value& v, const Args&) { return v.is_none(); }
bool t_boolean(Context&, const Value& v, const Args&) { return v.is_bool(); }
bool t_true(Context&, const Value& v, const Args&) { return v.is_bool() && v.as_bool(); }
bool t_false(Context&, const Value& v, const Args&) { return v.is_bool() && !v.as_bool(); }
bool t_integer(Context&, const Value& v, const Args&) { return v.is_int(); }
bool t_float(Context&, const Value& v, const Args&) { return v.is_float(); }
bool t_number(Context&, const Value& v, const Args&) { return v.is_number(); }
bool t_string(Context&, const Value& v, const Args&) { return v.is_string(); }
bool t_mapping(Context&, const Value& v, const Args&) { return v.is_dict(); }
// Python's iter() and len()+__getitem__ both work on the same kinds here (Undefined too).
bool t_iterable(Context&, const Value& v, const Args&) {
    return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
}
// Undefined has __call__ (it raises), so Python calls it callable.
bool t_callable(Context&, const Value& v, const Args&) {
    return (v.is_callable() && v.as_callable()->callable()) || v.is_undefined();
}
bool t_escaped(Context&, const Value&, const Args&) { return false; }
bool t_lower(Context&, const Value& v, const Args&) { return py_islower(to_str(v)); }
bool t_upper(Context&, const Value& v, const Args&) { return py_isupper(to_str(v)); }
bool t_odd(Context& c, const Value& v, const Args&) { return equals(binary_op(c, BinOp::Mod, v, Value(2)), Value(1)); }
bool t_even(Context& c, const Value& v, const Args&) { return equals(binary_op(c, BinOp::Mod, v, Value(2)), Value(0)); }
bool t_divisibleby(Context& c, const Value& v, const Args& a) {
    return equals(binary_op(c, BinOp::Mod, v, test_arg(a, "divisibleby")), Value(0));
}
bool t_eq(Context&, const Value& v, const Args& a) { return equals(v, test_arg(a, "eq")); }
bool t_ne(Context&, const Value& v, const Args& a) { return !equals(v, test_arg(a, "ne")); }
bool t_lt(Context&, const Value& v, const Args& a) { return compare(v, test_arg(a, "lt")) < 0; }
bool t_le(Context&, const Value& v, const Args& a) { return compare(v, test_arg(a, "le")) <= 0; }
bool t_gt(Context&, const Value& v, const Args& a) { return compare(v, test_arg(a, "gt")) > 0; }
bool t_ge(Context&, const Value& v, const Args& a) { return compare(v, test_arg(a, "ge")) >= 0; }
bool t_in(Context&, const Value& v, const Args& a) { return contains(test_arg(a, "in"), v); }
bool t_sameas(Context&, const Value& v, const Args& a) {
    const Value& o = test_arg(a, "sameas");
    if (v.kind() != o.kind()) return false;
    if (v.identity()) return v.identity() == o.identity();
    return equals(v, o);
}
bool t_filter(Context&, const Value& v, const Args&) { return v.is_string() && find_filter(v.as_string()); }
bool t_test(Context&, const Value& v, const Args&) { return v.is_string() && find_test(v.as_string()); }

const std::unordered_map<std::string, TestFn>& tests() {
    static const std::unordered_map<std::string, TestFn> table = {
        {"boolean", t_boolean}, {"callable", t_callable}, {"defined", t_defined}, {"divisibleby", t_divisibleby},
        {"eq", t_eq},           {"equalto", t_eq},        {"==", t_eq},           {"escaped", t_escaped},
        {"even", t_even},       {"false", t_false},       {"filter", t_filter},   {"float", t_float},
        {"ge", t_ge},           {">=", t_ge},             {"gt", t_gt},           {"greaterthan", t_gt},
        {">", t_gt},            {"in", t_in},             {"integer", t_integer}, {"iterable", t_iterable},
        {"le", t_le},           {"<=", t_le},             {"lower", t_lower},     {"lt", t_lt},
        {"lessthan", t_lt},     {"<", t_lt},              {"mapping", t_mapping}, {"ne", t_ne},
        {"!=", t_ne},           {"none", t_none},         {"number", t_number},   {"odd", t_odd},
        {"sameas", t_sameas},   {"sequence", t_iterable}, {"string", t_string},   {"test", t_test},
        {"true", t_true},       {"undefined", t_undefined}, {"upper", t_upper},
    };
    return table;
}

}  // namespace

TestFn find_test(const std::string& name) {
    auto it = tests().find(name);
    return it == tests().end() ? nullptr : it->second;
}

bool test_exists(const std::string& name) { return find_test(name) != nullptr; }

}  // namespace kinglet::chat::jinja
