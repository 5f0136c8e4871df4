#include "outbox/src/record_ops.h"

#include <string_view>
#include <unordered_set>

#include "outbox/src/record_index.h"
#include "outbox/src/storage_keys.h"

namespace outbox {
namespace {

constexpr size_t kMaxExpiredPerCall = 10000;

void AppendAttempt(const Attempt& attempt, uint32_t max_history, Record* r) {
  r->attempts.push_back(attempt);
  if (max_history == 0) max_history = 1;
  if (r->attempts.size() > max_history) {
    r->attempts.erase(r->attempts.begin(),
                      r->attempts.end() - static_cast<long>(max_history));
  }
}

void SetState(State state, int64_t now_ms, Record* r) {
  r->state = state;
  r->state_changed_ms = now_ms;
}

// Applies `change` to each record of `keys` that is currently in `from`;
// counts them in `*changed` if given.
template <typename Fn>
Status TransitionEach(WriteTxn& txn, const std::vector<std::string>& keys,
                      State from, Fn change, size_t* changed = nullptr) {
  // One read for all keys. It cannot see this loop's own updates, so a key
  // listed twice is changed once (as reading it again would have seen it
  // changed already).
  std::vector<StatusOr<Record>> records = txn.GetMany(keys, WithPayload::kNo);
  std::unordered_set<std::string_view> seen;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!seen.insert(keys[i]).second) continue;
    StatusOr<Record>& before = records[i];
    if (before.status().code() == StatusCode::kNotFound) continue;
    if (!before.ok()) return before.status();
    if (before->state != from) continue;
    Record after = *before;
    change(&after);
    txn.Update(*before, after);
    if (changed != nullptr) ++*changed;
  }
  return Status::Ok();
}

// Ends the leases of `claimed` (records as a claim read them) and applies
// `change` to each one whose lease this call ended, deleting its payload
// if `drop_payload`. A leased record is changed by nothing but its outcome,
// so the claimed copy is what is stored: nothing is read.
template <typename Fn>
Status TransitionLeased(WriteTxn& txn, const std::vector<Record>& claimed,
                        bool drop_payload, Fn change) {
  std::vector<std::string> keys;
  keys.reserve(claimed.size());
  for (const Record& r : claimed) keys.push_back(RecordKey(r.key));
  const std::vector<bool> ended = txn.EndLeases(keys);
  for (size_t i = 0; i < claimed.size(); ++i) {
    if (!ended[i]) continue;  // Not leased, or listed twice.
    Record before = claimed[i];
    before.event_json.clear();
    before.state = State::kPending;  // Stored PENDING; IN_FLIGHT is the lease.
    Record after = before;
    change(&after);
    txn.UpdateLeased(before, after, drop_payload);
  }
  return Status::Ok();
}

// Collects up to `limit` record keys from a time-ordered index (retry, gc)
// whose time is <= now.
StatusOr<std::vector<std::string>> KeysDueBy(WriteTxn& txn, IndexCf cf,
                                             int64_t now_ms, size_t limit) {
  std::vector<std::string> keys;
  Status s =
      txn.ScanIndex(cf, "", [&](std::string_view index_key, std::string_view) {
        int64_t at;
        std::string_view record_key;
        if (!ParseTimeKey(index_key, &at, &record_key) || at > now_ms) {
          return false;
        }
        keys.emplace_back(record_key);
        return keys.size() < limit;
      });
  if (!s.ok()) return s;
  return keys;
}

}  // namespace

