#include "args.h"

#include <cerrno>
#include <cstdlib>

namespace kinglet::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
           const std::set<std::string>& flag_options) {
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (value_options.count(a)) {
            if (i + 1 >= argv.size()) throw UsageError("option " + a + " needs a value");
            values_[a] = argv[++i];
        } else if (flag_options.count(a)) {
            flags_.insert(a);
        } else if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1]))))) {
            throw UsageError("unknown option " + a);
        } else {
            positional_.push_back(a);
        }
    }
}

std::optional<std::string> Args::get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string Args::get_or(const std::string& name, const std::string& fallback) const {
    return get(name).value_or(fallback);
}

int Args::get_int(const std::string& name, int fallback, int lo, int hi) const {
    auto v = get(name);
    if (!v) return fallback;
    char* end = nullptr;
    errno = 0;
    long long x = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || errno != 0 || x < lo || x > hi)
        throw UsageError(name + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                         " (got '" + *v + "')");
    return static_cast<int>(x);
}

double Args::get_double(const std::string& name, double fallback, double lo, double hi) const {
    auto v = get(name);
    if (!v) return fallback;
    char* end = nullptr;
    errno = 0;
    double x = std::strtod(v->c_str(), &end);
    if (v->empty() || *end != '\0' || errno != 0 || !(x >= lo && x <= hi))
        throw UsageError(name + " must be a number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                         " (got '" + *v + "')");
    return x;
}

uint64_t Args::get_u64(const std::string& name, uint64_t fallback) const {
    auto v = get(name);
    if (!v) return fallback;
    char* end = nullptr;
    errno = 0;
    unsigned long long x = std::strtoull(v->c_str(), &end, 10);
    if (v->empty() || (*v)[0] == '-' || *end != '\0' || errno != 0)
        throw UsageError(name + " must be a non-negative integer (got '" + *v + "')");
    return x;
}

}  // namespace kinglet::cli
