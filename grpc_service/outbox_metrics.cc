#include "grpc_service/outbox_metrics.h"

#include <algorithm>
#include <chrono>

namespace outbox::grpc_service {
namespace {

// Close enough to the process's start: static initialisation runs first.
const std::chrono::system_clock::time_point kProcessStart =
    std::chrono::system_clock::now();

constexpr const char* kCodeNames[] = {"OK",
                                      "CANCELLED",
                                      "UNKNOWN",
                                      "INVALID_ARGUMENT",
                                      "DEADLINE_EXCEEDED",
                                      "NOT_FOUND",
                                      "ALREADY_EXISTS",
                                      "PERMISSION_DENIED",
                                      "RESOURCE_EXHAUSTED",
                                      "FAILED_PRECONDITION",
                                      "ABORTED",
                                      "OUT_OF_RANGE",
                                      "UNIMPLEMENTED",
                                      "INTERNAL",
                                      "UNAVAILABLE",
                                      "DATA_LOSS",
                                      "UNAUTHENTICATED"};

std::string CodeName(grpc::StatusCode code) {
  int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kCodeNames[i] : "UNKNOWN";
}

constexpr const char* kResultNames[] = {
    "ok",          "duplicate",         "invalid", "resource_exhausted",
    "unavailable", "deadline_exceeded", "error"};

// The drainer's verdicts (response_class.h), so that every outcome has a
// series from the start; an unknown one still gets its own when it appears.
constexpr const char* kVerdicts[] = {"delivered", "split",     "dead",
                                     "retry",     "throttled", "bad_key"};

constexpr const char* kStates[] = {"pending", "in_flight", "delivered", "dead",
                                   "expired"};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// 0.5 ms to ~16 s: an enqueue waits for one shared fsync.
std::vector<double> EnqueueBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
}

// 5 ms to 60 s: request_timeout_ms defaults to 30 s.
std::vector<double> RequestBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

// Up to the API's 1000 events per request.
std::vector<double> BatchBuckets() {
  return {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000};
}

}  // namespace

OutboxMetrics::OutboxMetrics(const BuildInfo& build, const Clock* clock)
    : clock_(clock) {
  enqueue_calls_ = &registry_.AddCounter(
      "outbox_enqueue_calls_total",
      "Enqueue RPCs finished, by gRPC status code.", {"code"});
  for (grpc::StatusCode code :
       {grpc::StatusCode::OK, grpc::StatusCode::INVALID_ARGUMENT,
        grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::UNAVAILABLE}) {
    EnqueueCalls(code);
  }
  Family<Counter>& events = registry_.AddCounter(
      "outbox_enqueue_events_total",
      "Events in finished Enqueue RPCs, by result: ok (newly stored), "
      "duplicate (already stored), or the call's error.",
      {"result"});
  for (int r = 0; r < kResultCount; ++r) {
    enqueue_events_[r] = &events.WithLabels({kResultNames[r]});
  }
  enqueue_duration_ =
      &registry_
           .AddHistogram("outbox_enqueue_duration_seconds",
                         "Enqueue RPC latency, from the handler to the answer "
                         "(durable on OK).",
                         {}, EnqueueBuckets())
           .WithLabels({});
  admin_calls_ = &registry_.AddCounter(
      "outbox_admin_calls_total",
      "Admin RPCs finished, by method and gRPC status code.",
      {"method", "code"});
  request_duration_ = &registry_.AddHistogram(
      "outbox_delivery_request_duration_seconds",
      "Conversions API request latency, by the drainer's verdict on the "
      "answer (key probes excluded).",
      {"outcome"}, RequestBuckets());
  // Only the common outcome is made up front (each series is 16 lines);
  // the others appear when first seen.
  duration_by_verdict_["delivered"] =
      &request_duration_->WithLabels({"delivered"});
  request_events_ = &registry_
                         .AddHistogram("outbox_delivery_request_events",
                                       "Events per Conversions API request.",
                                       {}, BatchBuckets())
                         .WithLabels({});
  collect_errors_ = &registry_.AddCounter(
      "outbox_metrics_collect_errors_total",
      "Scrapes that could not read the outbox's stats (those metrics were "
      "left out).");
  collect_errors_->WithLabels({});
  AddStaticFamilies(build);
}

