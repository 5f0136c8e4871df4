#include "outbox/src/validation.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "outbox/dedup_key.h"
#include "outbox/src/pii.h"
#include "outbox/src/validation_internal.h"

namespace outbox {
namespace {

struct StandardType {
  std::string_view name;
  std::string_view data_type;
};

constexpr StandardType kStandardTypes[] = {
    {"page_viewed", "contents"},
    {"contents_viewed", "contents"},
    {"items_added", "contents"},
    {"checkout_started", "contents"},
    {"order_created", "contents"},
    {"lead_created", "customer_action"},
    {"registration_completed", "customer_action"},
    {"appointment_scheduled", "customer_action"},
    {"app_installed", "customer_action"},
    {"app_opened", "customer_action"},
    {"subscription_created", "plan_enrollment"},
    {"trial_started", "plan_enrollment"},
};

}  // namespace

namespace validation_internal {

std::string_view DataTypeForEventType(std::string_view type) {
  if (type == "custom") return "custom";
  for (const StandardType& standard : kStandardTypes) {
    if (standard.name == type) return standard.data_type;
  }
  return {};
}

}  // namespace validation_internal

namespace {

using validation_internal::CheckText;
using validation_internal::DataTypeForEventType;
using validation_internal::EventErrors;
using validation_internal::Quote;
using validation_internal::TextProblem;

constexpr std::string_view kActionSources[] = {
    "web",        "mobile_app", "offline", "physical_store",
    "phone_call", "email",      "other"};
constexpr size_t kMaxErrorsInStatus = 50;
constexpr int64_t kDayMs = 24LL * 3600 * 1000;
// A timestamp this close to now once rescaled is taken as a unit mistake.
constexpr int64_t kUnitGuessRangeMs = 365 * kDayMs;

void CheckRequiredText(std::string_view path, std::string_view value,
                       size_t max_bytes, std::string_view what_it_is,
                       EventErrors* errors) {
  if (value.empty()) {
    errors->Add(path, std::string("required: ") + std::string(what_it_is));
    return;
  }
  CheckText(path, value, max_bytes, errors);
}

void CheckIdentity(const Event& event, EventErrors* errors) {
  CheckRequiredText("pixel_id", event.pixel_id, kMaxPixelIdBytes,
                    "the pixel id the event is sent to", errors);
  CheckRequiredText("id", event.id, kMaxEventIdBytes,
                    "the event id, equal to the pixel's event_id", errors);
  CheckText("oppref", event.oppref, kMaxStringBytes, errors);
}

void CheckType(const Event& event, EventErrors* errors) {
  if (event.type.empty()) {
    errors->Add("type", "required: a standard event name or \"custom\"");
  } else if (DataTypeForEventType(event.type).empty()) {
    errors->Add("type", Quote(event.type) +
                            " is not a standard event name or \"custom\" "
                            "(names are lower-case, e.g. \"order_created\")");
  }
}

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
    return lower(x) == lower(y);
  });
}

std::string CustomNameProblem(std::string_view name) {
  if (name.size() > kMaxEventNameBytes) {
    return "is longer than " + std::to_string(kMaxEventNameBytes) +
           " characters";
  }
  for (char c : name) {
    if (!IsAsciiAlnum(c) && c != '_' && c != '-') {
      return "may contain only A-Z, a-z, 0-9, '_' and '-'";
    }
  }
  if (!IsAsciiAlnum(name.front()) || !IsAsciiAlnum(name.back())) {
    return "must start and end with a letter or digit";
  }
  for (const StandardType& standard : kStandardTypes) {
    if (EqualsIgnoringAsciiCase(name, standard.name)) {
      return "is a standard event name; send type " + Quote(standard.name) +
             " instead";
    }
  }
  return "";
}

void CheckCustomEventName(const Event& event, EventErrors* errors) {
  const std::string& name = event.custom_event_name;
  if (event.type != "custom") {
    if (!name.empty()) {
      errors->Add("custom_event_name",
                  "must be empty unless type is \"custom\"");
    }
    return;
  }
  if (name.empty()) {
    errors->Add("custom_event_name", "required when type is \"custom\"");
    return;
  }
  std::string problem = CustomNameProblem(name);
  if (!problem.empty()) {
    errors->Add("custom_event_name", Quote(name) + " " + problem);
  }
}

bool NearNow(int64_t ms, int64_t now_ms) {
  return ms >= now_ms - kUnitGuessRangeMs && ms <= now_ms + kUnitGuessRangeMs;
}

// Returns advice when `ts` is far from now but would be near it in another
// unit: the commonest cause of a timestamp outside the window.
std::string UnitMistake(int64_t ts, int64_t now_ms) {
  if (ts <= 0 || NearNow(ts, now_ms)) return "";
  const std::string value = std::to_string(ts);
  if (ts < 100'000'000'000 && NearNow(ts * 1000, now_ms)) {
    return value + " looks like seconds, not milliseconds: multiply by 1000";
  }
  if (NearNow(ts / 1000, now_ms)) {
    return value + " looks like microseconds, not milliseconds: divide by 1000";
  }
  if (NearNow(ts / 1'000'000, now_ms)) {
    return value +
           " looks like nanoseconds, not milliseconds: divide by 1000000";
  }
  return "";
}

// Requires ts >= 0, so that the subtractions cannot overflow.
std::string WindowProblem(int64_t ts, const ValidationContext& ctx) {
  if (ts > ctx.now_ms + kMaxFutureSkewMs) {
    return "more than 10 minutes in the future (the API rejects it; check "
           "the sender's clock)";
  }
  if (ctx.now_ms - ts > kMaxEventAgeMs) {
    return "older than 7 days (the API rejects it)";
  }
  // "<=" as in delivery, which expires a record once its deadline minus the
  // margin has passed: an event accepted here is still deliverable.
  const int64_t ms_left = ts + kMaxEventAgeMs - ctx.now_ms;
  if (ms_left <= ctx.expiry_margin_ms) {
    return "reaches the API's 7-day limit in " + std::to_string(ms_left) +
           " ms, within expiry_margin_ms (" +
           std::to_string(ctx.expiry_margin_ms) +
           " ms): it would expire before delivery";
  }
  return "";
}

