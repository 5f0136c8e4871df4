// Metrics: the flat name -> number map one trial reports, and the small
// statistics the runner computes over repeated trials.
//
// A trial runs in its own process and prints its Metrics as one JSON object
// on the last line of stdout; the runner parses it back. Keeping the format
// flat (no nesting) keeps both sides trivial.
#ifndef BENCH_HARNESS_METRICS_H_
#define BENCH_HARNESS_METRICS_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace bench {

using Metrics = std::map<std::string, double>;

// {"name":1.5,...}; numbers are printed with enough digits to round-trip.
std::string MetricsToJson(const Metrics& metrics);

// Parses what MetricsToJson wrote. Returns false (and leaves `out` in an
// unspecified state) on anything else.
bool MetricsFromJson(const std::string& json, Metrics* out);

// Median and range of one figure over repeated runs.
struct Summary {
  double median = 0;
  double min = 0;
  double max = 0;
  size_t n = 0;
};

// Summarizes `samples`; all zero when empty.
Summary Summarize(std::vector<double> samples);

// The p-quantile (0 <= p <= 1) of `sorted` by the nearest-rank rule; 0 when
// empty. Requires `sorted` in ascending order.
double Quantile(const std::vector<double>& sorted, double p);

// Adds p50/p99/p999 of `latencies_ms` (sorted here) to `metrics` as
// "<prefix>p50_ms", ...
void AddLatencyQuantiles(std::vector<double> latencies_ms,
                         const std::string& prefix, Metrics* metrics);

}  // namespace bench

#endif  // BENCH_HARNESS_METRICS_H_
