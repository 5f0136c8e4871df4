// Validation of events at enqueue: every rule of the Conversions API that can
// be checked locally, so that no event the API would reject is ever stored.
//
// Errors name the event and the field, e.g.
//   "events[3].timestamp_ms: older than 7 days (...)"
// and never quote personal data.
#ifndef OUTBOX_SRC_VALIDATION_H_
#define OUTBOX_SRC_VALIDATION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "outbox/event.h"
#include "outbox/status.h"

namespace outbox {

// The API refuses events older than this when it receives them.
inline constexpr int64_t kMaxEventAgeMs = 7LL * 24 * 3600 * 1000;
// ... and events further than this in the future.
inline constexpr int64_t kMaxFutureSkewMs = 10LL * 60 * 1000;
// The API's limit on events per request, and so per Enqueue call.
inline constexpr size_t kMaxEventsPerRequest = 1000;
// Size limits this outbox enforces (the API documents none).
inline constexpr size_t kMaxStringBytes = 2048;      // any other string field
inline constexpr size_t kMaxUrlBytes = 8192;         // source_url
inline constexpr size_t kMaxListValues = 20;         // per user-data list
inline constexpr size_t kMaxContents = 1000;         // data.contents items
inline constexpr size_t kMaxVariantEntries = 50;     // per content item
inline constexpr size_t kMaxEventJsonBytes = 256 * 1024;  // encoded event

struct ValidationContext {
  int64_t now_ms = 0;
  // Events whose timestamp + 7 days is closer to now than this are refused:
  // they would expire before delivery. See Options::expiry_margin_ms.
  int64_t expiry_margin_ms = 0;
};

// Normalises and hashes the raw personal data of `event` (moving it into the
// *_sha256 lists and clearing the raw lists), then checks every rule.
// `index` is the event's position in the request, used in messages.
// Appends one message per problem found to `errors`; returns true when none.
bool PrepareEvent(Event* event, size_t index, const ValidationContext& ctx,
                  std::vector<std::string>* errors);

// Prepares every event of a request. Returns INVALID_ARGUMENT listing every
// problem (joined with "; ") when any event is invalid, including an empty
// request or one with more than kMaxEventsPerRequest events.
Status PrepareEvents(std::vector<Event>* events, const ValidationContext& ctx);

}  // namespace outbox

#endif  // OUTBOX_SRC_VALIDATION_H_
