// The measurements. Each trial runs once, in its own process, and returns
// its figures; the runner repeats trials, interleaves the ones it compares
// and summarizes them.
//
// Every trial receives, besides its own parameters:
//   work_dir      a fresh scratch directory, removed after the trial
//   shared_dir    the run's directory (fixtures live under it)
//   capi_url      fake-capi's events URL, when the step needs fake-capi
//   capi_pid      its pid (to measure its CPU time)
//   pg            a libpq connection string, when the step needs PostgreSQL
#ifndef BENCH_TRIALS_TRIALS_H_
#define BENCH_TRIALS_TRIALS_H_

#include <string>
#include <vector>

#include "bench/harness/metrics.h"
#include "bench/harness/params.h"
#include "outbox/status.h"

namespace bench {

using TrialFn = outbox::StatusOr<Metrics> (*)(const Params&);

struct TrialInfo {
  std::string name;
  TrialFn run;
};

// Every trial, by name.
const std::vector<TrialInfo>& AllTrials();

// Raw RocksDB synced writes. threads, batch (events per write), seconds.
outbox::StatusOr<Metrics> RocksDbCeilingTrial(const Params& p);
// Outbox::EnqueueAsync shapes. concurrency, events_per_call, seconds;
// optional fixture_events/fixture_pixels/fixture_delivered to enqueue on
// top of stored records (the scale step).
outbox::StatusOr<Metrics> InProcessEnqueueTrial(const Params& p);
// Drainer + CurlTransport into fake-capi. events, pixels; optional
// base_events (delivered records already stored: the scale step).
outbox::StatusOr<Metrics> DrainTrial(const Params& p);
// libcurl POSTs of a 1,000-event body to fake-capi. connections, seconds.
outbox::StatusOr<Metrics> CurlCeilingTrial(const Params& p);
// PostgreSQL outbox: mode=enqueue (concurrency, events_per_call, seconds)
// or mode=drain (events, workers).
outbox::StatusOr<Metrics> PostgresTrial(const Params& p);
// SQLite outbox (WAL, synchronous=FULL): as PostgresTrial.
outbox::StatusOr<Metrics> SqliteTrial(const Params& p);
// gRPC load against server=noop|outboxd over transport=tcp|unix.
// concurrency, events_per_call, seconds; fixture_* as for in-process.
// With address=HOST:PORT|unix:PATH, drives that running server instead.
outbox::StatusOr<Metrics> GrpcEnqueueTrial(const Params& p);
// Time from Outbox::Open to the first durable enqueue with `events` pending.
outbox::StatusOr<Metrics> RecoveryTrial(const Params& p);
// Time from starting outboxd to its first successful Enqueue, with `events`
// pending in its data directory.
outbox::StatusOr<Metrics> OutboxdRecoveryTrial(const Params& p);

}  // namespace bench

#endif  // BENCH_TRIALS_TRIALS_H_