void OutboxMetrics::AddStaticFamilies(const BuildInfo& build) {
  std::string version = build.version, commit = build.commit;
  double start =
      std::chrono::duration<double>(kProcessStart.time_since_epoch()).count();
  registry_.AddCollector([version, commit,
                          start](std::vector<MetricFamily>* out) {
    MetricFamily info = GaugeFamily(
        "outbox_build_info", "Always 1; the labels say which build runs.", 1);
    info.samples[0].labels = {{"version", version}, {"commit", commit}};
    out->push_back(std::move(info));
    out->push_back(GaugeFamily("process_start_time_seconds",
                               "Start time of the process since the Unix "
                               "epoch, in seconds.",
                               start));
  });
}

Counter& OutboxMetrics::EnqueueCalls(grpc::StatusCode code) {
  int i = std::clamp(static_cast<int>(code), 0, 16);
  Counter* counter = enqueue_calls_by_code_[i].load(std::memory_order_acquire);
  if (counter == nullptr) {  // First call with this code: look it up once.
    counter = &enqueue_calls_->WithLabels({CodeName(code)});
    enqueue_calls_by_code_[i].store(counter, std::memory_order_release);
  }
  return *counter;
}

OutboxMetrics::EventResult OutboxMetrics::ResultOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kOk;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return kInvalid;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return kResourceExhausted;
    case grpc::StatusCode::UNAVAILABLE:
      return kUnavailable;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kDeadlineExceeded;
    default:
      return kError;
  }
}

void OutboxMetrics::OnEnqueue(grpc::StatusCode code, size_t events,
                              size_t duplicates,
                              std::chrono::steady_clock::duration latency) {
  EnqueueCalls(code).Increment();
  EventResult result = ResultOf(code);
  if (result == kOk) {
    enqueue_events_[kOk]->Increment(events - std::min(events, duplicates));
    enqueue_events_[kDuplicate]->Increment(duplicates);
  } else {
    enqueue_events_[result]->Increment(events);
  }
  enqueue_duration_->Observe(Seconds(latency));
}

void OutboxMetrics::OnAdminCall(std::string_view method,
                                grpc::StatusCode code) {
  admin_calls_->WithLabels({std::string(method), CodeName(code)}).Increment();
}

Histogram& OutboxMetrics::RequestDuration(std::string_view verdict) {
  auto it = duration_by_verdict_.find(verdict);
  if (it != duration_by_verdict_.end()) return *it->second;
  return request_duration_->WithLabels({std::string(verdict)});
}

void OutboxMetrics::OnDeliveryRequest(const RequestOutcome& outcome) {
  if (outcome.probe) return;
  RequestDuration(outcome.verdict).Observe(Seconds(outcome.latency));
  request_events_->Observe(static_cast<double>(outcome.events));
}

RequestObserver OutboxMetrics::DeliveryObserver() {
  return [this](const RequestOutcome& outcome) { OnDeliveryRequest(outcome); };
}

void OutboxMetrics::AttachSources(const Outbox* outbox,
                                  const Drainer* drainer) {
  if (outbox != nullptr) {
    registry_.AddCollector([this, outbox](std::vector<MetricFamily>* out) {
      CollectOutbox(*outbox, out);
    });
  }
  if (drainer != nullptr) {
    registry_.AddCollector([this, drainer](std::vector<MetricFamily>* out) {
      CollectDrainer(*drainer, out);
    });
  }
}

