// Checks that a scrape is well-formed text format 0.0.4, and reads sample
// values out of it, for the metrics tests.
#ifndef OUTBOX_TESTS_METRICS_EXPOSITION_CHECK_H_
#define OUTBOX_TESTS_METRICS_EXPOSITION_CHECK_H_

#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace outbox::grpc_service::testing {

// "" when every line of `text` is a HELP, a TYPE or a sample line of the
// format, every family's HELP and TYPE come once and before its samples,
// and every sample belongs to the family announced last; else the first
// offending line.
inline std::string ExpositionError(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*)");
  static const std::regex kType(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN))");
  if (text.empty() || text.back() != '\n') return "no final newline";
  std::istringstream in(text);
  std::string line, family;
  std::set<std::string> seen;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, kHelp)) {
      family = m[1];
      if (!seen.insert(family).second) return "repeated family: " + line;
    } else if (std::regex_match(line, m, kType)) {
      if (m[1] != family) return "TYPE without HELP: " + line;
    } else if (std::regex_match(line, m, kSample)) {
      std::string name = m[1];
      if (name != family && name != family + "_bucket" &&
          name != family + "_sum" && name != family + "_count") {
        return "sample outside its family: " + line;
      }
    } else {
      return "malformed: " + line;
    }
  }
  return "";
}

// The value of the sample line that starts with `series` (name and labels
// exactly as rendered), or nothing.
inline std::optional<double> SampleValue(const std::string& text,
                                         const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() &&
        line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

}  // namespace outbox::grpc_service::testing

#endif  // OUTBOX_TESTS_METRICS_EXPOSITION_CHECK_H_
