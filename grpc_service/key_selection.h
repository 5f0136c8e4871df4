// Which records a Replay or Purge request names: an explicit list of keys,
// or the records matching a filter (found by paging through Outbox::List).
//
// Thread-safety: a free function; the Outbox it reads is thread-safe.
#ifndef OUTBOX_GRPC_SERVICE_KEY_SELECTION_H_
#define OUTBOX_GRPC_SERVICE_KEY_SELECTION_H_

#include <cstdint>
#include <vector>

#include "outbox/dedup_key.h"
#include "outbox/outbox.h"
#include "outbox/status.h"
#include "outbox/v1/outbox.pb.h"

namespace outbox::grpc_service {

// Records a filter selects per call unless the request says otherwise.
inline constexpr uint32_t kDefaultSelectionLimit = 1000;
inline constexpr uint32_t kMaxSelectionLimit = 10000;

struct KeySelection {
  std::vector<DedupKey> keys;
  bool truncated = false;  // The filter matched more than the limit.
};

// Returns the keys of `keys` (validated, in order) or, when `filter` is
// given, those of at most `limit` (0: kDefaultSelectionLimit) records
// matching it. INVALID_ARGUMENT when both or neither are given, a key is
// bad ("keys[1].id: required"), the filter sets neither state nor pixel, or
// the limit is over kMaxSelectionLimit; a storage error as Outbox::List.
StatusOr<KeySelection> SelectKeys(
    const Outbox& outbox,
    const google::protobuf::RepeatedPtrField<v1::DedupKey>& keys,
    const v1::EventFilter* filter, uint32_t limit);

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_KEY_SELECTION_H_
