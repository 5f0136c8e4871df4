// Encoding of a Record's state as the value stored under its RecordKey in
// the records column family. Neither the key (it is the RocksDB key) nor the
// payload (event_json, kept in the payloads column family) is part of it:
// a state change rewrites about a hundred bytes, not the whole event.
#ifndef OUTBOX_SRC_RECORD_CODEC_H_
#define OUTBOX_SRC_RECORD_CODEC_H_

#include <string>
#include <string_view>

#include "outbox/record.h"
#include "outbox/status.h"

namespace outbox {

// Everything but record.event_json.
std::string EncodeRecord(const Record& record);

// DATA_LOSS when `bytes` is not a valid encoding (truncated, garbage, or an
// unknown state). event_json is filled only from a storage-format-1 value,
// which held the payload inline (see Store's migration).
StatusOr<Record> DecodeRecord(const DedupKey& key, std::string_view bytes);

// DecodeRecord for the value stored under `record_key` (a RecordKey).
StatusOr<Record> DecodeRecordAt(std::string_view record_key,
                                std::string_view bytes);

}  // namespace outbox

#endif  // OUTBOX_SRC_RECORD_CODEC_H_
