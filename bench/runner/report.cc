#include "bench/runner/report.h"

#include <cmath>
#include <cstdio>

namespace bench {
namespace {

// Per repetition: the figure of one variant, or a ratio of two measured in
// the same repetition.
std::vector<double> Samples(const StepResult& s, const Row& row) {
  std::vector<double> out;
  auto num = s.variants.find(row.variant);
  if (num == s.variants.end()) return out;
  const VariantResult* den = nullptr;
  if (!row.den_variant.empty()) {
    auto it = s.variants.find(row.den_variant);
    if (it == s.variants.end()) return out;
    den = &it->second;
  }
  for (size_t r = 0; r < num->second.runs.size(); ++r) {
    const auto& a = num->second.runs[r];
    if (!a || !a->count(row.metric)) continue;
    if (den == nullptr) {
      out.push_back(a->at(row.metric));
      continue;
    }
    if (r >= den->runs.size()) continue;
    const auto& b = den->runs[r];
    if (!b || !b->count(row.den_metric) || b->at(row.den_metric) == 0) continue;
    out.push_back(a->at(row.metric) / b->at(row.den_metric));
  }
  return out;
}

std::optional<Summary> Quantile(const StepResult& s, const std::string& id,
                                const std::string& metric) {
  Row row;
  row.variant = id;
  row.metric = metric;
  std::vector<double> samples = Samples(s, row);
  if (samples.empty()) return std::nullopt;
  return Summarize(std::move(samples));
}

// Why a row has no samples: the variants' skip reasons or errors.
std::string WhyEmpty(const StepResult& s, const Row& row) {
  if (!s.error.empty()) return "skipped: " + s.error;
  for (const std::string& id : {row.variant, row.den_variant}) {
    if (id.empty()) continue;
    for (const Variant& v : s.step.variants) {
      if (v.id == id && !v.skip.empty()) return "skipped: " + v.skip;
    }
    auto it = s.variants.find(id);
    if (it != s.variants.end() && !it->second.errors.empty()) {
      return "failed: " + it->second.errors.front();
    }
  }
  return "no data";
}

std::string Verdict(const Summary& v, const Target& t) {
  const bool met = t.at_least ? v.median >= t.value : v.median <= t.value;
  if (met) return "met";
  const double miss = t.at_least ? (t.value - v.median) / t.value
                                 : (v.median - t.value) / t.value;
  char text[64];
  std::snprintf(text, sizeof text, "MISSED by %.0f%%", miss * 100);
  return text;
}

std::string WithCommas(long long n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

}  // namespace

std::string FormatValue(double value, const std::string& unit, bool with_unit) {
  char text[64];
  const bool fraction = unit == "×" || unit == "s" || unit == "ms" ||
                        unit == "µs" || unit == "cores";
  if (fraction) {
    std::snprintf(text, sizeof text, value < 10 ? "%.2f" : "%.1f", value);
  } else {
    std::snprintf(text, sizeof text, "%s",
                  WithCommas(std::llround(value)).c_str());
  }
  std::string out = text;
  if (!with_unit || unit.empty()) return out;
  return unit == "×" ? out + unit : out + " " + unit;
}

std::vector<ReportRow> ComputeRows(const StepResult& s) {
  std::vector<ReportRow> rows;
  for (const Row& row : s.step.rows) {
    ReportRow out;
    out.step = s.step.name;
    out.figure = row.figure;
    out.unit = row.unit;
    out.target = row.target ? row.target->text : "";
    std::vector<double> samples = Samples(s, row);
    if (samples.empty()) {
      out.verdict = WhyEmpty(s, row);
    } else {
      out.value = Summarize(std::move(samples));
      if (row.target) out.verdict = Verdict(out.value, *row.target);
    }
    if (row.latency) {
      out.p50_ms = Quantile(s, row.variant, "p50_ms");
      out.p99_ms = Quantile(s, row.variant, "p99_ms");
      out.p999_ms = Quantile(s, row.variant, "p999_ms");
    }
    rows.push_back(std::move(out));
  }
  return rows;
}

}  // namespace bench