Status EnqueueOp(WriteTxn& txn, int64_t now_ms,
                 const std::vector<PreparedEvent>& events,
                 const AppWriteBatch* app_writes,
                 std::vector<EnqueueResult>* results) {
  OUTBOX_RETURN_IF_ERROR(txn.store().CheckQuota());
  results->clear();
  results->reserve(events.size());
  for (const PreparedEvent& event : events) {
    bool duplicate = txn.Exists(event.record_key);
    if (!duplicate) {
      Record record(event.key);
      record.state = State::kPending;
      record.event_json = event.json;
      record.timestamp_ms = event.timestamp_ms;
      record.enqueued_ms = now_ms;
      record.state_changed_ms = now_ms;
      txn.Insert(record);
    }
    results->push_back({event.key, duplicate});
  }
  if (app_writes == nullptr) return Status::Ok();
  for (const AppWriteBatch::Op& op : app_writes->ops()) {
    OUTBOX_RETURN_IF_ERROR(
        op.value ? txn.AppPut(op.column_family, op.key, *op.value)
                 : txn.AppDelete(op.column_family, op.key));
  }
  return Status::Ok();
}

namespace {

// Visits the pixel's due records in deadline order, skipping those being
// sent (leased). Every record too old to send (its deadline within the
// margin) comes before every record to send, so one scan finds both: up to
// kMaxExpiredPerCall too-old keys into `too_old`, then up to
// `max_to_send` of the rest into `to_send`. Past the first limit it stops
// without collecting any to send (the too-old ones left come first, for
// the next call); with `max_to_send` 0 it stops at the first to send.
// `to_send_stored` gets the value of each entry of `to_send`: the record.
Status ScanDue(WriteTxn& txn, const std::string& pixel_id, int64_t now_ms,
               int64_t expiry_margin_ms, size_t max_to_send,
               std::vector<std::string>* too_old,
               std::vector<std::string>* to_send,
               std::vector<std::string>* to_send_stored) {
  const auto visit = [&](std::string_view due_key, std::string_view stored) {
    int64_t deadline;
    std::string_view record_key;
    if (!ParseDueKey(due_key, &deadline, &record_key)) return true;
    const bool is_too_old = deadline - expiry_margin_ms <= now_ms;
    if (!is_too_old && max_to_send == 0) return false;
    if (txn.IsLeased(record_key)) return true;
    if (is_too_old) {
      too_old->emplace_back(record_key);
      return too_old->size() < kMaxExpiredPerCall;
    }
    to_send->emplace_back(record_key);
    to_send_stored->emplace_back(stored);
    return to_send->size() < max_to_send;
  };
  return txn.ScanIndex(IndexCf::kDue, PixelPrefix(pixel_id), visit);
}

// Moves the PENDING records of `keys` to EXPIRED; counts them in
// `*expired` (changed, not found: the drainer claims again while a claim
// expires records, which must end even if an index entry were ever stale).
Status Expire(WriteTxn& txn, const std::vector<std::string>& keys,
              int64_t now_ms, size_t* expired) {
  *expired = 0;
  return TransitionEach(
      txn, keys, State::kPending,
      [&](Record* r) {
        SetState(State::kExpired, now_ms, r);
        r->last_error =
            "expired: the event is too close to (or past) the API's 7-day "
            "limit to be sent";
      },
      expired);
}

}  // namespace

Status ExpireDueOp(WriteTxn& txn, const std::string& pixel_id, int64_t now_ms,
                   int64_t expiry_margin_ms, size_t* expired) {
  std::vector<std::string> too_old, none, none_stored;
  OUTBOX_RETURN_IF_ERROR(ScanDue(txn, pixel_id, now_ms, expiry_margin_ms,
                                 /*max_to_send=*/0, &too_old, &none,
                                 &none_stored));
  return Expire(txn, too_old, now_ms, expired);
}

Status ClaimDueOp(WriteTxn& txn, const ClaimRequest& request, Claim* claim) {
  // One scan for expiry and claim. (Two scans, one per job, each stepped
  // over the keys the pixel's batch in flight leases and over the
  // deletions the last outcome left: a sixth of the writer's time in a
  // 1-pixel drain.)
  std::vector<std::string> too_old;
  OUTBOX_RETURN_IF_ERROR(ScanDue(txn, request.pixel_id, request.now_ms,
                                 request.expiry_margin_ms, request.max_events,
                                 &too_old, &claim->keys, &claim->stored));
  OUTBOX_RETURN_IF_ERROR(Expire(txn, too_old, request.now_ms, &claim->expired));
  txn.Lease(claim->keys, request.now_ms);
  return Status::Ok();
}

