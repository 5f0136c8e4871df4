// The delivery engine. One loop thread (or RunOnce) schedules: it promotes
// due retries, and for each pixel with work claims a batch and hands it to
// the reader thread, which reads the records and hands them to the
// transport (so the loop's next claim overlaps this one's reading).
// Responses arrive on the transport's thread, which decides the verdict and
// queues the outcome write; the answer frees the pixel's slot for its next
// batch, whose claim then queues behind that write (RunOnce and Stop wait
// for both). So a slow pixel holds only its own slots.
#include <cstdio>

#include "outbox/drainer.h"
#include "outbox/src/claim.h"
#include "outbox/src/crash_point.h"
#include "outbox/src/drainer_impl.h"
#include "outbox/src/event_json.h"
#include "outbox/src/record_ops.h"
#include "outbox/src/response_class.h"
#include "outbox/src/retry_policy.h"
#include "outbox/src/storage_keys.h"
#include "outbox/src/store.h"

namespace outbox {
namespace {

constexpr size_t kMaxPromotionsPerPass = 10000;
constexpr int64_t kExpiryCheckIntervalMs = 1000;

void LogToStderr(LogLevel level, const std::string& line) {
  static const char* const kNames[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
  std::fprintf(stderr, "outbox drainer %s: %s\n",
               kNames[static_cast<int>(level)], line.c_str());
}

std::string Body(const Batch& batch) {
  std::vector<std::string_view> events;
  events.reserve(batch.records.size());
  for (const Record& r : batch.records) events.push_back(r.event_json);
  return BuildRequestBody(events, batch.is_probe);
}

}  // namespace

Drainer::Impl::Impl(Outbox& o, Transport& t, ApiKeys k, DrainerOptions opts)
    : outbox(o),
      store(o.store()),
      transport(t),
      options(std::move(opts)),
      clock(o.options().clock ? o.options().clock : SystemClock()),
      keys(std::move(k)),
      rng(options.jitter_seed ? options.jitter_seed : std::random_device{}()) {
  if (!options.log) options.log = LogToStderr;
  // Operator pauses survive restarts.
  StatusOr<std::vector<std::string>> paused = outbox.PausedPixels();
  if (!paused.ok()) {
    Log(LogLevel::kError, "cannot read paused pixels: " +
                              paused.status().ToString());
    return;
  }
  for (const std::string& pixel_id : *paused) SetPausedLocked(pixel_id, true);
}

Drainer::Drainer(Outbox& outbox, Transport& transport, ApiKeys keys,
                 DrainerOptions options)
    : impl_(std::make_unique<Impl>(outbox, transport, std::move(keys),
                                   std::move(options))) {
  impl_->reader = std::thread([impl = impl_.get()] { impl->ReaderLoop(); });
}

Drainer::~Drainer() { Stop(); }

void Drainer::Start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->thread.joinable() || impl_->stopping) return;
  impl_->thread = std::thread([impl = impl_.get()] { impl->Loop(); });
}

void Drainer::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->StopReader();  // After sending what it was given.
  impl_->WaitForIdle();
}

Status Drainer::RunOnce() {
  Status s = impl_->RunPass();
  impl_->WaitForIdle();
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (s.ok()) s = impl_->first_error;
  impl_->first_error = Status::Ok();
  return s;
}

void Drainer::SetApiKeys(ApiKeys keys) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->keys = std::move(keys);
  for (auto& [pixel_id, state] : impl_->pixels) {
    if (state.key_rejected) {
      state.key_rejected = false;
      impl_->Log(LogLevel::kInfo, "API keys reloaded; resuming pixel " +
                                      pixel_id);
    }
  }
  impl_->wake = true;
  impl_->cv.notify_all();
}

Status Drainer::Pause(const std::string& pixel_id) {
  OUTBOX_RETURN_IF_ERROR(impl_->outbox.SetDeliveryPaused(pixel_id, true));
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->SetPausedLocked(pixel_id, true);
  return Status::Ok();
}

