// Event: one conversion event, as the application hands it to the outbox.
//
// The fields mirror the OpenAI Ads Conversions API event (see docs/design.md
// and the API summary) one to one, so the gRPC layer maps its messages field
// by field. Empty strings and empty lists mean "not set"; optional numbers use
// std::optional. The pixel id travels with the event because the outbox
// batches per pixel; it is not part of the event's JSON.
//
// Personal data may be given raw (`UserData::emails`, ...): Enqueue normalises
// and SHA-256-hashes it into the matching `*_sha256` list before anything is
// stored, and the raw lists are then empty.
#ifndef OUTBOX_EVENT_H_
#define OUTBOX_EVENT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace outbox {

// Matching data. Hashed lists hold 64-character lowercase hex SHA-256 digests.
struct UserData {
  std::vector<std::string> emails_sha256;
  std::vector<std::string> phone_numbers_sha256;
  std::vector<std::string> external_ids_sha256;
  std::vector<std::string> first_names_sha256;
  std::vector<std::string> last_names_sha256;

  // Plain values, sent as given (never hashed).
  std::vector<std::string> countries;  // ISO 3166-1 alpha-2, e.g. "US".
  std::vector<std::string> cities;
  std::vector<std::string> regions;
  std::vector<std::string> postal_codes;
  std::string obref;
  std::string ip_address;
  std::string user_agent;
  std::string android_advertising_id;

  // Raw personal data: normalised and hashed by Enqueue, never stored.
  std::vector<std::string> emails;
  std::vector<std::string> phone_numbers;
  std::vector<std::string> external_ids;
  std::vector<std::string> first_names;
  std::vector<std::string> last_names;
};

// One item of `EventData::contents`.
struct Content {
  std::string id;
  std::string group_id;
  std::string name;
  std::string content_type;
  std::optional<int64_t> quantity;
  std::optional<int64_t> amount;  // Minor units: 12999 = 129.99 USD.
  std::string currency;           // ISO 4217; else the event's currency.
  std::map<std::string, std::string> variant_dict;
};

struct EventData {
  std::string type;  // "contents", "customer_action", "plan_enrollment",
                     // or "custom"; must match the event's type.
  std::optional<int64_t> amount;  // Minor units; requires `currency`.
  std::string currency;           // ISO 4217, e.g. "USD".
  std::string plan_id;
  std::vector<Content> contents;
};

struct Event {
  std::string pixel_id;  // Required. Selects the endpoint (?pid=...).
  std::string id;        // Required. Equal to the pixel's event_id.
  std::string type;      // Required: a standard event name or "custom".
  std::string custom_event_name;  // Required iff type == "custom".
  int64_t timestamp_ms = 0;       // Required. Epoch milliseconds.
  std::string action_source;      // Optional: "web", "mobile_app", ...
  std::string source_url;         // Required iff action_source == "web".
  std::string oppref;             // Optional click reference, passed as is.
  std::optional<bool> opt_out;
  UserData user;
  EventData data;
};

}  // namespace outbox

#endif  // OUTBOX_EVENT_H_