void CheckTimestamp(const Event& event, const ValidationContext& ctx,
                    EventErrors* errors) {
  const int64_t ts = event.timestamp_ms;
  if (ts == 0) {
    errors->Add("timestamp_ms", "required: epoch milliseconds");
    return;
  }
  std::string problem = UnitMistake(ts, ctx.now_ms);
  if (problem.empty() && ts < 0) {
    problem = "negative; expected epoch milliseconds";
  }
  if (problem.empty()) problem = WindowProblem(ts, ctx);
  if (!problem.empty()) errors->Add("timestamp_ms", problem);
}

void CheckActionSource(const Event& event, EventErrors* errors) {
  const std::string& source = event.action_source;
  if (source.empty()) return;
  for (std::string_view allowed : kActionSources) {
    if (source == allowed) return;
  }
  errors->Add("action_source",
              Quote(source) +
                  " is not one of web, mobile_app, offline, physical_store, "
                  "phone_call, email, other");
}

bool ContainsJsWhitespace(std::string_view s) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto length = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c >= 0 && IsJsWhitespace(static_cast<char32_t>(c))) return true;
  }
  return false;
}

bool StartsWithIgnoringAsciiCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         EqualsIgnoringAsciiCase(s.substr(0, prefix.size()), prefix);
}

// Returns what keeps `authority` ([userinfo@]host[:port]) from naming a host.
std::string_view AuthorityProblem(std::string_view authority) {
  const size_t at = authority.rfind('@');
  std::string_view host_port =
      at == std::string_view::npos ? authority : authority.substr(at + 1);
  std::string_view port;
  if (!host_port.empty() && host_port.front() == '[') {
    const size_t close = host_port.find(']');
    if (close == std::string_view::npos || close == 1) {
      return "has a malformed [IPv6] host";
    }
    port = host_port.substr(close + 1);
    if (!port.empty() && port.front() != ':') return "has a malformed port";
  } else {
    const size_t colon = host_port.find(':');
    if (colon == 0 || host_port.empty()) return "has no host";
    if (colon != std::string_view::npos) port = host_port.substr(colon);
  }
  if (!port.empty() &&
      port.find_first_not_of("0123456789", 1) != std::string_view::npos) {
    return "has a malformed port";
  }
  return {};
}

std::string UrlProblem(std::string_view url) {
  if (ContainsJsWhitespace(url)) {
    return "contains white space; percent-encode it (e.g. %20)";
  }
  size_t scheme_length = 0;
  if (StartsWithIgnoringAsciiCase(url, "https://")) {
    scheme_length = 8;
  } else if (StartsWithIgnoringAsciiCase(url, "http://")) {
    scheme_length = 7;
  } else {
    return "must be an absolute http:// or https:// URL";
  }
  std::string_view rest = url.substr(scheme_length);
  std::string_view problem =
      AuthorityProblem(rest.substr(0, rest.find_first_of("/?#")));
  return problem.empty()
             ? ""
             : "must be an absolute http(s) URL but " + std::string(problem);
}

void CheckSourceUrl(const Event& event, EventErrors* errors) {
  if (event.source_url.empty()) {
    if (event.action_source == "web") {
      errors->Add("source_url", "required when action_source is \"web\"");
    }
    return;
  }
  std::string problem = TextProblem(event.source_url, kMaxUrlBytes);
  if (problem.empty()) problem = UrlProblem(event.source_url);
  if (!problem.empty()) errors->Add("source_url", problem);
}

std::string JoinErrors(const std::vector<std::string>& errors) {
  const size_t shown = std::min(errors.size(), kMaxErrorsInStatus);
  std::string out;
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += "; ";
    out += errors[i];
  }
  if (errors.size() > shown) {
    out +=
        "; ... and " + std::to_string(errors.size() - shown) + " more errors";
  }
  return out;
}

}  // namespace

bool PrepareEvent(Event* event, size_t index, const ValidationContext& ctx,
                  std::vector<std::string>* errors) {
  EventErrors event_errors(index, errors);
  // Hash first, so that raw personal data is gone whatever else is wrong.
  validation_internal::HashRawUserData(&event->user, &event_errors);
  CheckIdentity(*event, &event_errors);
  CheckType(*event, &event_errors);
  CheckCustomEventName(*event, &event_errors);
  CheckTimestamp(*event, ctx, &event_errors);
  CheckActionSource(*event, &event_errors);
  CheckSourceUrl(*event, &event_errors);
  validation_internal::CheckEventData(*event, &event_errors);
  validation_internal::CheckUserData(&event->user, &event_errors);
  return event_errors.count() == 0;
}

Status PrepareEvents(std::vector<Event>* events, const ValidationContext& ctx) {
  if (events->empty()) {
    return Status::InvalidArgument("events: at least one event is required");
  }
  if (events->size() > kMaxEventsPerRequest) {
    return Status::InvalidArgument(
        "events: " + std::to_string(events->size()) + " events; at most " +
        std::to_string(kMaxEventsPerRequest) + " per call");
  }
  std::vector<std::string> errors;
  for (size_t i = 0; i < events->size(); ++i) {
    PrepareEvent(&(*events)[i], i, ctx, &errors);
  }
  if (errors.empty()) return Status::Ok();
  return Status::InvalidArgument(JoinErrors(errors));
}

}  // namespace outbox
