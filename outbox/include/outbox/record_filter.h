// RecordFilter: what a listed, replayed or purged record must satisfy beyond
// the state and pixel that pick the index to scan — its event name, why its
// last attempt failed, and its age.
//
//   ListQuery query;
//   query.state = State::kDead;
//   query.filter.error_class = ErrorClass::kClientError;
//   query.filter.enqueued_before_ms = now - 2 * 3600 * 1000;  // older than 2h
//
// Every condition left at its default matches every record. Times are
// absolute (epoch milliseconds), so a listing paged over several calls
// applies the same cut-off to every page.
//
// Thread-safety: a value type; Matches is const and pure.
#ifndef OUTBOX_RECORD_FILTER_H_
#define OUTBOX_RECORD_FILTER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "outbox/record.h"

namespace outbox {

// Why an attempt failed, by the HTTP status it got.
enum class ErrorClass {
  kNetwork,      // No HTTP answer: timeout, refused, TLS, DNS.
  kAuth,         // 401 or 403: the API key was refused.
  kRateLimited,  // 429.
  kClientError,  // Any other 4xx: the event or request is bad.
  kServerError,  // 5xx.
};

// "network", "auth", "rate_limited", "client_error", "server_error".
const char* ErrorClassName(ErrorClass error_class);
// Parses an ErrorClassName. False when `name` names none.
bool ParseErrorClass(std::string_view name, ErrorClass* error_class);
// The class of `attempt`, or nullopt when it succeeded (1xx-3xx).
std::optional<ErrorClass> ErrorClassOf(const Attempt& attempt);

struct RecordFilter {
  // The dedup key's event name: the event `type`, or its
  // `custom_event_name` when the type is "custom". Default (empty): any.
  std::string event_name;
  // Class of the last attempt. Records never attempted (or whose last
  // attempt succeeded) do not match. Default: any, attempted or not.
  std::optional<ErrorClass> error_class;
  // HTTP status of the last attempt (0 also matches "no HTTP answer").
  // Default: any.
  std::optional<int> http_status;
  // Enqueued strictly before / at or after these times. 0: no bound.
  int64_t enqueued_before_ms = 0;
  int64_t enqueued_after_ms = 0;
  // The event's own timestamp strictly before / at or after these times
  // (what the API's 7-day window counts from). 0: no bound.
  int64_t timestamp_before_ms = 0;
  int64_t timestamp_after_ms = 0;

  // True when every condition is left at its default.
  bool MatchesAll() const;
  // True when `record` satisfies every condition.
  bool Matches(const Record& record) const;
};

}  // namespace outbox

#endif  // OUTBOX_RECORD_FILTER_H_
