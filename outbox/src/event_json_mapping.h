// The field mapping between Event and the Conversions API's JSON: the only
// place that knows the API's key names. Each line pairs a key with a member.
// The encoder (event_json.cc) writes the keys in this order and the parser
// (event_json_parse.cc) accepts exactly these keys, so a renamed field is a
// one-line edit and encoder and parser cannot drift apart.
#ifndef OUTBOX_SRC_EVENT_JSON_MAPPING_H_
#define OUTBOX_SRC_EVENT_JSON_MAPPING_H_

#include <cstddef>
#include <string_view>
#include <tuple>

#include "outbox/event.h"

namespace outbox {
namespace event_json_mapping {

template <typename S, typename M>
struct Field {
  std::string_view name;
  M S::*member;
};
template <typename S, typename M>
Field(std::string_view, M S::*) -> Field<S, M>;

// clang-format off
inline constexpr auto kContentFields = std::make_tuple(
    Field{"id", &Content::id},
    Field{"group_id", &Content::group_id},
    Field{"name", &Content::name},
    Field{"content_type", &Content::content_type},
    Field{"quantity", &Content::quantity},
    Field{"amount", &Content::amount},
    Field{"currency", &Content::currency},
    Field{"variant_dict", &Content::variant_dict});

inline constexpr auto kDataFields = std::make_tuple(
    Field{"type", &EventData::type},
    Field{"amount", &EventData::amount},
    Field{"currency", &EventData::currency},
    Field{"plan_id", &EventData::plan_id},
    Field{"contents", &EventData::contents});

// The raw personal-data lists (UserData::emails, ...) are deliberately absent.
inline constexpr auto kUserFields = std::make_tuple(
    Field{"emails_sha256", &UserData::emails_sha256},
    Field{"phone_numbers_sha256", &UserData::phone_numbers_sha256},
    Field{"external_ids_sha256", &UserData::external_ids_sha256},
    Field{"first_names_sha256", &UserData::first_names_sha256},
    Field{"last_names_sha256", &UserData::last_names_sha256},
    Field{"countries", &UserData::countries},
    Field{"cities", &UserData::cities},
    Field{"regions", &UserData::regions},
    Field{"postal_codes", &UserData::postal_codes},
    Field{"obref", &UserData::obref},
    Field{"ip_address", &UserData::ip_address},
    Field{"user_agent", &UserData::user_agent},
    Field{"android_advertising_id", &UserData::android_advertising_id});

// Event::pixel_id is deliberately absent: it travels in the URL.
inline constexpr auto kEventFields = std::make_tuple(
    Field{"id", &Event::id},
    Field{"type", &Event::type},
    Field{"custom_event_name", &Event::custom_event_name},
    Field{"timestamp_ms", &Event::timestamp_ms},
    Field{"action_source", &Event::action_source},
    Field{"source_url", &Event::source_url},
    Field{"oppref", &Event::oppref},
    Field{"opt_out", &Event::opt_out},
    Field{"user", &Event::user},
    Field{"data", &Event::data});
// clang-format on

inline constexpr std::string_view kValidateOnlyKey = "validate_only";
inline constexpr std::string_view kEventsKey = "events";

// A `custom` event's data may carry advertiser-defined keys.
inline bool AllowsExtraKeys(const EventData& data) { return data.type == "custom"; }
template <typename T>
bool AllowsExtraKeys(const T&) {
  return false;
}
constexpr const auto& FieldsOf(const Event*) { return kEventFields; }
constexpr const auto& FieldsOf(const UserData*) { return kUserFields; }
constexpr const auto& FieldsOf(const EventData*) { return kDataFields; }
constexpr const auto& FieldsOf(const Content*) { return kContentFields; }

// Calls f(name, member) for every mapped field of `obj`, in mapping order.
template <typename T, typename Fn>
void ForEachField(T& obj, Fn&& f) {
  std::apply([&](const auto&... x) { (f(x.name, obj.*x.member), ...); },
             FieldsOf(&obj));
}

// Calls f(index, member) for the field named `key`; false if there is none.
template <typename T, typename Fn>
bool VisitField(T& obj, std::string_view key, Fn&& f) {
  size_t i = 0;
  auto visit = [&](const auto& x) {
    if (x.name != key) {
      ++i;
      return false;
    }
    f(i, obj.*x.member);
    return true;
  };
  return std::apply([&](const auto&... x) { return (visit(x) || ...); },
                    FieldsOf(&obj));
}

}  // namespace event_json_mapping
}  // namespace outbox

#endif  // OUTBOX_SRC_EVENT_JSON_MAPPING_H_
