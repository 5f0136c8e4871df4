#include "outbox/src/record_index.h"

#include <algorithm>

#include "outbox/src/storage_keys.h"
#include "outbox/src/validation.h"

namespace outbox {
namespace {

// Delivered keys are kept a little past the API's window, so that a clock
// stepping back by minutes cannot make an accepted key sendable again.
constexpr int64_t kRetentionSlackMs = 60LL * 60 * 1000;

}  // namespace

int64_t EventDeadlineMs(int64_t timestamp_ms) {
  return timestamp_ms + kMaxEventAgeMs;
}

int64_t DropAtMs(const Record& record, const RetentionPolicy& policy) {
  int64_t window_closed = EventDeadlineMs(record.timestamp_ms) +
                          kRetentionSlackMs;
  if (record.state == State::kDelivered) return window_closed;
  return std::max(window_closed,
                  record.state_changed_ms + policy.terminal_retention_ms);
}

bool IndexedByState(State state) {
  return state == State::kDead || state == State::kExpired ||
         state == State::kInFlight;
}

std::string ByStatePrefix(State state, std::string_view pixel_id) {
  std::string out(1, static_cast<char>(state));
  if (!pixel_id.empty()) out.append(PixelPrefix(pixel_id));
  return out;
}

std::string ByStateKey(State state, std::string_view record_key) {
  std::string out(1, static_cast<char>(state));
  out.append(record_key);
  return out;
}

std::vector<IndexEntry> IndexEntriesFor(const Record& record,
                                        std::string_view record_key,
                                        const RetentionPolicy& policy,
                                        std::string_view stored) {
  std::vector<IndexEntry> entries;
  if (IndexedByState(record.state)) {
    entries.push_back(
        {IndexCf::kByState, ByStateKey(record.state, record_key), ""});
  }
  switch (record.state) {
    case State::kPending:
      if (record.next_attempt_ms == 0) {
        entries.push_back(
            {IndexCf::kDue,
             DueKey(record_key, EventDeadlineMs(record.timestamp_ms)),
             std::string(stored)});
      } else {
        std::string timestamp;
        AppendBigEndian64(static_cast<uint64_t>(record.timestamp_ms),
                          &timestamp);
        entries.push_back({IndexCf::kRetry,
                           TimeKey(record.next_attempt_ms, record_key),
                           std::move(timestamp)});
      }
      break;
    case State::kInFlight:
      break;  // Found through kByState by recovery.
    case State::kDelivered:
    case State::kDead:
    case State::kExpired:
      entries.push_back(
          {IndexCf::kGc, TimeKey(DropAtMs(record, policy), record_key), ""});
      break;
  }
  return entries;
}

}  // namespace outbox
