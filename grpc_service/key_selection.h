// Which records an Admin request names: a filter translated into the core's
// ListQuery, and for Replay and Purge an explicit list of keys or the keys
// of the records a filter matches (found by paging through Outbox::List).
//
// Thread-safety: free functions; the Outbox they read is thread-safe.
#ifndef OUTBOX_GRPC_SERVICE_KEY_SELECTION_H_
#define OUTBOX_GRPC_SERVICE_KEY_SELECTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "outbox/dedup_key.h"
#include "outbox/outbox.h"
#include "outbox/status.h"
#include "outbox/v1/outbox.pb.h"

namespace outbox::grpc_service {

// Records a filter selects per call unless the request says otherwise.
inline constexpr uint32_t kDefaultSelectionLimit = 1000;
inline constexpr uint32_t kMaxSelectionLimit = 10000;
// Records one Replay or Purge call examines at most for a filter, so that a
// filter few records match answers in bounded time (with a page token).
inline constexpr size_t kMaxScannedPerSelection = 100000;

// Translates `filter` into the core's query (state, pixel and RecordFilter);
// the caller sets limit and page token. INVALID_ARGUMENT for an unknown
// state or error class, or a negative time.
StatusOr<ListQuery> QueryFromFilter(const v1::EventFilter& filter);

// True when `filter` sets no condition at all.
bool IsEmptyFilter(const v1::EventFilter& filter);

struct KeySelection {
  std::vector<DedupKey> keys;
  // More records may match: continue with next_page_token (filters only).
  bool truncated = false;
  std::string next_page_token;
};

// Returns the keys of `keys` (validated, in order) or, when `filter` is
// given, those of at most `limit` (0: kDefaultSelectionLimit) records
// matching it, starting at `page_token`. INVALID_ARGUMENT when both or
// neither are given, a key is bad ("keys[1].id: required"), the filter
// sets nothing, or the limit is over kMaxSelectionLimit; a storage error
// as Outbox::List.
StatusOr<KeySelection> SelectKeys(
    const Outbox& outbox,
    const google::protobuf::RepeatedPtrField<v1::DedupKey>& keys,
    const v1::EventFilter* filter, uint32_t limit,
    const std::string& page_token);

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_KEY_SELECTION_H_
