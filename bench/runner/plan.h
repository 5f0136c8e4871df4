// The bench plan: which trials run, in which steps, and which table rows
// (figures, ratios, targets) each step reports.
//
// A step is one measurement of the issue (ceilings, enqueue shapes, gRPC,
// drain, scale, recovery) and can be run alone (--steps). Within a step the
// runner repeats the whole list of variants `runs` times, interleaved, so a
// ratio compares two figures measured side by side on a shared, noisy
// machine, run by run.
#ifndef BENCH_RUNNER_PLAN_H_
#define BENCH_RUNNER_PLAN_H_

#include <optional>
#include <string>
#include <vector>

#include "bench/harness/params.h"

namespace bench {

// One trial configuration, run once per repetition.
struct Variant {
  std::string id;     // Unique within the step, e.g. "pg-1x16".
  std::string trial;  // A name from AllTrials().
  Params params;
  std::string skip;  // Non-empty: not run, and why.
  // Runs in the first `max_runs` repetitions only (slow variants kept for
  // the record); 0: every repetition.
  int max_runs = 0;
};

struct Target {
  bool at_least = true;  // median >= value; else median <= value.
  double value = 0;
  std::string text;  // "≥ 0.8× no-op gRPC (issue 7)"
};

// One line of the table: a figure of one variant, or the ratio of two.
struct Row {
  std::string figure;  // What it is, in words.
  std::string variant;
  std::string metric;
  std::string unit;  // "events/s", "s", "×", ...
  // Ratio rows: per repetition, variant.metric / den_variant.den_metric.
  std::string den_variant;
  std::string den_metric;
  bool latency = false;  // Also show the variant's p50/p99/p999.
  std::optional<Target> target;
  std::string note;  // Shown under the table (e.g. what was skipped).
};

struct Step {
  std::string name;  // For --steps.
  std::string title;
  // Named services started before the step: "fake-capi" (the validation
  // mode of --capi-validate), "fake-capi-full", "postgres".
  std::vector<std::string> services;
  std::vector<Variant> variants;
  std::vector<Row> rows;
  int runs = 3;
};

struct PlanOptions {
  bool quick = false;
  int runs = 0;            // 0: the mode's default.
  uint64_t scale_max = 0;  // 0: the mode's default.
  // Backlog drained in one extra run (1 pixel, and PostgreSQL with 2
  // workers); 0: none; -1: the mode's default.
  long drain_large = -1;
  bool outboxd_available = false;
  std::string capi_validate = "none";
};

// The steps, in the order they run.
std::vector<Step> BuildPlan(const PlanOptions& options);

}  // namespace bench

#endif  // BENCH_RUNNER_PLAN_H_
