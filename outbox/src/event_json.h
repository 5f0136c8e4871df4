// The event's JSON wire form, exactly as the Conversions API expects it, and
// the request body that carries a batch of them.
//
// The field mapping between Event and JSON lives in event_json_mapping.h and
// nowhere else: when the API renames a field, that file is the only one to
// edit. Encoding is in event_json.cc, parsing in event_json_parse.cc.
//
// An event is encoded once, at enqueue; the stored bytes are spliced into
// every request that carries it, so each resend is byte-identical.
#ifndef OUTBOX_SRC_EVENT_JSON_H_
#define OUTBOX_SRC_EVENT_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "outbox/event.h"
#include "outbox/status.h"

namespace outbox {

// Appends the JSON object of `event` to `out`: integers as JSON numbers,
// empty strings, empty lists, unset optionals and an empty `user` omitted,
// `data` always present, user data in the list form, no pixel id (it travels
// in the URL), no raw personal-data lists. Strings are copied as they are
// apart from JSON escaping, so they must be valid UTF-8 (PrepareEvent
// checks this).
void AppendEventJson(const Event& event, std::string* out);

// Parses one event object (as produced by AppendEventJson, or sent by any
// client to the API). `pixel_id` is copied into the result. Checks the JSON
// shape only: valid UTF-8, known keys, each value of the right JSON type,
// integers within int64; the API's rules are PrepareEvent's job. A null
// member counts as absent; a repeated key is an error. Advertiser-defined keys
// in the data of a custom event (data.type "custom") are ignored. Returns
// INVALID_ARGUMENT naming the offending path, e.g. "data.amount: expected an
// integer", "user.countries[2]: expected a string", "foo: unknown field".
// ParseEventJson(AppendEventJson(e)) equals e when e has no raw
// personal-data lists.
StatusOr<Event> ParseEventJson(std::string_view json, std::string pixel_id);

// A request body as the Conversions API receives it.
struct ParsedRequest {
  bool validate_only = false;
  bool has_events = false;  // The body had a non-null `events` member.
  std::vector<Event> events;
};

// Parses a whole request body {"validate_only":...,"events":[...]}: one JSON
// parse, then each event as ParseEventJson would read it, each with
// `pixel_id`. Other top-level members (e.g. integration_source) are ignored;
// a missing `events` is not an error here (has_events is false). Returns
// INVALID_ARGUMENT for malformed JSON, a body that is not an object,
// validate_only that is not a boolean, events that is not an array, or the
// first malformed event, naming it: "events[3].data.amount: expected an
// integer". RESOURCE_EXHAUSTED, before parsing any event, when there are more
// than kMaxEventsPerRequest events.
StatusOr<ParsedRequest> ParseRequestBody(std::string_view body,
                                         const std::string& pixel_id);

// Returns the request body {"validate_only":...,"events":[e1,e2,...]} built
// by splicing already-encoded event objects.
std::string BuildRequestBody(const std::vector<std::string_view>& events,
                             bool validate_only);

namespace internal {

// The same bytes as AppendEventJson, written by rapidjson::Writer from the
// same field mapping. Slower; kept as the reference the tests compare the
// hand-written escaping against, and as the benchmark's baseline.
void AppendEventJsonWithRapidJson(const Event& event, std::string* out);

}  // namespace internal

}  // namespace outbox

#endif  // OUTBOX_SRC_EVENT_JSON_H_
