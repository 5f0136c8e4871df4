// Byte encodings of the keys in each column family (docs/design.md has the
// table). All integers are big-endian so that RocksDB's bytewise order is
// numeric order.
//
//   records   RecordKey                                  -> StoredRecord
//   payloads_by_time  PayloadKey                         -> event JSON
//   by_state  u8 state | RecordKey                       -> ""
//   due       PixelPrefix | be64 deadline_ms | RecordKey  -> StoredRecord
//             (the record's copy, record_index.h; "" before format 5)
//   retry     be64 next_attempt_ms | RecordKey            -> be64 timestamp
//   gc        be64 drop_at_ms | RecordKey                 -> ""
//   meta      "count/" state pixel                        -> be64 count
//             "paused/" pixel                             -> ""
//             "format"                                    -> "5"
//             "lease/" be64 claim id                      -> KeyList
//   format-2  (always empty; see FormatGuardComparator)
//
// RecordKey = u8 len(pixel) | pixel | u8 len(event name) | event name | id,
// so all keys of one pixel share the prefix PixelPrefix(pixel).
// PayloadKey = PixelPrefix | be64 timestamp_ms | RecordKey: a pixel's
// payloads in the order of their deadlines, which is the order claims take
// them (see PayloadKey).
// KeyList = (be32 length | RecordKey)*: the keys a claim leased
// (lease_table.h), kept until each of them has its outcome written.
#ifndef OUTBOX_SRC_STORAGE_KEYS_H_
#define OUTBOX_SRC_STORAGE_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "outbox/dedup_key.h"
#include "outbox/record.h"
#include "outbox/status.h"

namespace outbox {

std::string RecordKey(const DedupKey& key);
// DATA_LOSS when `bytes` is not a RecordKey.
StatusOr<DedupKey> DecodeRecordKey(std::string_view bytes);
// The pixel id a RecordKey starts with (no validation beyond framing).
std::string_view PixelOfRecordKey(std::string_view record_key);

std::string PixelPrefix(std::string_view pixel_id);

// payloads: the pixel's prefix, then the event's timestamp, then the
// record key. Keyed by record key, a claim's 1,000 payloads were 1,000
// random reads; in this order they are neighbours (a claim takes a pixel's
// records by deadline, and the deadline is the timestamp plus a constant),
// and payloads written in time order fill files that do not overlap.
// The timestamp never changes, so a record always finds its payload.
std::string PayloadKey(std::string_view record_key, int64_t timestamp_ms);

// due: the pixel's prefix, then the deadline, then the record key.
std::string DueKey(std::string_view record_key, int64_t deadline_ms);
// The PixelPrefix a due key starts with; empty when it is too short.
std::string_view PixelPrefixOfDueKey(std::string_view due_key);
// False when `due_key` is malformed.
bool ParseDueKey(std::string_view due_key, int64_t* deadline_ms,
                 std::string_view* record_key);

// retry and gc: a time, then the record key.
std::string TimeKey(int64_t time_ms, std::string_view record_key);
bool ParseTimeKey(std::string_view time_key, int64_t* time_ms,
                  std::string_view* record_key);

std::string CounterKey(State state, std::string_view pixel_id);
inline constexpr std::string_view kCounterPrefix = "count/";
// False when `key` is not a counter key.
bool ParseCounterKey(std::string_view key, State* state,
                     std::string_view* pixel_id);

inline constexpr std::string_view kLeasePrefix = "lease/";
std::string LeaseKey(uint64_t claim_id);
std::string EncodeKeyList(const std::vector<std::string>& keys);
// False when `bytes` is not a KeyList.
bool DecodeKeyList(std::string_view bytes, std::vector<std::string>* keys);

void AppendBigEndian64(uint64_t v, std::string* out);
uint64_t ReadBigEndian64(std::string_view bytes);

}  // namespace outbox

#endif  // OUTBOX_SRC_STORAGE_KEYS_H_
