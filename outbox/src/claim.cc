#include "outbox/src/claim.h"

#include <utility>

#include "outbox/src/record_codec.h"

namespace outbox {
namespace {

// The claim's records as its scan of `due` found them, then their payloads.
// The copies are current: a record and its due entry are written together
// (WriteTxn), and a record whose outcome is being written stays leased, so
// unclaimable, until that write is durable (lease_table.h). Committed, so
// the reads see them; leased, so nothing changes them. An entry written
// before storage format 5 carries no record: those records are read from
// `records`, as every claim did before.
std::vector<StatusOr<Record>> ReadLeased(const Store& store,
                                         const Claim& claim) {
  std::vector<StatusOr<Record>> read;
  read.reserve(claim.keys.size());
  std::vector<std::string> unstored;
  std::vector<size_t> unstored_at;
  for (size_t i = 0; i < claim.keys.size(); ++i) {
    if (i < claim.stored.size() && !claim.stored[i].empty()) {
      read.push_back(DecodeRecordAt(claim.keys[i], claim.stored[i]));
    } else {
      read.emplace_back(Status::NotFound("not read yet"));
      unstored.push_back(claim.keys[i]);
      unstored_at.push_back(i);
    }
  }
  if (unstored.size() < claim.keys.size()) {
    store.LoadPayloads(claim.keys, &read);
  }
  if (!unstored.empty()) {
    std::vector<StatusOr<Record>> rest = store.GetMany(unstored);
    for (size_t j = 0; j < rest.size(); ++j) {
      read[unstored_at[j]] = std::move(rest[j]);
    }
  }
  return read;
}

}  // namespace

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
  std::vector<StatusOr<Record>> read = ReadLeased(store, claim);
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
