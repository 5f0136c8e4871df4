// Building blocks for plan*.cc: sizes per mode, enqueue shapes and row
// constructors. Internal to the runner.
#ifndef BENCH_RUNNER_PLAN_UTIL_H_
#define BENCH_RUNNER_PLAN_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "bench/runner/plan.h"

namespace bench {

struct Sizes {
  double seconds = 5;             // One enqueue trial.
  double sustained_seconds = 30;  // The 100-event sustained figure.
  long drain_events = 100000;     // Every run.
  long drain_large = 1000000;     // One run (see PlanOptions).
  long recovery_events = 1000000;
  long scale_new_events = 100000;  // Drained on top of stored records.
  // Stored records under the scale step's enqueue: delivered-retained
  // (built by draining a backlog into fake-capi) and pending (delivery
  // paused). --scale-max adds a size to both.
  std::vector<long> scale_delivered = {10000, 100000, 1000000};
  std::vector<long> scale_pending = {10000, 1000000};
  int runs = 3;
  bool outboxd = false;
  std::string capi_validate;
};

struct Shape {
  int events;
  int concurrency;
  std::string Id() const {
    return std::to_string(events) + "x" + std::to_string(concurrency);
  }
  std::string Words() const {
    return std::to_string(events) + (events == 1 ? " event" : " events") +
           "/call, " + std::to_string(concurrency) + " in flight";
  }
  std::string RateMetric() const {
    return events == 1 ? "calls_per_s" : "events_per_s";
  }
  std::string RateUnit() const { return events == 1 ? "calls/s" : "events/s"; }
};

inline const std::vector<Shape>& AllShapes() {
  static const std::vector<Shape> k = {{1, 1},   {1, 16},   {1, 64},
                                       {1, 256}, {100, 16}, {100, 64}};
  return k;
}

// "10k", "1M".
inline std::string Count(long n) {
  if (n >= 1000000 && n % 1000000 == 0) {
    return std::to_string(n / 1000000) + "M";
  }
  if (n >= 1000 && n % 1000 == 0) return std::to_string(n / 1000) + "k";
  return std::to_string(n);
}

inline Step NewStep(std::string name, std::string title,
                    std::vector<std::string> services, int runs) {
  Step step;
  step.name = std::move(name);
  step.title = std::move(title);
  step.services = std::move(services);
  step.runs = runs;
  return step;
}

inline Variant Make(std::string id, std::string trial, Params params) {
  return {std::move(id), std::move(trial), std::move(params), ""};
}

inline Params ShapeParams(const Shape& s, double seconds) {
  Params p;
  p.Set("events_per_call", s.events);
  p.Set("concurrency", s.concurrency);
  p.Set("seconds", seconds);
  return p;
}

inline Row Value(std::string figure, std::string variant, std::string metric,
                 std::string unit, bool latency = false) {
  Row r;
  r.figure = std::move(figure);
  r.variant = std::move(variant);
  r.metric = std::move(metric);
  r.unit = std::move(unit);
  r.latency = latency;
  return r;
}

// Per repetition: num.metric / den.metric.
inline Row Ratio(std::string figure, std::string num, std::string den,
                 std::string metric) {
  Row r = Value(std::move(figure), std::move(num), metric, "×");
  r.den_variant = std::move(den);
  r.den_metric = std::move(metric);
  return r;
}

inline Row WithTarget(Row row, bool at_least, double value, std::string text) {
  row.target = Target{at_least, value, std::move(text)};
  return row;
}

Step CeilingsStep(const Sizes& z);
Step EnqueueStep(const Sizes& z);
Step GrpcStep(const Sizes& z);
Step DrainStep(const Sizes& z);
Step ScaleStep(const Sizes& z);
Step RecoveryStep(const Sizes& z);

}  // namespace bench

#endif  // BENCH_RUNNER_PLAN_UTIL_H_
