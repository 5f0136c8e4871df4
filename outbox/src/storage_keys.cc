#include "outbox/src/storage_keys.h"

#include <algorithm>

namespace outbox {
namespace {

// Negative times (never produced by validated events) sort first.
uint64_t TimeBits(int64_t t) { return t < 0 ? 0 : static_cast<uint64_t>(t); }

}  // namespace

void AppendBigEndian64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xFF));
  }
}

uint64_t ReadBigEndian64(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    v = v << 8 | static_cast<unsigned char>(bytes[i]);
  }
  return v;
}

std::string PixelPrefix(std::string_view pixel_id) {
  std::string out;
  out.reserve(pixel_id.size() + 1);
  out.push_back(static_cast<char>(pixel_id.size()));
  out.append(pixel_id);
  return out;
}

std::string RecordKey(const DedupKey& key) {
  std::string out = PixelPrefix(key.pixel_id());
  out.push_back(static_cast<char>(key.event_name().size()));
  out.append(key.event_name());
  out.append(key.id());
  return out;
}

std::string_view PixelOfRecordKey(std::string_view record_key) {
  if (record_key.empty()) return {};
  size_t len = static_cast<unsigned char>(record_key[0]);
  return record_key.substr(1, std::min(len, record_key.size() - 1));
}

StatusOr<DedupKey> DecodeRecordKey(std::string_view bytes) {
  auto corrupt = [] { return Status::DataLoss("malformed record key"); };
  if (bytes.empty()) return corrupt();
  size_t pixel_len = static_cast<unsigned char>(bytes[0]);
  if (bytes.size() < 2 + pixel_len) return corrupt();
  size_t name_len = static_cast<unsigned char>(bytes[1 + pixel_len]);
  size_t id_start = 2 + pixel_len + name_len;
  if (bytes.size() <= id_start) return corrupt();
  StatusOr<DedupKey> key = DedupKey::Create(
      std::string(bytes.substr(1, pixel_len)),
      std::string(bytes.substr(2 + pixel_len, name_len)),
      std::string(bytes.substr(id_start)));
  if (!key.ok()) return corrupt();
  return key;
}

std::string PayloadKey(std::string_view record_key, int64_t timestamp_ms) {
  // The same layout as a due key, with the timestamp for the deadline.
  return DueKey(record_key, timestamp_ms);
}

std::string DueKey(std::string_view record_key, int64_t deadline_ms) {
  std::string_view pixel = PixelOfRecordKey(record_key);
  std::string out;
  out.reserve(1 + pixel.size() + 8 + record_key.size());
  out.push_back(static_cast<char>(pixel.size()));
  out.append(pixel);
  AppendBigEndian64(TimeBits(deadline_ms), &out);
  out.append(record_key);
  return out;
}

std::string_view PixelPrefixOfDueKey(std::string_view due_key) {
  if (due_key.empty()) return {};
  size_t size = 1 + static_cast<unsigned char>(due_key[0]);
  return size <= due_key.size() ? due_key.substr(0, size) : std::string_view();
}

bool ParseDueKey(std::string_view due_key, int64_t* deadline_ms,
                 std::string_view* record_key) {
  if (due_key.empty()) return false;
  size_t pixel_len = static_cast<unsigned char>(due_key[0]);
  size_t time_at = 1 + pixel_len;
  if (due_key.size() < time_at + 8 + 1) return false;
  *deadline_ms = static_cast<int64_t>(ReadBigEndian64(due_key.substr(time_at)));
  *record_key = due_key.substr(time_at + 8);
  return PixelOfRecordKey(*record_key) == due_key.substr(1, pixel_len);
}

std::string TimeKey(int64_t time_ms, std::string_view record_key) {
  std::string out;
  out.reserve(8 + record_key.size());
  AppendBigEndian64(TimeBits(time_ms), &out);
  out.append(record_key);
  return out;
}

bool ParseTimeKey(std::string_view time_key, int64_t* time_ms,
                  std::string_view* record_key) {
  if (time_key.size() < 9) return false;
  *time_ms = static_cast<int64_t>(ReadBigEndian64(time_key));
  *record_key = time_key.substr(8);
  return true;
}

std::string CounterKey(State state, std::string_view pixel_id) {
  std::string out(kCounterPrefix);
  out.push_back(static_cast<char>(state));
  out.append(pixel_id);
  return out;
}

bool ParseCounterKey(std::string_view key, State* state,
                     std::string_view* pixel_id) {
  if (key.size() < kCounterPrefix.size() + 1 ||
      key.substr(0, kCounterPrefix.size()) != kCounterPrefix) {
    return false;
  }
  int s = static_cast<unsigned char>(key[kCounterPrefix.size()]);
  if (s < static_cast<int>(State::kPending) ||
      s > static_cast<int>(State::kExpired)) {
    return false;
  }
  *state = static_cast<State>(s);
  *pixel_id = key.substr(kCounterPrefix.size() + 1);
  return true;
}

std::string LeaseKey(uint64_t claim_id) {
  std::string out(kLeasePrefix);
  AppendBigEndian64(claim_id, &out);
  return out;
}

std::string EncodeKeyList(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& key : keys) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((key.size() >> shift) & 0xFF));
    }
    out.append(key);
  }
  return out;
}

bool DecodeKeyList(std::string_view bytes, std::vector<std::string>* keys) {
  while (!bytes.empty()) {
    if (bytes.size() < 4) return false;
    size_t size = 0;
    for (int i = 0; i < 4; ++i) {
      size = size << 8 | static_cast<unsigned char>(bytes[i]);
    }
    bytes.remove_prefix(4);
    if (bytes.size() < size) return false;
    keys->emplace_back(bytes.substr(0, size));
    bytes.remove_prefix(size);
  }
  return true;
}

}  // namespace outbox
