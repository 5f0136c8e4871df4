// Reading the payloads of records already read, for Store::GetMany (from
// committed data) and WriteTxn::GetMany (as of the write group). A payload
// is keyed by its record's timestamp (storage_keys.h, PayloadKey), so the
// records are read first; one that could not be read has no payload to
// look up.
#ifndef OUTBOX_SRC_PAYLOAD_LOOKUP_H_
#define OUTBOX_SRC_PAYLOAD_LOOKUP_H_

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "outbox/record.h"
#include "outbox/status.h"

namespace outbox {

struct PayloadLookup {
  std::vector<std::string> keys;  // The PayloadKey of each readable record,
  std::vector<size_t> record;     // and the index of that record.
};

// The lookup for `records`, read for `record_keys` (one each, in order).
PayloadLookup LookUpPayloads(const std::vector<std::string>& record_keys,
                             const std::vector<StatusOr<Record>>& records);

// Sets the event_json of each record of `lookup` from what reading its key
// gave (`values` and `statuses`, in the order of lookup.keys). Not found
// leaves it empty: the payload was not retained. Any other failure
// replaces the record with `failed(status)`.
void FillPayloads(const PayloadLookup& lookup,
                  const std::vector<rocksdb::PinnableSlice>& values,
                  const std::vector<rocksdb::Status>& statuses,
                  const std::function<Status(const rocksdb::Status&)>& failed,
                  std::vector<StatusOr<Record>>* records);

}  // namespace outbox

#endif  // OUTBOX_SRC_PAYLOAD_LOOKUP_H_