Status Drainer::Resume(const std::string& pixel_id) {
  std::vector<std::string> targets = {pixel_id};
  if (pixel_id.empty()) {  // "Resume everything" lifts every pixel's pause.
    StatusOr<std::vector<std::string>> paused = impl_->outbox.PausedPixels();
    if (!paused.ok()) return paused.status();
    targets.insert(targets.end(), paused->begin(), paused->end());
  }
  for (const std::string& target : targets) {
    OUTBOX_RETURN_IF_ERROR(impl_->outbox.SetDeliveryPaused(target, false));
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->SetPausedLocked(pixel_id, false);
  impl_->wake = true;
  impl_->cv.notify_all();
  return Status::Ok();
}

void Drainer::Impl::SetPausedLocked(const std::string& pixel_id, bool paused) {
  if (!pixel_id.empty()) {
    pixels[pixel_id].paused = paused;
    return;
  }
  all_paused = paused;
  if (!paused) {
    for (auto& [id, state] : pixels) state.paused = false;
  }
}

DrainerStats Drainer::GetStats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  DrainerStats stats = impl_->stats;
  for (const auto& [pixel_id, state] : impl_->pixels) {
    stats.pixels.push_back({pixel_id, state.paused || impl_->all_paused,
                            state.key_rejected, state.key_rejected_reason,
                            state.deferred_until_ms,
                            state.consecutive_failures,
                            state.requests_in_flight});
  }
  return stats;
}

void Drainer::Impl::Loop() {
  for (;;) {
    Status s = RunPass();
    if (!s.ok()) Log(LogLevel::kError, "delivery pass failed: " + s.ToString());
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(options.batch_linger_ms),
                [this] { return stopping || wake; });
    wake = false;
    if (stopping) return;
  }
}

void Drainer::Impl::WaitForIdle() {
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [this] {
    return requests_in_flight == 0 && outcomes_being_written == 0;
  });
}

Status Drainer::Impl::RunPass() {
  int64_t now = clock->NowMs();
  std::vector<Store::Op> rewrite;
  {
    std::lock_guard<std::mutex> lock(mu);
    rewrite.swap(failed_outcomes);
  }
  for (Store::Op& op : rewrite) {  // Outcomes a full disk kept from disk.
    Status s = store.Commit(op);
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      failed_outcomes.push_back(std::move(op));
    }
  }
  size_t promoted = 0;
  OUTBOX_RETURN_IF_ERROR(store.Commit([&](WriteTxn& txn) {
    return PromoteRetriesOp(txn, now, kMaxPromotionsPerPass, &promoted);
  }));
  std::vector<std::string> with_work;
  for (const auto& [key, count] : store.Counters()) {
    if (key.first == State::kPending && count > 0) {
      with_work.push_back(key.second);
    }
  }
  size_t start;
  {
    std::lock_guard<std::mutex> lock(mu);
    start = rotation++;  // Rotate so no pixel always goes last.
  }
  for (size_t i = 0; i < with_work.size(); ++i) {
    OUTBOX_RETURN_IF_ERROR(
        ServePixel(with_work[(start + i) % with_work.size()], now));
  }
  return Status::Ok();
}

bool Drainer::Impl::MayClaim(const std::string& pixel_id, int64_t now) {
  std::lock_guard<std::mutex> lock(mu);
  if (stopping) return false;
  PixelState& p = pixels[pixel_id];
  return !all_paused && !p.paused && !p.key_rejected &&
         p.deferred_until_ms <= now &&
         p.requests_in_flight < options.max_requests_per_pixel &&
         requests_in_flight < options.max_concurrent_requests;
}

Status Drainer::Impl::ServePixel(const std::string& pixel_id, int64_t now) {
  while (MayClaim(pixel_id, now)) {
    ClaimRequest request{pixel_id, options.batch_max_events, now,
                         outbox.options().expiry_margin_ms};
    StatusOr<Claim> claim = ClaimKeys(store, request);
    if (!claim.ok()) return claim.status();
    const bool full = claim->keys.size() >= options.batch_max_events;
    {
      std::lock_guard<std::mutex> lock(mu);
      stats.events_expired += claim->expired;
      if (claim->keys.empty()) {
        // None due, or only records too old to send, which the claim
        // expired (a bounded number per call: look again for more).
        if (claim->expired == 0) return Status::Ok();
        continue;
      }
      // The claim holds a request slot until the reader has sent it.
      requests_in_flight++;
      pixels[pixel_id].requests_in_flight++;
      to_read.push_back(
          {pixel_id, std::move(*claim), now, keys.For(pixel_id), full});
    }
    reader_cv.notify_one();
    if (!full) return Status::Ok();  // Partial: let it linger for more.
  }
  // Not claiming (paused, deferred, at capacity): still expire what grows
  // too old, and probe a refused key now and then.
  bool check_expiry;
  {
    std::lock_guard<std::mutex> lock(mu);
    PixelState& p = pixels[pixel_id];
    check_expiry = p.next_expiry_check_ms <= now;
    if (check_expiry) p.next_expiry_check_ms = now + kExpiryCheckIntervalMs;
  }
  if (check_expiry) {
    size_t expired = 0;
    OUTBOX_RETURN_IF_ERROR(store.Commit([&](WriteTxn& txn) {
      return ExpireDueOp(txn, pixel_id, now, outbox.options().expiry_margin_ms,
                         &expired);
    }));
    std::lock_guard<std::mutex> lock(mu);
    stats.events_expired += expired;
  }
  MaybeProbe(pixel_id, now);
  return Status::Ok();
}

