// What each answer of the API leads to. Runs on the transport's thread;
// outcome writes are queued to the store's writer and never waited for
// here, so a slow disk does not stall the transport.
#include <algorithm>

#include "outbox/src/crash_point.h"
#include "outbox/src/drainer_impl.h"
#include "outbox/src/record_ops.h"
#include "outbox/src/response_class.h"
#include "outbox/src/retry_policy.h"
#include "outbox/src/storage_keys.h"

namespace outbox {

std::shared_ptr<const std::vector<Record>> ClaimedRecords(const Batch& batch) {
  auto claimed = std::make_shared<std::vector<Record>>();
  claimed->reserve(batch.records.size());
  for (const Record& r : batch.records) {
    claimed->push_back(r);
    claimed->back().event_json = std::string();
  }
  return claimed;
}

void Drainer::Impl::OnResponse(const Batch& batch, int64_t started_ms,
                               const HttpResponse& response, Verdict verdict) {
  const int64_t now = clock->NowMs();
  const size_t n = batch.records.size();
  const Attempt attempt = MakeAttempt(response, started_ms, n, batch.api_key,
                                      options.max_body_excerpt_bytes);
  const uint32_t history = outbox.options().max_attempt_history;
  auto claimed = ClaimedRecords(batch);
  {
    std::lock_guard<std::mutex> lock(mu);
    stats.requests_by_verdict[VerdictName(verdict)]++;
    PixelState& p = pixels[batch.pixel_id];
    p.consecutive_failures =
        verdict == Verdict::kRetry ? p.consecutive_failures + 1 : 0;
    if (verdict != Verdict::kThrottled) p.consecutive_throttles = 0;
  }
  switch (verdict) {
    case Verdict::kDelivered: {
      int64_t accepted = AcceptedEvents(response.body);
      if (accepted >= 0 && static_cast<size_t>(accepted) != n) {
        Log(LogLevel::kWarning, "pixel " + batch.pixel_id + ": sent " +
                                    std::to_string(n) + " events, API says " +
                                    std::to_string(accepted) + " accepted");
        std::lock_guard<std::mutex> lock(mu);
        stats.accepted_mismatches++;
      }
      bool keep = outbox.options().keep_delivered_payload;
      OUTBOX_CRASH_POINT("drainer.after_2xx");  // Accepted, not recorded.
      Persist(batch,
              [=](WriteTxn& txn) {
                return MarkDeliveredOp(txn, *claimed, attempt, now, keep, history);
              },
              &DrainerStats::events_delivered);
      return;
    }
    case Verdict::kSplit:
      Split(batch);
      Finish(batch.pixel_id, false);
      return;
    case Verdict::kDead: {
      std::string reason = DeadReason(attempt);
      Log(LogLevel::kWarning, "pixel " + batch.pixel_id + ": " +
                                  std::to_string(n) +
                                  " event(s) rejected, now DEAD: " + reason);
      Persist(batch,
              [=](WriteTxn& txn) {
                return MarkDeadOp(txn, *claimed, attempt, reason, now, history);
              },
              &DrainerStats::events_dead);
      return;
    }
    case Verdict::kRetry: {
      uint32_t attempts = 0;
      for (const Record& r : batch.records) {
        attempts = std::max(attempts, r.attempt_count);
      }
      int64_t next = now + Backoff(attempts + 1);
      {
        // The pixel claims nothing more until this batch is due again. A
        // failing endpoint otherwise has the drainer claim and fail its
        // whole backlog as fast as it can, each round rewriting 1,000
        // records on the writer, which Enqueue calls then wait behind (a
        // 1M backlog against a down endpoint: ~55 ms per Enqueue).
        std::lock_guard<std::mutex> lock(mu);
        PixelState& p = pixels[batch.pixel_id];
        p.deferred_until_ms = std::max(p.deferred_until_ms, next);
      }
      Log(LogLevel::kWarning, "pixel " + batch.pixel_id + ": " +
                                  DeadReason(attempt) + "; retrying in " +
                                  std::to_string(next - now) + " ms");
      Persist(batch,
              [=](WriteTxn& txn) {
                return MarkRetryOp(txn, *claimed, attempt, next, true, now,
                                   history);
              },
              &DrainerStats::events_retried);
      return;
    }
    case Verdict::kThrottled:
      OnThrottled(batch, attempt, response, now);
      return;
    case Verdict::kBadKey:
      OnBadKey(batch, attempt, now);
      return;
  }
}

void Drainer::Impl::OnThrottled(const Batch& batch, const Attempt& attempt,
                                const HttpResponse& response, int64_t now) {
  std::optional<int64_t> delay = ParseRetryAfterMs(
      response.Header("retry-after"), now, options.retry_after_max_ms);
  if (!delay) {
    uint32_t throttles;
    {
      std::lock_guard<std::mutex> lock(mu);
      throttles = ++pixels[batch.pixel_id].consecutive_throttles;
    }
    delay = Backoff(throttles);
  }
  int64_t next = now + *delay;
  {
    std::lock_guard<std::mutex> lock(mu);
    PixelState& p = pixels[batch.pixel_id];
    p.deferred_until_ms = std::max(p.deferred_until_ms, next);
  }
  auto claimed = ClaimedRecords(batch);
  uint32_t history = outbox.options().max_attempt_history;
  // A 429 says nothing about the events: no attempt is counted.
  Persist(batch,
          [=](WriteTxn& txn) {
            return MarkRetryOp(txn, *claimed, attempt, next, false, now, history);
          },
          &DrainerStats::events_retried);
}

void Drainer::Impl::OnBadKey(const Batch& batch, const Attempt& attempt,
                             int64_t now) {
  std::string reason = DeadReason(attempt);
  {
    std::lock_guard<std::mutex> lock(mu);
    PixelState& p = pixels[batch.pixel_id];
    if (!p.key_rejected) {
      Log(LogLevel::kError,
          "pixel " + batch.pixel_id + ": the API refused the key (" + reason +
              "). Delivery for this pixel is paused and its events are "
              "kept; install a Conversions API key with scope "
              "ads.third_party_events.write and reload the keys.");
    }
    p.key_rejected = true;
    p.key_rejected_reason = reason;
    p.next_probe_ms = now + options.key_probe_interval_ms;
  }
  auto claimed = ClaimedRecords(batch);
  uint32_t history = outbox.options().max_attempt_history;
  // The key is at fault, not the events: they wait, due, without using
  // their attempt budget.
  Persist(batch,
          [=](WriteTxn& txn) {
            return MarkRetryOp(txn, *claimed, attempt, 0, false, now, history);
          },
          nullptr);
}

void Drainer::Impl::OnProbeResponse(const Batch& batch,
                                    const HttpResponse& response) {
  bool key_ok = response.status != 0 &&
                ClassifyResponse(response, 1, options.retryable_statuses) !=
                    Verdict::kBadKey;
  {
    std::lock_guard<std::mutex> lock(mu);
    PixelState& p = pixels[batch.pixel_id];
    if (key_ok && p.key_rejected) {
      p.key_rejected = false;
      Log(LogLevel::kInfo, "pixel " + batch.pixel_id +
                               ": the key is accepted again (validate_only "
                               "probe); resuming delivery");
    }
  }
  Finish(batch.pixel_id, key_ok);
}

void Drainer::Impl::Split(const Batch& batch) {
  // Halving isolates k bad events among n with about 2·k·log2(n) requests,
  // and every good half is delivered on the way.
  size_t half = batch.records.size() / 2;
  Batch first{batch.pixel_id, {}, batch.api_key, false, false};
  Batch second = first;
  first.records.assign(batch.records.begin(), batch.records.begin() + half);
  second.records.assign(batch.records.begin() + half, batch.records.end());
  Send(std::move(first));
  Send(std::move(second));
}

void Drainer::Impl::Persist(const Batch& batch, Store::Op op,
                            uint64_t DrainerStats::*count) {
  size_t n = batch.records.size();
  std::string pixel_id = batch.pixel_id;
  {
    std::lock_guard<std::mutex> lock(mu);
    outcomes_being_written++;
  }
  store.CommitAsync(op, [this, op, n, pixel_id, count](Status s) {
    if (!s.ok()) {
      Log(LogLevel::kError, "pixel " + pixel_id +
                                ": cannot record a delivery outcome (" +
                                s.ToString() + "); will retry");
    }
    std::lock_guard<std::mutex> lock(mu);
    if (s.ok()) {
      if (count != nullptr) stats.*count += n;
    } else {
      // The outcome is known but not on disk; the records stay leased
      // (never claimed twice) until the next pass writes it again.
      stats.outcome_write_failures++;
      failed_outcomes.push_back(op);
      if (first_error.ok()) first_error = s;
    }
    // Last: once idle, the drainer may be destroyed.
    outcomes_being_written--;
    cv.notify_all();
  });
  // The request is answered, so its slot is free now: the pixel's next
  // claim queues behind this outcome and can share its write group
  // (and fsync) instead of waiting for it. The batch's keys stay leased
  // until the outcome is durable, so that claim cannot take them again.
  Finish(pixel_id, batch.full);
}

void Drainer::Impl::Finish(const std::string& pixel_id, bool wake_loop) {
  std::lock_guard<std::mutex> lock(mu);
  requests_in_flight--;
  pixels[pixel_id].requests_in_flight--;
  if (wake_loop) wake = true;
  cv.notify_all();
}

}  // namespace outbox