Status MarkDeliveredOp(WriteTxn& txn, const std::vector<Record>& claimed,
                       const Attempt& attempt, int64_t now_ms,
                       bool keep_payload, uint32_t max_history) {
  return TransitionLeased(txn, claimed, !keep_payload, [&](Record* r) {
    SetState(State::kDelivered, now_ms, r);
    r->delivered_ms = now_ms;
    r->attempt_count++;
    r->last_error.clear();
    AppendAttempt(attempt, max_history, r);
  });
}

Status MarkRetryOp(WriteTxn& txn, const std::vector<Record>& claimed,
                   const Attempt& attempt, int64_t next_attempt_ms,
                   bool count_attempt, int64_t now_ms, uint32_t max_history) {
  return TransitionLeased(txn, claimed, false, [&](Record* r) {
    SetState(State::kPending, now_ms, r);
    r->next_attempt_ms = next_attempt_ms;
    if (count_attempt) r->attempt_count++;
    r->last_error = attempt.transport_error.empty()
                        ? "HTTP " + std::to_string(attempt.http_status)
                        : attempt.transport_error;
    AppendAttempt(attempt, max_history, r);
  });
}

Status MarkDeadOp(WriteTxn& txn, const std::vector<Record>& claimed,
                  const Attempt& attempt, const std::string& reason,
                  int64_t now_ms, uint32_t max_history) {
  return TransitionLeased(txn, claimed, false, [&](Record* r) {
    SetState(State::kDead, now_ms, r);
    r->attempt_count++;
    r->last_error = reason;
    AppendAttempt(attempt, max_history, r);
  });
}

Status ReleaseOp(WriteTxn& txn, const std::vector<std::string>& keys) {
  txn.EndLeases(keys);
  return Status::Ok();
}

Status RecoverInFlightOp(WriteTxn& txn, int64_t now_ms, size_t* recovered) {
  std::vector<std::string> keys, lease_entries;
  Status listed = txn.store().ScanMeta(
      kLeasePrefix, [&](std::string_view key, std::string_view value) {
        lease_entries.emplace_back(key);
        // What a malformed list holds is resent all the same (it is due),
        // only without the note.
        DecodeKeyList(value, &keys);
        return true;
      });
  OUTBOX_RETURN_IF_ERROR(listed);
  for (const std::string& entry : lease_entries) txn.DeleteMeta(entry);
  const auto note = [&](Record* r) {
    SetState(State::kPending, now_ms, r);
    r->next_attempt_ms = 0;
    r->last_error =
        "delivery interrupted by a restart; resending with the same id";
  };
  // Listed: stored PENDING and due while leased. The entry goes with the
  // write of the claim's last outcome, so its keys are the ones whose
  // outcome was never written; the check is a safety net.
  std::vector<StatusOr<Record>> records = txn.GetMany(keys, WithPayload::kNo);
  std::vector<std::string> interrupted;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (records[i].ok() && records[i]->state == State::kPending &&
        records[i]->next_attempt_ms == 0) {
      interrupted.push_back(keys[i]);
    }
  }
  OUTBOX_RETURN_IF_ERROR(
      TransitionEach(txn, interrupted, State::kPending, note));
  // Stored IN_FLIGHT by an earlier build.
  std::vector<std::string> stored;
  std::string prefix = ByStatePrefix(State::kInFlight);
  OUTBOX_RETURN_IF_ERROR(txn.ScanIndex(
      IndexCf::kByState, prefix, [&](std::string_view key, std::string_view) {
        stored.emplace_back(key.substr(prefix.size()));
        return true;
      }));
  *recovered = interrupted.size() + stored.size();
  return TransitionEach(txn, stored, State::kInFlight, note);
}

