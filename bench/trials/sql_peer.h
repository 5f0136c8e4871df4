// What the two SQL peers (PostgreSQL and SQLite) share: the classic
// transactional-outbox table, the rows they store (the outbox's own event
// JSON, so every side moves the same bytes) and the timing of a closed loop
// of insert calls.
#ifndef BENCH_TRIALS_SQL_PEER_H_
#define BENCH_TRIALS_SQL_PEER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/harness/metrics.h"
#include "bench/harness/params.h"

namespace bench {

// One row: the dedup key, the event JSON and its deadline.
struct PeerRow {
  std::string pixel_id;
  std::string event_name;
  std::string id;
  std::string payload;
  int64_t deadline_ms = 0;
};

// `count` rows with ids <prefix><first>..., on one pixel unless `pixels`.
std::vector<PeerRow> MakeRows(const std::string& prefix, uint64_t first,
                              int count, int pixels = 4);

// Runs `call(worker, n)` (one insert transaction of events_per_call rows;
// returns false on failure) from `concurrency` threads for `seconds` after
// a warm-up, and reports events_per_s, calls_per_s, latency quantiles and
// failures as RunEnqueueLoad does.
Metrics RunPeerEnqueueLoop(
    int concurrency, int events_per_call, double seconds,
    const std::function<bool(int worker, uint64_t call)>& call);

// Runs `batch(worker)` (claim, post and mark at most 1,000 rows; returns
// rows handled, 0 when the table is drained, -1 on failure) from `workers`
// threads until every worker sees an empty table. Reports events_per_s and
// seconds; `error` names the first failure.
Metrics RunPeerDrainLoop(int workers,
                         const std::function<long(int worker)>& batch,
                         std::string* error);

}  // namespace bench

#endif  // BENCH_TRIALS_SQL_PEER_H_
