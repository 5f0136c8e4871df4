#include <string_view>

#include "outbox/src/record_codec.h"
#include "outbox/src/storage_keys.h"
#include "tests/fuzz/fuzz_targets.h"

namespace outbox::fuzz {
namespace {

// Whatever a server answered may end up in an attempt, so a record holding
// any bytes in any text field must be stored and read back intact.
void CheckAnyRecordRoundTrips(const DedupKey& key, std::string_view bytes) {
  Record record(key);
  record.event_json = std::string(bytes);
  record.last_error = std::string(bytes.substr(bytes.size() / 2));
  Attempt attempt;
  attempt.transport_error = std::string(bytes.substr(0, bytes.size() / 3));
  attempt.body_excerpt = std::string(bytes);
  attempt.request_id = std::string(bytes.substr(bytes.size() / 3));
  record.attempts.push_back(attempt);
  std::string encoded = EncodeRecord(record);
  StatusOr<Record> decoded = DecodeRecord(key, encoded);
  FUZZ_CHECK(decoded.ok(), "a record the outbox wrote cannot be read back: " +
                               decoded.status().ToString());
  FUZZ_CHECK(EncodeRecord(*decoded) == encoded, "record changed on the way");
  FUZZ_CHECK(
      decoded->attempts.size() == 1 &&
          decoded->attempts[0].request_id == attempt.request_id &&
          decoded->attempts[0].transport_error == attempt.transport_error,
      "attempt changed on the way");
}

}  // namespace

int FuzzRecordCodec(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  StatusOr<DedupKey> key = DecodeRecordKey(bytes);
  if (key.ok()) {
    FUZZ_CHECK(RecordKey(*key) == bytes, "record key does not round-trip");
  }
  PixelOfRecordKey(bytes);
  int64_t time_ms = 0;
  std::string_view record_key;
  ParseDueKey(bytes, &time_ms, &record_key);
  ParseTimeKey(bytes, &time_ms, &record_key);
  State state;
  std::string_view pixel;
  ParseCounterKey(bytes, &state, &pixel);

  const DedupKey fixed = DedupKey::Create("px", "lead_created", "id").value();
  StatusOr<Record> record = DecodeRecord(fixed, bytes);
  if (record.ok()) {
    std::string encoded = EncodeRecord(*record);
    StatusOr<Record> again = DecodeRecord(fixed, encoded);
    FUZZ_CHECK(again.ok(), "re-encoded record does not decode");
    FUZZ_CHECK(EncodeRecord(*again) == encoded, "record does not round-trip");
  }
  CheckAnyRecordRoundTrips(fixed, bytes);
  return 0;
}

}  // namespace outbox::fuzz
