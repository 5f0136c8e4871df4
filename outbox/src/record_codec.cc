#include "outbox/src/record_codec.h"

#include "outbox/src/storage_keys.h"
#include "stored_record.pb.h"

namespace outbox {
namespace {

void ToProto(const Attempt& a, storage::StoredAttempt* p) {
  p->set_started_ms(a.started_ms);
  p->set_duration_ms(a.duration_ms);
  p->set_http_status(a.http_status);
  p->set_transport_error(a.transport_error);
  p->set_body_excerpt(a.body_excerpt);
  p->set_request_id(a.request_id);
  p->set_batch_size(a.batch_size);
}

Attempt FromProto(const storage::StoredAttempt& p) {
  Attempt a;
  a.started_ms = p.started_ms();
  a.duration_ms = p.duration_ms();
  a.http_status = p.http_status();
  a.transport_error = p.transport_error();
  a.body_excerpt = p.body_excerpt();
  a.request_id = p.request_id();
  a.batch_size = p.batch_size();
  return a;
}

bool IsKnownState(int s) {
  return s >= static_cast<int>(State::kPending) &&
         s <= static_cast<int>(State::kExpired);
}

}  // namespace

std::string EncodeRecord(const Record& r) {
  storage::StoredRecord p;
  p.set_state(static_cast<int>(r.state));
  p.set_timestamp_ms(r.timestamp_ms);
  p.set_enqueued_ms(r.enqueued_ms);
  p.set_state_changed_ms(r.state_changed_ms);
  p.set_next_attempt_ms(r.next_attempt_ms);
  p.set_delivered_ms(r.delivered_ms);
  p.set_attempt_count(r.attempt_count);
  p.set_replay_count(r.replay_count);
  for (const Attempt& a : r.attempts) ToProto(a, p.add_attempts());
  p.set_last_error(r.last_error);
  return p.SerializeAsString();
}

StatusOr<Record> DecodeRecord(const DedupKey& key, std::string_view bytes) {
  storage::StoredRecord p;
  if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      !IsKnownState(p.state())) {
    return Status::DataLoss("undecodable record for key " + key.ToString());
  }
  Record r(key);
  r.state = static_cast<State>(p.state());
  r.event_json = p.event_json();
  r.timestamp_ms = p.timestamp_ms();
  r.enqueued_ms = p.enqueued_ms();
  r.state_changed_ms = p.state_changed_ms();
  r.next_attempt_ms = p.next_attempt_ms();
  r.delivered_ms = p.delivered_ms();
  r.attempt_count = p.attempt_count();
  r.replay_count = p.replay_count();
  r.attempts.reserve(p.attempts_size());
  for (const auto& a : p.attempts()) r.attempts.push_back(FromProto(a));
  r.last_error = p.last_error();
  return r;
}

StatusOr<Record> DecodeRecordAt(std::string_view record_key,
                                std::string_view bytes) {
  StatusOr<DedupKey> key = DecodeRecordKey(record_key);
  if (!key.ok()) return key.status();
  return DecodeRecord(*key, bytes);
}

}  // namespace outbox
