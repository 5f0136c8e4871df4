// A gRPC load client for outbox.v1.Outbox/Enqueue: a closed loop with a
// fixed number of calls in flight, on the callback API, over one or more
// channels (TCP or unix socket). The same client drives outboxd and the
// no-op ceiling server, so their ratio compares the servers alone.
#ifndef BENCH_HARNESS_GRPC_LOAD_H_
#define BENCH_HARNESS_GRPC_LOAD_H_

#include <string>

#include "bench/harness/metrics.h"
#include "outbox/status.h"

namespace bench {

struct GrpcLoadShape {
  std::string address;  // "127.0.0.1:PORT" or "unix:PATH".
  int concurrency = 1;
  int events_per_call = 1;
  double seconds = 5;
  double warmup_seconds = 0.5;
  // Separate HTTP/2 connections the calls are spread over.
  int channels = 1;
  int pixels = 4;
  std::string id_prefix = "g";
};

// Runs the loop and returns events_per_s, calls_per_s, p50/p99/p999_ms,
// failures (and the first failure's message in `*error` when non-null).
Metrics RunGrpcLoad(const GrpcLoadShape& shape, std::string* error);

// Calls Enqueue with one event (waiting for the server to be ready) until a
// call succeeds or `timeout_s` passes; returns the seconds that took.
outbox::StatusOr<double> TimeToFirstEnqueue(const std::string& address,
                                            double timeout_s);

// Pauses delivery of every pixel through the Admin service, so that an
// enqueue measurement is not sharing the CPU with deliveries.
outbox::Status PauseAllDelivery(const std::string& address);

}  // namespace bench

#endif  // BENCH_HARNESS_GRPC_LOAD_H_
