// Minimal command-line parsing for kinglet-cli: "--name value" options, flags and
// positional words, with usage errors reported as UsageError (exit status 1).
#pragma once
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace kinglet::cli {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Args {
public:
    // value_options: options that take a value ("-m", "--ctx"); flag_options: those that don't.
    Args(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
         const std::set<std::string>& flag_options);

    bool flag(const std::string& name) const { return flags_.count(name) > 0; }
    std::optional<std::string> get(const std::string& name) const;
    std::string get_or(const std::string& name, const std::string& fallback) const;
    int get_int(const std::string& name, int fallback, int lo, int hi) const;
    double get_double(const std::string& name, double fallback, double lo, double hi) const;
    uint64_t get_u64(const std::string& name, uint64_t fallback) const;
    const std::vector<std::string>& positional() const { return positional_; }

private:
    std::map<std::string, std::string> values_;
    std::set<std::string> flags_;
    std::vector<std::string> positional_;
};

}  // namespace kinglet::cli