void Drainer::Impl::ReaderLoop() {
  for (;;) {
    ClaimToSend job;
    {
      std::unique_lock<std::mutex> lock(mu);
      reader_cv.wait(lock,
                     [this] { return reader_stopping || !to_read.empty(); });
      if (to_read.empty()) return;  // Stopping, and everything was sent.
      job = std::move(to_read.front());
      to_read.pop_front();
    }
    ReadAndSend(std::move(job));
  }
}

void Drainer::Impl::StopReader() {
  {
    std::lock_guard<std::mutex> lock(mu);
    reader_stopping = true;
  }
  reader_cv.notify_all();
  if (reader.joinable()) reader.join();
}

void Drainer::Impl::ReadAndSend(ClaimToSend job) {
  StatusOr<ClaimedBatch> read = ReadClaim(store, job.claim, job.claimed_ms);
  if (!read.ok()) {
    Log(LogLevel::kError, "pixel " + job.pixel_id +
                              ": cannot read the claimed events: " +
                              read.status().ToString());
    std::lock_guard<std::mutex> lock(mu);
    if (first_error.ok()) first_error = read.status();
  } else {
    for (std::vector<Record>& records :
         SplitByBytes(std::move(read->records), options.batch_max_bytes)) {
      Send(Batch{job.pixel_id, std::move(records), job.api_key, job.full,
                 false});
    }
  }
  Finish(job.pixel_id, false);  // The claim's slot; each Send took its own.
}

void Drainer::Impl::MaybeProbe(const std::string& pixel_id, int64_t now) {
  Batch probe{pixel_id, {}, "", false, true};
  {
    std::lock_guard<std::mutex> lock(mu);
    PixelState& p = pixels[pixel_id];
    if (stopping || !p.key_rejected || p.next_probe_ms > now) return;
    p.next_probe_ms = now + options.key_probe_interval_ms;
    probe.api_key = keys.For(pixel_id);
  }
  // Probe with a real pending event, so the API validates a real request.
  std::string first_due;
  store
      .Scan(IndexCf::kDue, PixelPrefix(pixel_id), "",
            [&](std::string_view key, std::string_view) {
              int64_t deadline;
              std::string_view record_key;
              if (ParseDueKey(key, &deadline, &record_key)) {
                first_due = record_key;
              }
              return false;
            })
      .IgnoreError();
  if (first_due.empty()) return;
  StatusOr<Record> record = store.Get(first_due);
  if (!record.ok()) return;
  probe.records.push_back(std::move(*record));
  Send(std::move(probe));
}

void Drainer::Impl::Send(Batch batch) {
  {
    std::lock_guard<std::mutex> lock(mu);
    requests_in_flight++;
    pixels[batch.pixel_id].requests_in_flight++;
    stats.requests++;
  }
  HttpRequest request{batch.pixel_id, batch.api_key, Body(batch)};
  int64_t started = clock->NowMs();
  OUTBOX_CRASH_POINT("drainer.before_send");  // Leased, nothing sent.
  const auto sent = std::chrono::steady_clock::now();
  transport.Send(std::move(request), [this, batch = std::move(batch), started,
                                      sent](HttpResponse r) {
    const Verdict verdict = ClassifyResponse(r, batch.records.size(),
                                             options.retryable_statuses);
    Report(batch, r, verdict, std::chrono::steady_clock::now() - sent);
    if (batch.is_probe) {
      OnProbeResponse(batch, r);
    } else {
      OnResponse(batch, started, r, verdict);
    }
  });
}

void Drainer::Impl::Report(const Batch& batch, const HttpResponse& response,
                           Verdict verdict,
                           std::chrono::steady_clock::duration latency) {
  if (!options.on_request) return;
  const size_t n = batch.records.size();
  RequestOutcome outcome;
  outcome.pixel_id = batch.pixel_id;
  outcome.verdict = VerdictName(verdict);
  outcome.events = n;
  outcome.http_status = response.status;
  outcome.probe = batch.is_probe;
  outcome.latency = latency;
  options.on_request(outcome);
}

int64_t Drainer::Impl::Backoff(uint32_t attempt) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::lock_guard<std::mutex> lock(mu);
  return BackoffDelayMs(attempt, options.retry_initial_ms,
                        options.retry_max_ms, unit(rng));
}

}  // namespace outbox
