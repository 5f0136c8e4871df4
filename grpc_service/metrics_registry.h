// MetricsRegistry: a small Prometheus metrics registry (counters, gauges,
// histograms, with labels) and its text exposition format 0.0.4.
//
//   MetricsRegistry registry;
//   Counter& ok = registry.AddCounter("app_calls_total", "Calls.", {"code"})
//                     .WithLabels({"OK"});   // look up once, keep the ref
//   ok.Increment();                          // hot path: one atomic add
//   registry.AddCollector([](std::vector<MetricFamily>* out) {
//     out->push_back(GaugeFamily("app_queue", "Queued.", QueueLength()));
//   });                                      // computed at scrape time
//   std::string text = registry.Render();    // the body of GET /metrics
//
// Families render in the order they were added; a family's series in label
// order. Names and label names are checked when added: a bad one is a
// programming error and aborts.
//
// Thread-safety: Counter, Gauge and Histogram are lock-free and may be
// updated from any thread; WithLabels takes the family's mutex (look series
// up once, not per update). Add* and AddCollector may be called at any time;
// Collect/Render may run concurrently with everything. Series live as long
// as the registry, so their references stay valid.
#ifndef OUTBOX_GRPC_SERVICE_METRICS_REGISTRY_H_
#define OUTBOX_GRPC_SERVICE_METRICS_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace outbox::grpc_service {

// --- What a scrape sees: plain values, rendered by RenderText. ---

enum class MetricType { kCounter, kGauge, kHistogram };

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  std::string name;  // The family name, or with _bucket / _sum / _count.
  Labels labels;
  double value = 0;
};

struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<Sample> samples;
};

// A family of one unlabelled sample, for collectors.
MetricFamily GaugeFamily(std::string name, std::string help, double value);
MetricFamily CounterFamily(std::string name, std::string help, double value);

// `families` in the Prometheus text format 0.0.4: "# HELP" and "# TYPE"
// lines, then one line per sample with label values escaped.
std::string RenderText(const std::vector<MetricFamily>& families);

// A sample value or `le` bound: the shortest text that reads back as the
// same double, in plain decimals from 1e-4 to 1e21 ("0.0005", "6621088")
// and with an exponent outside ("1e-05"); "+Inf", "-Inf" or "NaN".
std::string FormatValue(double value);
// A label value with \, " and newline escaped.
std::string EscapeLabelValue(std::string_view value);

// True for names matching [a-zA-Z_:][a-zA-Z0-9_:]* (metrics) or
// [a-zA-Z_][a-zA-Z0-9_]* not starting with "__" (labels).
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

// --- Series: the values code updates. ---

// A monotonically increasing count.
class Counter {
 public:
  void Increment(uint64_t n = 1) {
    value_.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into buckets with the given upper bounds (inclusive,
// as Prometheus's `le`), plus their sum; +Inf is implicit.
class Histogram {
 public:
  // `bounds` must be finite and strictly increasing (aborts otherwise).
  explicit Histogram(std::vector<double> bounds);

  void Observe(double value);

  struct Snapshot {
    std::vector<double> bounds;        // Without +Inf.
    std::vector<uint64_t> cumulative;  // One per bound, then +Inf (= count).
    double sum = 0;
  };
  // Buckets are read one by one while others may observe: the counts are
  // each exact, and _count always equals the +Inf bucket.
  Snapshot Take() const;

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Standard bucket layouts.
std::vector<double> ExponentialBuckets(double start, double factor, int count);

// --- Families and the registry. ---

// Something that contributes families to a scrape.
class Collectable {
 public:
  virtual ~Collectable() = default;
  virtual void Collect(std::vector<MetricFamily>* out) const = 0;
};

// All series of one metric, one per combination of label values.
template <typename T>
class Family final : public Collectable {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels,
         std::function<std::unique_ptr<T>()> make)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(labels)),
        make_(std::move(make)) {}

  // The series for `values` (one per label name, in order), created at
  // zero on first use. Aborts on a wrong number of values.
  T& WithLabels(const std::vector<std::string>& values);

  void Collect(std::vector<MetricFamily>* out) const override;

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<T>()> make_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_;  // mu_
};

class MetricsRegistry {
 public:
  using Collector = std::function<void(std::vector<MetricFamily>* out)>;

  // Adds a family; aborts on an invalid or repeated name or label name
  // (histograms also refuse the label "le").
  Family<Counter>& AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> labels = {});
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> labels = {});
  Family<Histogram>& AddHistogram(const std::string& name,
                                  const std::string& help,
                                  std::vector<std::string> labels,
                                  std::vector<double> bounds);

  // `collect` runs at every scrape, on the scraping thread, and appends the
  // families it computes then (e.g. gauges read from storage). It must be
  // safe to call from any thread and must not call back into the registry.
  void AddCollector(Collector collect);

  // Every family, in the order added.
  std::vector<MetricFamily> Collect() const;
  // Collect() as text format 0.0.4.
  std::string Render() const { return RenderText(Collect()); }

 private:
  void Claim(const std::string& name, const std::vector<std::string>& labels,
             bool histogram);

  mutable std::mutex mu_;
  std::vector<std::string> names_;                     // Guarded by mu_.
  std::vector<std::shared_ptr<Collectable>> entries_;  // Guarded by mu_.
};

// Prints `message` and aborts: for broken invariants (bad metric names).
[[noreturn]] void MetricsFatal(const std::string& message);

// Defined in metrics_registry.cc for the three series types.
template <>
void Family<Counter>::Collect(std::vector<MetricFamily>* out) const;
template <>
void Family<Gauge>::Collect(std::vector<MetricFamily>* out) const;
template <>
void Family<Histogram>::Collect(std::vector<MetricFamily>* out) const;

template <typename T>
T& Family<T>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    MetricsFatal(name_ + ": expected " + std::to_string(label_names_.size()) +
                 " label values, got " + std::to_string(values.size()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<T>& series = series_[values];
  if (!series) series = make_();
  return *series;
}

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_METRICS_REGISTRY_H_
