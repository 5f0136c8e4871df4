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
  size_t max_bytes = 4 << 20;  // Sum of the claimed events' JSON sizes.
  int64_t now_ms = 0;
  int64_t expiry_margin_ms = 0;
};

struct Claim {
  std::vector<Record> records;  // Now IN_FLIGHT, earliest deadline first.
  size_t expired = 0;           // Moved to EXPIRED instead of claimed.
};

// Moves the pixel's due records whose deadline is within the margin to
// EXPIRED (at most 10,000 per call). Cheap when there are none: the due
// index is ordered by deadline, so the scan stops at the first live one.
Status ExpireDueOp(WriteTxn& txn, const std::string& pixel_id, int64_t now_ms,
                   int64_t expiry_margin_ms, size_t* expired);

// Expires as ExpireDueOp, then takes the pixel's next due records in
// deadline order and marks them IN_FLIGHT.
Status ClaimDueOp(WriteTxn& txn, const ClaimRequest& request, Claim* claim);

// IN_FLIGHT -> DELIVERED.
Status MarkDeliveredOp(WriteTxn& txn, const std::vector<std::string>& keys,
                       const Attempt& attempt, int64_t now_ms,
                       bool keep_payload, uint32_t max_history);

// IN_FLIGHT -> PENDING, due again at `next_attempt_ms` (0: now). With
// `count_attempt` false (429, paused key) the attempt budget is not used.
Status MarkRetryOp(WriteTxn& txn, const std::vector<std::string>& keys,
                   const Attempt& attempt, int64_t next_attempt_ms,
                   bool count_attempt, int64_t now_ms, uint32_t max_history);

// IN_FLIGHT -> DEAD with `reason`.
Status MarkDeadOp(WriteTxn& txn, const std::vector<std::string>& keys,
                  const Attempt& attempt, const std::string& reason,
                  int64_t now_ms, uint32_t max_history);

// Every IN_FLIGHT record -> PENDING, due now. Run once when opening.
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