Status PromoteRetriesOp(WriteTxn& txn, int64_t now_ms, size_t limit,
                        size_t* promoted) {
  StatusOr<std::vector<std::string>> keys =
      KeysDueBy(txn, IndexCf::kRetry, now_ms, limit);
  if (!keys.ok()) return keys.status();
  *promoted = keys->size();
  return TransitionEach(txn, *keys, State::kPending,
                        [](Record* r) { r->next_attempt_ms = 0; });
}

Status SweepRetentionOp(WriteTxn& txn, int64_t now_ms, size_t limit,
                        size_t* dropped) {
  StatusOr<std::vector<std::string>> keys =
      KeysDueBy(txn, IndexCf::kGc, now_ms, limit);
  if (!keys.ok()) return keys.status();
  *dropped = 0;
  for (StatusOr<Record>& record : txn.GetMany(*keys, WithPayload::kNo)) {
    if (!record.ok()) continue;
    // The gc scan does not see this group's own gc writes: a record
    // replayed in the same group is listed, and must stay.
    if (!IsTerminal(record->state) ||
        DropAtMs(*record, txn.store().retention()) > now_ms) {
      continue;
    }
    txn.Remove(*record);
    ++*dropped;
  }
  return Status::Ok();
}

namespace {

Status ReplayOne(WriteTxn& txn, const Record& before,
                 const ReplayOptions& options, int64_t now_ms) {
  switch (before.state) {
    case State::kDead:
      break;
    case State::kDelivered:
      if (options.force) break;
      return Status::FailedPrecondition(
          "already DELIVERED; replaying would send it again (use force)");
    case State::kExpired:
      return Status::FailedPrecondition(
          "EXPIRED: the API rejects events older than 7 days");
    case State::kPending:
    case State::kInFlight:
      return Status::FailedPrecondition(
          std::string("already ") +
          StateName(txn.IsLeased(RecordKey(before.key)) ? State::kInFlight
                                                        : before.state));
  }
  if (before.event_json.empty()) {
    return Status::FailedPrecondition(
        "the event's payload was not retained; nothing to resend");
  }
  if (options.dry_run) return Status::Ok();
  Record after = before;
  SetState(State::kPending, now_ms, &after);
  after.next_attempt_ms = 0;
  after.attempt_count = 0;
  after.delivered_ms = 0;
  after.replay_count++;
  after.last_error = options.force && before.state == State::kDelivered
                         ? "replayed with force after delivery"
                         : "replayed by operator";
  txn.Update(before, after);
  return Status::Ok();
}

}  // namespace

Status ReplayOp(WriteTxn& txn, const std::vector<DedupKey>& keys,
                const ReplayOptions& options, int64_t now_ms,
                ReplayResult* result) {
  for (const DedupKey& key : keys) {
    StatusOr<Record> before = txn.Get(RecordKey(key), WithPayload::kYes);
    if (!before.ok() && before.status().code() != StatusCode::kNotFound) {
      return before.status();
    }
    Status outcome = before.ok() ? ReplayOne(txn, *before, options, now_ms)
                                 : before.status();
    if (before.ok()) result->matched++;
    if (outcome.ok()) result->replayed++;
    result->outcomes.push_back({key, std::move(outcome)});
  }
  return Status::Ok();
}

Status PurgeOp(WriteTxn& txn, const std::vector<DedupKey>& keys,
               PurgeResult* result) {
  for (const DedupKey& key : keys) {
    StatusOr<Record> before = txn.Get(RecordKey(key), WithPayload::kNo);
    if (!before.ok() && before.status().code() != StatusCode::kNotFound) {
      return before.status();
    }
    Status outcome = before.status();
    if (before.ok()) {
      result->matched++;
      if (before->state == State::kInFlight || txn.IsLeased(RecordKey(key))) {
        outcome = Status::FailedPrecondition(
            "IN_FLIGHT: it may be being delivered; pause delivery first");
      } else {
        txn.Remove(*before);
        result->purged++;
      }
    }
    result->outcomes.push_back({key, std::move(outcome)});
  }
  return Status::Ok();
}

}  // namespace outbox
