// Turns the trials' raw figures into the bench's table: medians with their
// range, per-run ratios, targets and verdicts; printed as a Markdown table
// and written as JSON and CSV.
#ifndef BENCH_RUNNER_REPORT_H_
#define BENCH_RUNNER_REPORT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/harness/machine.h"
#include "bench/harness/metrics.h"
#include "bench/runner/plan.h"

namespace bench {

// What one variant produced: per repetition, its figures or why none.
struct VariantResult {
  std::vector<std::optional<Metrics>> runs;
  std::vector<std::string> errors;  // Distinct error messages.
};

struct StepResult {
  Step step;
  std::map<std::string, VariantResult> variants;  // By variant id.
  std::string error;  // The step could not run at all (a service failed).
  double seconds = 0;
};

struct ReportRow {
  std::string step;
  std::string figure;
  std::string unit;
  Summary value;
  std::optional<Summary> p50_ms, p99_ms, p999_ms;
  std::string target;
  std::string verdict;  // "met", "MISSED by 12%", "skipped: ...", ""
};

struct Report {
  std::string date;
  MachineInfo machine;
  std::string mode;  // "full" or "quick"
  std::string command;
  std::vector<std::string> notes;  // Printed under the table.
  std::vector<StepResult> steps;
};

// The rows of one step, in plan order.
std::vector<ReportRow> ComputeRows(const StepResult& step);

// The table as Markdown, with the date, machine line and notes.
std::string FormatTable(const Report& report);

// Writes JSON and CSV (`base`.json, `base`.csv); returns false on failure.
bool WriteResults(const Report& report, const std::string& base);

// "21,345 events/s", "0.83×", "1.23 s", ...; without the unit when
// `with_unit` is false ("21,345", "0.83", "1.23").
std::string FormatValue(double value, const std::string& unit,
                        bool with_unit = true);

}  // namespace bench

#endif  // BENCH_RUNNER_REPORT_H_
