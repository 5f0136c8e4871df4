// Drives an in-process Outbox the way the measurements need: a closed loop
// of enqueue calls with a fixed number in flight, a bulk fill, and a drain
// of the whole backlog into fake-capi.
#ifndef BENCH_HARNESS_OUTBOX_LOAD_H_
#define BENCH_HARNESS_OUTBOX_LOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "bench/harness/metrics.h"
#include "outbox/drainer.h"
#include "outbox/outbox.h"

namespace bench {

struct LoadShape {
  int concurrency = 1;  // Calls in flight at every moment.
  int events_per_call = 1;
  double seconds = 5;  // Measured time, after the warm-up.
  double warmup_seconds = 0.5;
  int pixels = 4;               // Events are spread over this many pixels.
  std::string id_prefix = "e";  // Ids are <prefix><n>: unique per trial.
};

// Runs `shape` against `box` with EnqueueAsync, as a server on the gRPC
// callback API does: one or two issuing threads keep `concurrency` calls in
// flight; each call's latency runs from the call to its durable completion.
// Adds events_per_s, calls_per_s, p50/p99/p999_ms, cpu_us_per_event (this
// process's CPU: validation, encoding, RocksDB) and failures to `metrics`.
void RunEnqueueLoad(outbox::Outbox& box, const LoadShape& shape,
                    Metrics* metrics);

// Stores `count` new pending events (ids <id_prefix><n>) over `pixels`
// pixels, in calls of 1,000 from two threads, printing progress to stderr.
outbox::Status FillOutbox(outbox::Outbox& box, uint64_t count, int pixels,
                          const std::string& id_prefix);

struct DrainOutcome {
  double seconds = 0;  // Drainer start to the last outcome recorded.
  uint64_t delivered = 0;
  uint64_t requests = 0;
  double self_cpu_seconds = 0;  // This process: drainer, curl, RocksDB.
  double capi_cpu_seconds = 0;  // fake-capi, when its pid is given.
};

// Delivers `expected` pending events of `box` into fake-capi at `capi_url`
// with a Drainer and the libcurl transport (batches of 1,000). Returns
// DEADLINE_EXCEEDED-like UNAVAILABLE if they are not all delivered within
// `timeout_s`, or if any becomes DEAD.
outbox::StatusOr<DrainOutcome> DrainAll(outbox::Outbox& box,
                                        const std::string& capi_url,
                                        uint64_t expected, pid_t capi_pid,
                                        double timeout_s);

}  // namespace bench

#endif  // BENCH_HARNESS_OUTBOX_LOAD_H_
