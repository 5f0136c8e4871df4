#include "outbox/src/claim.h"

#include <utility>

namespace outbox {

StatusOr<ClaimedBatch> ClaimBatch(Store& store, const ClaimRequest& request) {
  StatusOr<Claim> claim = ClaimKeys(store, request);
  if (!claim.ok()) return claim.status();
  return ReadClaim(store, *claim, request.now_ms);
}

StatusOr<Claim> ClaimKeys(Store& store, const ClaimRequest& request) {
  Claim claim;
  OUTBOX_RETURN_IF_ERROR(store.Commit(
      [&](WriteTxn& txn) { return ClaimDueOp(txn, request, &claim); }));
  return claim;
}

StatusOr<ClaimedBatch> ReadClaim(Store& store, const Claim& claim,
                                 int64_t now_ms) {
  ClaimedBatch batch;
  batch.expired = claim.expired;
  if (claim.keys.empty()) return batch;
  // Committed, so the read sees them; leased, so nothing changes them.
  std::vector<StatusOr<Record>> read = store.GetMany(claim.keys);
  std::vector<std::string> unreadable;
  Status first_error;
  batch.records.reserve(read.size());
  for (size_t i = 0; i < read.size(); ++i) {
    if (!read[i].ok()) {
      unreadable.push_back(claim.keys[i]);
      if (first_error.ok()) first_error = read[i].status();
      continue;
    }
    Record& record = *read[i];
    record.state = State::kInFlight;
    record.state_changed_ms = now_ms;
    batch.records.push_back(std::move(record));
  }
  if (!unreadable.empty()) {
    OUTBOX_RETURN_IF_ERROR(store.Commit(
        [&](WriteTxn& txn) { return ReleaseOp(txn, unreadable); }));
    if (batch.records.empty()) return first_error;
  }
  return batch;
}

std::vector<std::vector<Record>> SplitByBytes(std::vector<Record> records,
                                              size_t max_bytes) {
  std::vector<std::vector<Record>> requests;
  size_t bytes = 0;
  for (Record& record : records) {
    const size_t size = record.event_json.size();
    if (requests.empty() || bytes + size > max_bytes) {
      requests.emplace_back();
      bytes = 0;
    }
    bytes += size;
    requests.back().push_back(std::move(record));
  }
  return requests;
}

}  // namespace outbox
