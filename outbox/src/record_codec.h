// Encoding of a Record as the value stored under its RecordKey. The key
// itself is not part of the value (it is the RocksDB key).
#ifndef OUTBOX_SRC_RECORD_CODEC_H_
#define OUTBOX_SRC_RECORD_CODEC_H_

#include <string>
#include <string_view>

#include "outbox/record.h"
#include "outbox/status.h"

namespace outbox {

std::string EncodeRecord(const Record& record);

// DATA_LOSS when `bytes` is not a valid encoding (truncated, garbage, or an
// unknown state).
StatusOr<Record> DecodeRecord(const DedupKey& key, std::string_view bytes);

}  // namespace outbox

#endif  // OUTBOX_SRC_RECORD_CODEC_H_