void OutboxMetrics::CollectOutbox(const Outbox& outbox,
                                  std::vector<MetricFamily>* out) {
  StatusOr<Stats> stats = outbox.GetStats();
  if (!stats.ok()) {
    collect_errors_->WithLabels({}).Increment();
    return;
  }
  MetricFamily events{"outbox_events",
                      "Events stored, by state (per pixel: Admin GetStats).",
                      MetricType::kGauge,
                      {}};
  const uint64_t counts[] = {stats->pending, stats->in_flight, stats->delivered,
                             stats->dead, stats->expired};
  for (size_t i = 0; i < 5; ++i) {
    events.samples.push_back({"outbox_events",
                              {{"state", kStates[i]}},
                              static_cast<double>(counts[i])});
  }
  out->push_back(std::move(events));
  double age_s = 0;
  if (stats->oldest_pending_timestamp_ms != 0) {
    age_s = std::max<int64_t>(
                0, clock_->NowMs() - stats->oldest_pending_timestamp_ms) /
            1000.0;
  }
  out->push_back(GaugeFamily(
      "outbox_oldest_pending_age_seconds",
      "Age of the oldest PENDING event (from its event timestamp); 0 when "
      "none is pending.",
      age_s));
  out->push_back(GaugeFamily("outbox_pixels",
                             "Pixels with at least one stored event.",
                             static_cast<double>(stats->pixels.size())));
  out->push_back(GaugeFamily("outbox_storage_bytes",
                             "Disk space used by the database.",
                             static_cast<double>(stats->disk_bytes)));
  if (outbox.options().max_disk_bytes > 0) {
    out->push_back(GaugeFamily(
        "outbox_storage_quota_bytes",
        "The configured disk quota (max_disk_bytes); Enqueue answers "
        "RESOURCE_EXHAUSTED beyond it.",
        static_cast<double>(outbox.options().max_disk_bytes)));
  }
}

void OutboxMetrics::CollectDrainer(const Drainer& drainer,
                                   std::vector<MetricFamily>* out) {
  DrainerStats stats = drainer.GetStats();
  MetricFamily requests{"outbox_delivery_requests_total",
                        "Conversions API requests answered, by the drainer's "
                        "verdict (delivered, split, dead, retry, throttled, "
                        "bad_key).",
                        MetricType::kCounter,
                        {}};
  std::map<std::string, uint64_t> by_verdict = stats.requests_by_verdict;
  for (const char* verdict : kVerdicts) by_verdict.emplace(verdict, 0);
  for (const auto& [verdict, count] : by_verdict) {
    requests.samples.push_back(
        {requests.name, {{"outcome", verdict}}, static_cast<double>(count)});
  }
  out->push_back(std::move(requests));
  auto counter = [out](const char* name, const char* help, uint64_t value) {
    out->push_back(CounterFamily(name, help, static_cast<double>(value)));
  };
  counter("outbox_events_delivered_total",
          "Events the API accepted, recorded DELIVERED.",
          stats.events_delivered);
  counter("outbox_events_dead_total", "Events the API rejected for good.",
          stats.events_dead);
  counter("outbox_events_expired_total",
          "Events that grew too old to send (7-day limit).",
          stats.events_expired);
  counter("outbox_events_retried_total",
          "Events put back to PENDING after a failed or throttled request.",
          stats.events_retried);
  counter("outbox_delivery_accepted_mismatches_total",
          "2xx answers whose accepted_events differed from the events sent.",
          stats.accepted_mismatches);
  counter("outbox_delivery_outcome_write_failures_total",
          "Delivery outcomes that could not be written (retried later).",
          stats.outcome_write_failures);
  size_t in_flight = 0, paused = 0, key_rejected = 0;
  for (const PixelDeliveryStatus& p : stats.pixels) {
    in_flight += p.requests_in_flight;
    paused += p.paused ? 1 : 0;
    key_rejected += p.key_rejected ? 1 : 0;
  }
  out->push_back(GaugeFamily("outbox_delivery_requests_in_flight",
                             "Conversions API requests awaiting an answer.",
                             static_cast<double>(in_flight)));
  out->push_back(GaugeFamily("outbox_paused_pixels",
                             "Pixels whose delivery an operator paused.",
                             static_cast<double>(paused)));
  out->push_back(GaugeFamily("outbox_key_rejected_pixels",
                             "Pixels waiting for a valid API key (401/403).",
                             static_cast<double>(key_rejected)));
}

}  // namespace outbox::grpc_service
