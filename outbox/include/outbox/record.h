// Record: what the outbox stores for one dedup key — the event (as the exact
// JSON bytes that will be sent), its delivery state, and its attempt history.
//
// State machine (docs/design.md has the diagram):
//   PENDING -> IN_FLIGHT -> DELIVERED | DEAD | PENDING (retry later)
//   PENDING -> EXPIRED    (the event became too old to send)
//   IN_FLIGHT -> PENDING  (recovery after a crash: resent with the same bytes)
// IN_FLIGHT (being sent) is kept in memory: such a record is stored PENDING
// and leased by the drainer, and reads as IN_FLIGHT (docs/design.md).
//   DEAD -> PENDING       (operator replay)
//   any -> removed        (purge, or retention once the API's window closed)
#ifndef OUTBOX_RECORD_H_
#define OUTBOX_RECORD_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "outbox/dedup_key.h"

namespace outbox {

enum class State {
  kPending = 1,
  kInFlight = 2,
  kDelivered = 3,
  kDead = 4,
  kExpired = 5,
};

// "PENDING", "IN_FLIGHT", "DELIVERED", "DEAD" or "EXPIRED".
const char* StateName(State state);
// Parses a StateName (case-insensitive). False when `name` names no state.
bool ParseState(std::string_view name, State* state);
inline std::ostream& operator<<(std::ostream& os, State state) {
  return os << StateName(state);
}
// True for DELIVERED, DEAD and EXPIRED: no further delivery happens.
inline bool IsTerminal(State s) {
  return s == State::kDelivered || s == State::kDead || s == State::kExpired;
}

// One delivery attempt, as seen from the outbox.
struct Attempt {
  int64_t started_ms = 0;
  int64_t duration_ms = 0;
  int http_status = 0;          // 0 when no HTTP answer arrived.
  std::string transport_error;  // e.g. "timeout", "connection refused".
  std::string body_excerpt;     // Start of the response body, truncated.
  std::string request_id;       // Request-id-like response header, if any.
  uint32_t batch_size = 0;      // Events in the request that carried it.
};

struct Record {
  explicit Record(DedupKey k) : key(std::move(k)) {}

  DedupKey key;
  State state = State::kPending;
  std::string event_json;  // The event's JSON object, byte-identical on
                           // every send. Empty once retention dropped it.
  int64_t timestamp_ms = 0;     // The event's timestamp.
  int64_t enqueued_ms = 0;
  int64_t state_changed_ms = 0;
  int64_t next_attempt_ms = 0;  // 0: due now (when PENDING).
  int64_t delivered_ms = 0;     // 0 unless DELIVERED.
  uint32_t attempt_count = 0;   // Attempts since enqueue or last replay.
  uint32_t replay_count = 0;
  std::vector<Attempt> attempts;  // Most recent last; bounded.
  std::string last_error;         // Why the last attempt failed, or why the
                                  // record is DEAD / EXPIRED.
};

}  // namespace outbox

#endif  // OUTBOX_RECORD_H_
