// The operations that change records, each run by the Store's writer inside
// a write group (see store.h). They hold the state machine of record.h:
// every transition the outbox makes is one of these functions.
//
// Keys are RecordKeys (storage_keys.h). Operations on a key whose record is
// missing or in an unexpected state skip it rather than fail: a record may
// legitimately have been purged or replayed between a read and the write.
#ifndef OUTBOX_SRC_RECORD_OPS_H_
#define OUTBOX_SRC_RECORD_OPS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "outbox/outbox.h"
#include "outbox/src/store.h"

namespace outbox {

// An event that passed validation, encoded once for every send.
struct PreparedEvent {
  DedupKey key;
  std::string record_key;
  std::string json;
  int64_t timestamp_ms = 0;
};

// Stores every new key of `events` as PENDING; reports duplicates. Applies
// `app_writes` (may be null). RESOURCE_EXHAUSTED when over quota.
Status EnqueueOp(WriteTxn& txn, int64_t now_ms,
                 const std::vector<PreparedEvent>& events,
                 const AppWriteBatch* app_writes,
                 std::vector<EnqueueResult>* results);

struct ClaimRequest {
  std::string pixel_id;
  size_t max_events = 1000;
  int64_t now_ms = 0;
  int64_t expiry_margin_ms = 0;
};

struct Claim {
  std::vector<std::string> keys;  // Now leased, earliest deadline first.
  // For each key, its record as its due entry carries it (EncodeRecord,
  // never empty: a record has a timestamp), or "" for an entry written
  // before storage format 5: read the record.
  std::vector<std::string> stored;
  size_t expired = 0;  // Moved to EXPIRED instead of claimed.
};

// Moves the pixel's due records whose deadline is within the margin to
// EXPIRED (at most 10,000 per call), except those being sent (leased).
// Cheap when there are none: the due index is ordered by deadline, so the
// scan stops at the first live one.
Status ExpireDueOp(WriteTxn& txn, const std::string& pixel_id, int64_t now_ms,
                   int64_t expiry_margin_ms, size_t* expired);

// Expires as ExpireDueOp, then leases the pixel's next due records in
// deadline order (lease_table.h): they become IN_FLIGHT without being
// rewritten. When the expiry reaches its limit, nothing is claimed (the
// records left to expire come first); call again. The caller reads the
// payloads once committed (ReadClaim), and must end every lease with one
// of the outcome operations below.
Status ClaimDueOp(WriteTxn& txn, const ClaimRequest& request, Claim* claim);

// The outcomes of a claim. Each takes the records as the claim read them
// (ClaimBatch; their state and payload are ignored), applies to those still
// leased and ends their leases.
//
// IN_FLIGHT -> DELIVERED.
Status MarkDeliveredOp(WriteTxn& txn, const std::vector<Record>& claimed,
                       const Attempt& attempt, int64_t now_ms,
                       bool keep_payload, uint32_t max_history);

// IN_FLIGHT -> PENDING, due again at `next_attempt_ms` (0: now). With
// `count_attempt` false (429, paused key) the attempt budget is not used.
Status MarkRetryOp(WriteTxn& txn, const std::vector<Record>& claimed,
                   const Attempt& attempt, int64_t next_attempt_ms,
                   bool count_attempt, int64_t now_ms, uint32_t max_history);

// IN_FLIGHT -> DEAD with `reason`.
Status MarkDeadOp(WriteTxn& txn, const std::vector<Record>& claimed,
                  const Attempt& attempt, const std::string& reason,
                  int64_t now_ms, uint32_t max_history);

// IN_FLIGHT -> PENDING, unchanged (claimed but never sent).
Status ReleaseOp(WriteTxn& txn, const std::vector<std::string>& keys);

// Run once when opening, before any claim. The records a crash left being
// sent -> PENDING, due now, with a last_error saying so: those listed by
// the "lease/" entries (which are then deleted), and any stored IN_FLIGHT
// by builds that wrote the state at claim time.
Status RecoverInFlightOp(WriteTxn& txn, int64_t now_ms, size_t* recovered);

// PENDING records whose retry time has come -> due (at most `limit`).
Status PromoteRetriesOp(WriteTxn& txn, int64_t now_ms, size_t limit,
                        size_t* promoted);

// Drops terminal records whose retention ended (at most `limit`).
Status SweepRetentionOp(WriteTxn& txn, int64_t now_ms, size_t limit,
                        size_t* dropped);

Status ReplayOp(WriteTxn& txn, const std::vector<DedupKey>& keys,
                const ReplayOptions& options, int64_t now_ms,
                ReplayResult* result);

Status PurgeOp(WriteTxn& txn, const std::vector<DedupKey>& keys,
               PurgeResult* result);

}  // namespace outbox

#endif  // OUTBOX_SRC_RECORD_OPS_H_
