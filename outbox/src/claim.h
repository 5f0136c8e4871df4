// Taking a batch to send: ClaimDueOp leases the records in a write group of
// its own, then they are read, payloads included, outside the writer.
#ifndef OUTBOX_SRC_CLAIM_H_
#define OUTBOX_SRC_CLAIM_H_

#include <cstddef>
#include <vector>

#include "outbox/record.h"
#include "outbox/status.h"
#include "outbox/src/record_ops.h"
#include "outbox/src/store.h"

namespace outbox {

struct ClaimedBatch {
  // IN_FLIGHT, earliest deadline first, event_json loaded.
  std::vector<Record> records;
  size_t expired = 0;  // Moved to EXPIRED by the claim.
};

// Claims up to request.max_events records of request.pixel_id. Each must
// end with an outcome operation (record_ops.h). A leased record that cannot
// be read (nothing else changes a leased record, so only an I/O error or
// corruption does that) is released again and left out; when none can be
// read, the first error is returned. ClaimKeys then ReadClaim.
StatusOr<ClaimedBatch> ClaimBatch(Store& store, const ClaimRequest& request);

// The first half of ClaimBatch, in the writer: leases the keys (and
// expires what is too old).
StatusOr<Claim> ClaimKeys(Store& store, const ClaimRequest& request);

// The second half, on any thread: reads the leased `claim` (as returned by
// ClaimKeys at `now_ms`), payloads included.
StatusOr<ClaimedBatch> ReadClaim(Store& store, const Claim& claim,
                                 int64_t now_ms);

// Splits `records` into requests of at most `max_bytes` of event JSON each,
// keeping their order; an event larger than that goes alone.
std::vector<std::vector<Record>> SplitByBytes(std::vector<Record> records,
                                              size_t max_bytes);

}  // namespace outbox

#endif  // OUTBOX_SRC_CLAIM_H_
