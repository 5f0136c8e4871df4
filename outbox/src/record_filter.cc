#include "outbox/record_filter.h"

#include <cctype>

namespace outbox {
namespace {

constexpr ErrorClass kAllClasses[] = {
    ErrorClass::kNetwork, ErrorClass::kAuth, ErrorClass::kRateLimited,
    ErrorClass::kClientError, ErrorClass::kServerError};

}  // namespace

const char* ErrorClassName(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kNetwork:
      return "network";
    case ErrorClass::kAuth:
      return "auth";
    case ErrorClass::kRateLimited:
      return "rate_limited";
    case ErrorClass::kClientError:
      return "client_error";
    case ErrorClass::kServerError:
      return "server_error";
  }
  return "unknown";
}

bool ParseErrorClass(std::string_view name, ErrorClass* error_class) {
  std::string lower(name);
  for (char& c : lower) {
    c = c == '-' ? '_' : std::tolower(static_cast<unsigned char>(c));
  }
  for (ErrorClass candidate : kAllClasses) {
    if (lower == ErrorClassName(candidate)) {
      *error_class = candidate;
      return true;
    }
  }
  return false;
}

std::optional<ErrorClass> ErrorClassOf(const Attempt& attempt) {
  // The same status ranges ClassifyResponse acts on (response_class.cc),
  // named for an operator rather than for the drainer's next step.
  int status = attempt.http_status;
  if (status == 0) return ErrorClass::kNetwork;
  if (status == 401 || status == 403) return ErrorClass::kAuth;
  if (status == 429) return ErrorClass::kRateLimited;
  if (status >= 500) return ErrorClass::kServerError;
  if (status >= 400) return ErrorClass::kClientError;
  return std::nullopt;
}

bool RecordFilter::MatchesAll() const {
  return event_name.empty() && !error_class && !http_status &&
         enqueued_before_ms == 0 && enqueued_after_ms == 0 &&
         timestamp_before_ms == 0 && timestamp_after_ms == 0;
}

bool RecordFilter::Matches(const Record& r) const {
  if (!event_name.empty() && r.key.event_name() != event_name) return false;
  if (error_class || http_status) {
    if (r.attempts.empty()) return false;
    const Attempt& last = r.attempts.back();
    if (http_status && last.http_status != *http_status) return false;
    if (error_class && ErrorClassOf(last) != error_class) return false;
  }
  if (enqueued_before_ms != 0 && r.enqueued_ms >= enqueued_before_ms) {
    return false;
  }
  if (enqueued_after_ms != 0 && r.enqueued_ms < enqueued_after_ms) {
    return false;
  }
  if (timestamp_before_ms != 0 && r.timestamp_ms >= timestamp_before_ms) {
    return false;
  }
  return timestamp_after_ms == 0 || r.timestamp_ms >= timestamp_after_ms;
}

}  // namespace outbox
