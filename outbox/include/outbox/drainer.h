// Drainer: moves stored events to the Conversions API, once per key.
//
// It batches each pixel's due records (earliest deadline first), marks them
// IN_FLIGHT (a lease, with a synced note of the batch's keys so that a
// restart knows what was being sent), posts them through a Transport, and
// records each outcome durably:
//
//   2xx          -> DELIVERED
//   400/413/422  -> the batch is halved until the bad event(s) are alone;
//                   the good halves are delivered, a lone bad event is DEAD
//   other 4xx    -> DEAD (unless listed in retryable_statuses)
//   5xx, 408, network failure
//                -> PENDING again after exponential backoff with full
//                   jitter, persisted in the record
//   429          -> the pixel waits for Retry-After (or backoff); no attempt
//                   is counted
//   401/403      -> the pixel is paused, its events kept PENDING, until the
//                   keys are reloaded or a validate_only probe succeeds
//
// Events too close to the API's 7-day limit become EXPIRED instead of being
// sent (one such event would fail its whole batch).
//
// Ownership: the Drainer borrows the Outbox and the Transport; both must
// outlive it. Thread-safety: all methods are thread-safe. Start() runs the
// delivery loop on a thread the Drainer owns; tests call RunOnce() instead.
#ifndef OUTBOX_DRAINER_H_
#define OUTBOX_DRAINER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "outbox/outbox.h"
#include "outbox/status.h"
#include "outbox/transport.h"

namespace outbox {

enum class LogLevel { kDebug, kInfo, kWarning, kError };
// Receives the drainer's log lines. Lines never contain an API key or raw
// personal data. Called from several threads.
using LogSink = std::function<void(LogLevel, const std::string&)>;

// Conversions API keys: a default and optional per-pixel overrides.
struct ApiKeys {
  std::string default_key;
  std::map<std::string, std::string> per_pixel;

  // The key to use for `pixel_id`.
  const std::string& For(const std::string& pixel_id) const {
    auto it = per_pixel.find(pixel_id);
    return it == per_pixel.end() ? default_key : it->second;
  }
};

// One API request whose answer has arrived, as told to
// DrainerOptions::on_request. Carries no API key and no event data.
struct RequestOutcome {
  std::string_view pixel_id;
  // The verdict on the answer: "delivered", "split", "dead", "retry",
  // "throttled" or "bad_key" (see the table at the top of this file).
  std::string_view verdict;
  size_t events = 0;    // Events in the request.
  int http_status = 0;  // 0: no answer (timeout, connection failure).
  bool probe = false;   // A validate_only probe of a refused key.
  // From handing the request to the transport to its answer, on the steady
  // clock (real time, whatever Options::clock says).
  std::chrono::steady_clock::duration latency{};
};
using RequestObserver = std::function<void(const RequestOutcome&)>;

struct DrainerOptions {
  // Events per request. Default: 1000 (the API's limit).
  size_t batch_max_events = 1000;
  // Sum of event sizes per request: a batch that is larger goes in several
  // requests. Default: 4 MiB.
  size_t batch_max_bytes = 4 << 20;
  // How long a partial batch may wait for more events; also the longest
  // the loop sleeps between passes. Default: 100.
  int64_t batch_linger_ms = 100;
  // Requests in flight at once, over all pixels, each counted from its
  // batch's claim to its answer (not while its outcome is being written).
  // Default: 16.
  size_t max_concurrent_requests = 16;
  // The same, for one pixel. Default: 2.
  size_t max_requests_per_pixel = 2;
  // Backoff after a retryable failure: full jitter over
  // [0, min(retry_max_ms, retry_initial_ms * 2^(attempt-1))].
  // Defaults: 1000 and 300000 (5 minutes).
  int64_t retry_initial_ms = 1000;
  int64_t retry_max_ms = 5 * 60 * 1000;
  // Longest Retry-After honoured. Default: 600000 (10 minutes).
  int64_t retry_after_max_ms = 10 * 60 * 1000;
  // How often a pixel whose key was refused is probed with validate_only.
  // Default: 60000.
  int64_t key_probe_interval_ms = 60 * 1000;
  // 4xx statuses to retry instead of marking DEAD. Default: none (408 and
  // 429 are always retried).
  std::set<int> retryable_statuses;
  // Response body bytes kept in each attempt. Default: 512.
  size_t max_body_excerpt_bytes = 512;
  // Where log lines go. Default: stderr.
  LogSink log;
  // Seed for backoff jitter; 0 picks a random one. Default: 0.
  uint64_t jitter_seed = 0;
  // Told about every request once its answer is classified, before the
  // outcome is written; for metrics. Called on the transport's thread (many
  // at once), with no Drainer lock held: it must be quick, must not block,
  // and must not keep the string_views. Default: none.
  RequestObserver on_request;
};

struct PixelDeliveryStatus {
  std::string pixel_id;
  bool paused = false;          // By an operator (Pause).
  bool key_rejected = false;    // 401/403; waiting for a key reload/probe.
  std::string key_rejected_reason;
  // No request before this time: after a 429, or after a retryable failure
  // (until the failed batch is due again).
  int64_t deferred_until_ms = 0;
  uint32_t consecutive_failures = 0;
  size_t requests_in_flight = 0;
};

struct DrainerStats {
  uint64_t requests = 0;
  std::map<std::string, uint64_t> requests_by_verdict;  // "delivered", ...
  uint64_t events_delivered = 0;
  uint64_t events_dead = 0;
  uint64_t events_expired = 0;
  uint64_t events_retried = 0;      // Back to PENDING after a failure.
  uint64_t accepted_mismatches = 0;  // 2xx whose accepted_events differed.
  uint64_t outcome_write_failures = 0;
  std::vector<PixelDeliveryStatus> pixels;  // Pixels with any state.
};

class Drainer {
 public:
  Drainer(Outbox& outbox, Transport& transport, ApiKeys keys,
          DrainerOptions options);
  // Stops (see Stop).
  ~Drainer();

  // Starts the delivery loop thread. Calling it twice does nothing.
  void Start();
  // Stops claiming new batches and waits until every request in flight has
  // its outcome recorded. Bounded by the transport's request timeout.
  void Stop();

  // One delivery pass (promote due retries, expire, claim and send), then
  // waits until every request it started has its outcome durably recorded.
  // Returns the first storage error met, if any. For tests and tools; do
  // not mix with Start().
  Status RunOnce();

  // Replaces the API keys (e.g. on SIGHUP). Pixels paused for a refused key
  // are resumed.
  void SetApiKeys(ApiKeys keys);

  // Stops / restarts delivery for `pixel_id` ("" = every pixel; resuming ""
  // also lifts every single pixel's pause). The pause is recorded durably in
  // the outbox, so it survives restarts. Paused pixels still expire events
  // that grow too old. Errors: the storage error that kept it from disk.
  Status Pause(const std::string& pixel_id);
  Status Resume(const std::string& pixel_id);

  DrainerStats GetStats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace outbox

#endif  // OUTBOX_DRAINER_H_
