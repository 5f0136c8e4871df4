// Params: the key=value settings of one trial, as passed on the command line
// of a trial process ("capi-bench --trial drain pixels=16 events=1000000").
#ifndef BENCH_HARNESS_PARAMS_H_
#define BENCH_HARNESS_PARAMS_H_

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace bench {

class Params {
 public:
  Params() = default;
  Params(std::initializer_list<std::pair<const std::string, std::string>> kv)
      : values_(kv) {}

  // Parses "key=value" words; returns false on a word without '='.
  bool ParseArgs(const std::vector<std::string>& words) {
    for (const std::string& word : words) {
      const size_t eq = word.find('=');
      if (eq == std::string::npos || eq == 0) return false;
      values_[word.substr(0, eq)] = word.substr(eq + 1);
    }
    return true;
  }

  // The inverse of ParseArgs.
  std::vector<std::string> ToArgs() const {
    std::vector<std::string> words;
    for (const auto& [key, value] : values_) words.push_back(key + "=" + value);
    return words;
  }

  void Set(const std::string& key, const std::string& value) {
    values_[key] = value;
  }
  void Set(const std::string& key, double value) {
    std::string text = std::to_string(value);
    // Integral values print without the ".000000" tail, for readable logs.
    if (value == static_cast<double>(static_cast<long long>(value))) {
      text = std::to_string(static_cast<long long>(value));
    }
    values_[key] = text;
  }

  bool Has(const std::string& key) const { return values_.count(key) > 0; }

  std::string Str(const std::string& key, const std::string& def = "") const {
    auto it = values_.find(key);
    return it == values_.end() ? def : it->second;
  }
  double Num(const std::string& key, double def = 0) const {
    auto it = values_.find(key);
    return it == values_.end() ? def : std::atof(it->second.c_str());
  }
  long Int(const std::string& key, long def = 0) const {
    return static_cast<long>(Num(key, static_cast<double>(def)));
  }

  // "a=1 b=2", for progress lines.
  std::string ToString() const {
    std::string out;
    for (const std::string& word : ToArgs()) {
      out += (out.empty() ? "" : " ") + word;
    }
    return out;
  }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace bench

#endif  // BENCH_HARNESS_PARAMS_H_
