// OutboxMetrics: outboxd's Prometheus metrics. It watches the gRPC services
// (as their ServiceObserver) and the Drainer's requests (through
// DrainerOptions::on_request), and reads counts from the Outbox and the
// Drainer at scrape time. All names start with "outbox_" except the
// standard process_start_time_seconds.
//
// Updated on the hot path (Enqueue's completion on the outbox's writer
// thread, each API answer on the transport's thread): counters and
// histograms looked up once, each update a few relaxed atomic adds.
// Computed at scrape time: events by state, oldest pending age, storage
// bytes, paused pixels, and the drainer's cumulative counts.
//
// Labels stay bounded: gRPC codes, admin method names, the drainer's
// verdicts, event states. No label carries a pixel id (pixel ids come from
// clients, so their number is not ours to bound; per-pixel counts are in
// Admin GetStats / `outboxctl stats`), and nothing carries an API key or
// event data.
//
//   OutboxMetrics metrics({"0.1.0", "abc1234"});
//   drainer_options.on_request = metrics.DeliveryObserver();
//   server_options.observer = &metrics;
//   metrics.AttachSources(&outbox, &drainer);  // both outlive the scrapes
//   std::string text = metrics.Render();
//
// Thread-safety: all methods are safe from any thread, except that
// AttachSources must be called once, before the first Render.
#ifndef OUTBOX_GRPC_SERVICE_OUTBOX_METRICS_H_
#define OUTBOX_GRPC_SERVICE_OUTBOX_METRICS_H_

#include <array>
#include <atomic>
#include <map>
#include <string>
#include <string_view>

#include "grpc_service/metrics_registry.h"
#include "grpc_service/service_observer.h"
#include "outbox/clock.h"
#include "outbox/drainer.h"
#include "outbox/outbox.h"

namespace outbox::grpc_service {

struct BuildInfo {
  std::string version;  // e.g. "0.1.0"
  std::string commit;   // Short git hash, or "unknown".
};

class OutboxMetrics final : public ServiceObserver {
 public:
  // `clock` gives "now" for the oldest pending age (default: the system
  // clock; not owned).
  explicit OutboxMetrics(const BuildInfo& build,
                         const Clock* clock = SystemClock());

  // ServiceObserver.
  void OnEnqueue(grpc::StatusCode code, size_t events, size_t duplicates,
                 std::chrono::steady_clock::duration latency) override;
  void OnAdminCall(std::string_view method, grpc::StatusCode code) override;

  // Records one API request's answer (what DrainerOptions::on_request
  // calls); probes count as requests but not in the batch size.
  void OnDeliveryRequest(const RequestOutcome& outcome);
  // OnDeliveryRequest as a DrainerOptions::on_request; `this` must outlive
  // the Drainer.
  RequestObserver DeliveryObserver();

  // Adds the scrape-time collectors over `outbox` and `drainer` (either may
  // be null: its metrics are left out). Both must outlive every Render.
  void AttachSources(const Outbox* outbox, const Drainer* drainer);

  // Every metric in the Prometheus text format 0.0.4.
  std::string Render() const { return registry_.Render(); }

 private:
  // Events of a finished Enqueue call, by what happened to them.
  enum EventResult {
    kOk,
    kDuplicate,
    kInvalid,
    kResourceExhausted,
    kUnavailable,
    kDeadlineExceeded,
    kError,
    kResultCount
  };
  static EventResult ResultOf(grpc::StatusCode code);

  Counter& EnqueueCalls(grpc::StatusCode code);
  Histogram& RequestDuration(std::string_view verdict);
  void AddStaticFamilies(const BuildInfo& build);
  void CollectOutbox(const Outbox& outbox, std::vector<MetricFamily>* out);
  void CollectDrainer(const Drainer& drainer, std::vector<MetricFamily>* out);

  const Clock* const clock_;
  MetricsRegistry registry_;
  Family<Counter>* enqueue_calls_ = nullptr;
  Family<Counter>* admin_calls_ = nullptr;
  Family<Histogram>* request_duration_ = nullptr;
  Family<Counter>* collect_errors_ = nullptr;
  // Series looked up once: indexed by grpc::StatusCode (0-16, filled on
  // first use) and EventResult; by verdict (fixed after construction; other
  // verdicts go through the family's lookup).
  std::array<std::atomic<Counter*>, 17> enqueue_calls_by_code_{};
  std::array<Counter*, kResultCount> enqueue_events_{};
  std::map<std::string, Histogram*, std::less<>> duration_by_verdict_;
  Histogram* enqueue_duration_ = nullptr;
  Histogram* request_events_ = nullptr;
};

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_OUTBOX_METRICS_H_
