#include "grpc_service/metrics_registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace outbox::grpc_service {
namespace {

bool IsNameChar(char c, bool first, bool colon_ok) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (alpha || (colon_ok && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

// HELP text escapes only backslash and newline (format 0.0.4).
std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void AppendSample(const Sample& sample, std::string* out) {
  out->append(sample.name);
  if (!sample.labels.empty()) {
    out->push_back('{');
    for (size_t i = 0; i < sample.labels.size(); ++i) {
      if (i > 0) out->push_back(',');
      out->append(sample.labels[i].first);
      out->append("=\"");
      out->append(EscapeLabelValue(sample.labels[i].second));
      out->push_back('"');
    }
    out->push_back('}');
  }
  out->push_back(' ');
  out->append(FormatValue(sample.value));
  out->push_back('\n');
}

Labels Zip(const std::vector<std::string>& names,
           const std::vector<std::string>& values) {
  Labels labels;
  labels.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    labels.emplace_back(names[i], values[i]);
  }
  return labels;
}

}  // namespace

void MetricsFatal(const std::string& message) {
  std::fprintf(stderr, "metrics: %s\n", message.c_str());
  std::abort();
}

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, /*colon_ok=*/true)) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.rfind("__", 0) == 0) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, /*colon_ok=*/false)) return false;
  }
  return true;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Plain decimals where people expect them ("0.0005", not "5e-04": `le`
  // values are compared as text, so bucket bounds should look the way
  // other clients write them); exponents only far from 1.
  const double magnitude = std::fabs(value);
  const auto format = magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e21)
                          ? std::chars_format::fixed
                          : std::chars_format::scientific;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value, format);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string RenderText(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    out += "# HELP " + family.name + " " + EscapeHelp(family.help) + "\n";
    out += "# TYPE " + family.name + " " + TypeName(family.type) + "\n";
    for (const Sample& sample : family.samples) AppendSample(sample, &out);
  }
  return out;
}

MetricFamily GaugeFamily(std::string name, std::string help, double value) {
  MetricFamily family{std::move(name), std::move(help), MetricType::kGauge, {}};
  family.samples.push_back({family.name, {}, value});
  return family;
}

MetricFamily CounterFamily(std::string name, std::string help, double value) {
  MetricFamily family = GaugeFamily(std::move(name), std::move(help), value);
  family.type = MetricType::kCounter;
  return family;
}

void Gauge::Add(double delta) {
  double current = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(current, current + delta,
                                       std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1])) {
      MetricsFatal("histogram bounds must be finite and increasing");
    }
  }
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double value) {
  // First bound >= value: `le` buckets include their upper bound.
  size_t i =
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  double sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, sum + value,
                                     std::memory_order_relaxed)) {
  }
}

Histogram::Snapshot Histogram::Take() const {
  Snapshot snapshot;
  snapshot.bounds = bounds_;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(running);
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> bounds;
  for (double b = start; count-- > 0; b *= factor) bounds.push_back(b);
  return bounds;
}

template <>
void Family<Counter>::Collect(std::vector<MetricFamily>* out) const {
  MetricFamily family{name_, help_, MetricType::kCounter, {}};
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, counter] : series_) {
    family.samples.push_back({name_, Zip(label_names_, values),
                              static_cast<double>(counter->Value())});
  }
  out->push_back(std::move(family));
}

template <>
void Family<Gauge>::Collect(std::vector<MetricFamily>* out) const {
  MetricFamily family{name_, help_, MetricType::kGauge, {}};
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, gauge] : series_) {
    family.samples.push_back(
        {name_, Zip(label_names_, values), gauge->Value()});
  }
  out->push_back(std::move(family));
}

template <>
void Family<Histogram>::Collect(std::vector<MetricFamily>* out) const {
  MetricFamily family{name_, help_, MetricType::kHistogram, {}};
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, histogram] : series_) {
    const Labels labels = Zip(label_names_, values);
    Histogram::Snapshot s = histogram->Take();
    for (size_t i = 0; i < s.cumulative.size(); ++i) {
      Labels with_le = labels;
      with_le.emplace_back(
          "le", i < s.bounds.size() ? FormatValue(s.bounds[i]) : "+Inf");
      family.samples.push_back({name_ + "_bucket", std::move(with_le),
                                static_cast<double>(s.cumulative[i])});
    }
    family.samples.push_back({name_ + "_sum", labels, s.sum});
    family.samples.push_back(
        {name_ + "_count", labels, static_cast<double>(s.cumulative.back())});
  }
  out->push_back(std::move(family));
}

namespace {

// A collector callback as a Collectable.
class CallbackCollectable final : public Collectable {
 public:
  explicit CallbackCollectable(MetricsRegistry::Collector collect)
      : collect_(std::move(collect)) {}
  void Collect(std::vector<MetricFamily>* out) const override { collect_(out); }

 private:
  const MetricsRegistry::Collector collect_;
};

}  // namespace

void MetricsRegistry::Claim(const std::string& name,
                            const std::vector<std::string>& labels,
                            bool histogram) {
  if (!IsValidMetricName(name)) MetricsFatal("invalid metric name: " + name);
  for (const std::string& label : labels) {
    if (!IsValidLabelName(label) || (histogram && label == "le")) {
      MetricsFatal(name + ": invalid label name: " + label);
    }
  }
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    MetricsFatal("metric added twice: " + name);
  }
  names_.push_back(name);
}

Family<Counter>& MetricsRegistry::AddCounter(const std::string& name,
                                             const std::string& help,
                                             std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Claim(name, labels, false);
  auto family = std::make_shared<Family<Counter>>(
      name, help, std::move(labels),
      [] { return std::make_unique<Counter>(); });
  entries_.push_back(family);
  return *family;
}

Family<Gauge>& MetricsRegistry::AddGauge(const std::string& name,
                                         const std::string& help,
                                         std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Claim(name, labels, false);
  auto family = std::make_shared<Family<Gauge>>(
      name, help, std::move(labels), [] { return std::make_unique<Gauge>(); });
  entries_.push_back(family);
  return *family;
}

Family<Histogram>& MetricsRegistry::AddHistogram(
    const std::string& name, const std::string& help,
    std::vector<std::string> labels, std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  Claim(name, labels, true);
  Histogram check(bounds);  // Aborts here, at registration, on bad bounds.
  auto family = std::make_shared<Family<Histogram>>(
      name, help, std::move(labels),
      [bounds] { return std::make_unique<Histogram>(bounds); });
  entries_.push_back(family);
  return *family;
}

void MetricsRegistry::AddCollector(Collector collect) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back(std::make_shared<CallbackCollectable>(std::move(collect)));
}

std::vector<MetricFamily> MetricsRegistry::Collect() const {
  std::vector<std::shared_ptr<Collectable>> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    entries = entries_;  // Collect outside the lock: collectors may be slow.
  }
  std::vector<MetricFamily> families;
  for (const auto& entry : entries) entry->Collect(&families);
  return families;
}

}  // namespace outbox::grpc_service
