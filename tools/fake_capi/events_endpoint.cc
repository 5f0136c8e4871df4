// Service's half that plays the Conversions API: POST /v1/events.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outbox/dedup_key.h"
#include "outbox/src/event_json.h"
#include "outbox/src/validation.h"
#include "tools/fake_capi/body_scan.h"
#include "tools/fake_capi/replies.h"
#include "tools/fake_capi/service.h"

namespace outbox {
namespace fake_capi {
namespace {

constexpr std::string_view kTooOldCode = "event_timestamp_too_old";
constexpr std::string_view kRejectedCode = "event_rejected";

// Why a request is refused.
struct Refusal {
  int status;
  std::string body;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes %XX and '+'; a malformed escape is kept as it is.
std::string QueryDecoded(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    const int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
    const int lo = hi >= 0 ? HexValue(in[i + 2]) : -1;
    if (in[i] == '%' && lo >= 0) {
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else {
      out.push_back(in[i] == '+' ? ' ' : in[i]);
    }
  }
  return out;
}

// Returns the decoded value of query parameter `name`, or "" if absent.
std::string QueryParam(std::string_view target, std::string_view name) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return "";
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return QueryDecoded(pair.substr(name.size() + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

std::string Joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const std::string& e : errors) {
    if (!out.empty()) out += "; ";
    out += e;
  }
  return out;
}

// As the API: too old means 7 days or more before its now.
bool IsTooOld(const Event& event, int64_t now_ms) {
  return event.timestamp_ms > 0 &&
         now_ms - event.timestamp_ms >= kMaxEventAgeMs;
}

std::optional<Refusal> PoisonRefusal(std::string_view id, size_t index,
                                     const FaultConfig& faults) {
  const std::string& poison = faults.reject_ids_containing;
  if (poison.empty() || id.find(poison) == std::string_view::npos) {
    return std::nullopt;
  }
  return Refusal{422, ErrorBody("events[" + std::to_string(index) +
                                    "].id: rejected (the id contains the "
                                    "reject_ids_containing text)",
                                kInvalidRequest, kRejectedCode)};
}

// Applies every rule of the outbox to one event, as the API would.
std::optional<Refusal> ValidateEvent(Event* event, size_t index,
                                     const ValidationContext& ctx) {
  std::vector<std::string> errors;
  if (PrepareEvent(event, index, ctx, &errors)) return std::nullopt;
  if (IsTooOld(*event, ctx.now_ms)) {
    return Refusal{422,
                   ErrorBody(Joined(errors), kInvalidRequest, kTooOldCode)};
  }
  return Refusal{400, ErrorBody(Joined(errors))};
}

// Checks the events in order; the first bad one refuses the whole request.
// Fills `keys` with the dedup key of every event.
std::optional<Refusal> CheckEvents(std::vector<Event>* events,
                                   ValidateMode mode,
                                   const ValidationContext& ctx,
                                   const FaultConfig& faults,
                                   std::vector<DedupKey>* keys) {
  keys->reserve(events->size());
  for (size_t i = 0; i < events->size(); ++i) {
    Event& event = (*events)[i];
    if (mode == ValidateMode::kFull) {
      if (auto refusal = ValidateEvent(&event, i, ctx)) return refusal;
    }
    if (auto refusal = PoisonRefusal(event.id, i, faults)) return refusal;
    StatusOr<DedupKey> key = DedupKey::ForEvent(event);
    if (!key.ok()) {
      const std::string where = "events[" + std::to_string(i) + "].";
      return Refusal{400, ErrorBody(where + key.status().message())};
    }
    keys->push_back(std::move(key).value());
  }
  return std::nullopt;
}

std::optional<HttpReply> FaultReply(FaultKind fault,
                                    const FaultConfig& faults) {
  HttpReply reply;
  switch (fault) {
    case FaultKind::kStatus429:
      reply = JsonReply(429, ErrorBody("Rate limit exceeded (fake-capi fault)",
                                       "rate_limit_error"));
      reply.retry_after_s = faults.retry_after_s;
      return reply;
    case FaultKind::kStatus500:
      return JsonReply(500, ErrorBody("Internal server error (fake-capi fault)",
                                      "server_error"));
    case FaultKind::kStatus503:
      return JsonReply(503, ErrorBody("Service unavailable (fake-capi fault)",
                                      "server_error"));
    case FaultKind::kReset:
      reply.action = HttpReply::Action::kReset;
      return reply;
    case FaultKind::kBlackHole:
      reply.action = HttpReply::Action::kBlackHole;
      return reply;
    default:  // The rest change how a processed request is answered.
      return std::nullopt;
  }
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

// Checks in the order a gateway would: method, key, pixel; then whether a
// fault hits; only then is the body looked at.
HttpReply Service::HandleEvents(const HttpRequest& request) {
  ledger_.CountRequest();
  if (request.method != "POST") {
    return Reject(405, ErrorBody("Method not allowed; send POST"));
  }
  if (!IsKnownKey(request.authorization)) {
    return Reject(401, ErrorBody("Invalid API key"));
  }
  const std::string pixel = QueryParam(request.target, "pid");
  if (pixel.empty()) {
    return Reject(400, ErrorBody("Missing required query parameter: pid"));
  }
  if (!pixels_.empty() && pixels_.count(pixel) == 0) {
    return Reject(404, ErrorBody("unknown pixel"));
  }
  const FaultConfig faults = this->faults();
  const FaultKind fault = picker_.Pick(faults);
  if (fault != FaultKind::kNone) ledger_.CountFault(fault);
  if (auto reply = FaultReply(fault, faults)) return std::move(*reply);
  HttpReply reply = HandleEventsBody(pixel, request.body, faults);
  if (fault == FaultKind::kDropAfterAccept) {
    reply.action = HttpReply::Action::kClose;
  }
  if (fault == FaultKind::kSlow) reply.delay_ms = faults.slow_ms;
  return reply;
}

HttpReply Service::HandleEventsBody(const std::string& pixel,
                                    std::string_view body,
                                    const FaultConfig& faults) {
  if (options_.validate == ValidateMode::kNone) {
    // A body the scan cannot read for sure gets the full parse instead.
    if (auto scanned = ScanRequestBody(body)) {
      return HandleScanned(pixel, *scanned, faults);
    }
  }
  StatusOr<ParsedRequest> parsed = ParseRequestBody(body, pixel);
  if (!parsed.ok()) {
    const bool too_many =
        parsed.status().code() == StatusCode::kResourceExhausted;
    return Reject(too_many ? 413 : 400, ErrorBody(parsed.status().message()));
  }
  if (!parsed->has_events) {
    return Reject(400, ErrorBody("Missing required field: events"));
  }
  if (parsed->events.empty()) {
    return Reject(400, ErrorBody("events: at least one event is required"));
  }
  ValidationContext ctx;
  ctx.now_ms = options_.clock->NowMs() + faults.clock_offset_ms;
  ctx.expiry_margin_ms = 0;
  std::vector<DedupKey> dedup_keys;
  if (auto refusal = CheckEvents(&parsed->events, options_.validate, ctx,
                                 faults, &dedup_keys)) {
    return Reject(refusal->status, std::move(refusal->body));
  }
  std::vector<KeyRef> keys;
  keys.reserve(dedup_keys.size());
  for (const DedupKey& key : dedup_keys) {
    keys.push_back({key.event_name(), key.id()});
  }
  return Accept(pixel, parsed->validate_only, keys, ctx.now_ms);
}

HttpReply Service::HandleScanned(const std::string& pixel,
                                 const ScannedRequest& scanned,
                                 const FaultConfig& faults) {
  if (!scanned.has_events) {
    return Reject(400, ErrorBody("Missing required field: events"));
  }
  if (scanned.events.size() > kMaxEventsPerRequest) {
    return Reject(
        413, ErrorBody("events: " + std::to_string(scanned.events.size()) +
                       " events; at most " +
                       std::to_string(kMaxEventsPerRequest) + " per request"));
  }
  if (scanned.events.empty()) {
    return Reject(400, ErrorBody("events: at least one event is required"));
  }
  std::vector<KeyRef> keys;
  keys.reserve(scanned.events.size());
  for (size_t i = 0; i < scanned.events.size(); ++i) {
    const ScannedEvent& event = scanned.events[i];
    if (auto refusal = PoisonRefusal(event.id, i, faults)) {
      return Reject(refusal->status, std::move(refusal->body));
    }
    keys.push_back({event.name(), event.id});
  }
  const int64_t now_ms = options_.clock->NowMs() + faults.clock_offset_ms;
  return Accept(pixel, scanned.validate_only, keys, now_ms);
}

HttpReply Service::Accept(const std::string& pixel, bool validate_only,
                          const std::vector<KeyRef>& keys, int64_t now_ms) {
  if (validate_only) {
    ledger_.CountValidateOnly();
  } else {
    ledger_.RecordAccepted(pixel, keys);
    if (request_log_ != nullptr) request_log_->Append(now_ms, pixel, keys);
  }
  return JsonReply(200, AcceptedBody(keys.size()));
}

HttpReply Service::Reject(int status, std::string body) {
  ledger_.CountRejected(status);
  return JsonReply(status, std::move(body));
}

// "Bearer KEY"; the scheme name is case-insensitive (RFC 9110).
bool Service::IsKnownKey(std::string_view authorization) const {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !EqualsIgnoringAsciiCase(authorization.substr(0, kScheme.size()),
                               kScheme)) {
    return false;
  }
  std::string_view key = authorization.substr(kScheme.size());
  while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  return api_keys_.count(std::string(key)) > 0;
}

}  // namespace fake_capi
}  // namespace outbox
