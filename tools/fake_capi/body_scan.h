// ScanRequestBody: the --validate none fast path. Finds validate_only and
// each event's type, custom_event_name and id in a request body without
// building anything, so a benchmark measures its sender, not fake-capi.
#ifndef TOOLS_FAKE_CAPI_BODY_SCAN_H_
#define TOOLS_FAKE_CAPI_BODY_SCAN_H_

#include <optional>
#include <string_view>
#include <vector>

namespace outbox {
namespace fake_capi {

// Views into the scanned body.
struct ScannedEvent {
  std::string_view type;
  std::string_view custom_event_name;
  std::string_view id;

  // The API's event name: custom_event_name for a custom event, else type.
  std::string_view name() const {
    return type == "custom" ? custom_event_name : type;
  }
};

struct ScannedRequest {
  bool validate_only = false;
  bool has_events = false;
  std::vector<ScannedEvent> events;
};

// Scans `body` for the fields above. JSON syntax is only checked as far as
// the scan needs (brackets balance, strings end). Returns nullopt when the
// body is not a plain request the scan can read with certainty: not an
// object, an events item that is not an object, an event without a string
// id and type, an escape sequence in a key or value it reads, or nesting
// deeper than 64. The caller then parses the body in full, which also
// produces the error message.
std::optional<ScannedRequest> ScanRequestBody(std::string_view body);

}  // namespace fake_capi
}  // namespace outbox

#endif  // TOOLS_FAKE_CAPI_BODY_SCAN_H_
