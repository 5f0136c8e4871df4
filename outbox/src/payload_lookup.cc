#include "outbox/src/payload_lookup.h"

#include "outbox/src/storage_keys.h"

namespace outbox {

PayloadLookup LookUpPayloads(const std::vector<std::string>& record_keys,
                             const std::vector<StatusOr<Record>>& records) {
  PayloadLookup lookup;
  lookup.keys.reserve(records.size());
  lookup.record.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    if (!records[i].ok()) continue;
    lookup.keys.push_back(PayloadKey(record_keys[i], records[i]->timestamp_ms));
    lookup.record.push_back(i);
  }
  return lookup;
}

void FillPayloads(const PayloadLookup& lookup,
                  const std::vector<rocksdb::PinnableSlice>& values,
                  const std::vector<rocksdb::Status>& statuses,
                  const std::function<Status(const rocksdb::Status&)>& failed,
                  std::vector<StatusOr<Record>>* records) {
  for (size_t j = 0; j < lookup.keys.size(); ++j) {
    StatusOr<Record>& record = (*records)[lookup.record[j]];
    if (statuses[j].ok()) {
      record->event_json.assign(values[j].data(), values[j].size());
    } else if (!statuses[j].IsNotFound()) {
      record = failed(statuses[j]);
    }
  }
}

}  // namespace outbox
