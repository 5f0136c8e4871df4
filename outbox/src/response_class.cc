#include "outbox/src/response_class.h"

#include <cctype>
#include <cstdlib>

namespace outbox {
namespace {

// Header names, lower-case, that carry a request or trace id. The API's
// own name is undocumented, so anything that looks like one is kept.
bool IsRequestIdHeader(const std::string& name) {
  return name.find("request-id") != std::string::npos ||
         name.find("trace-id") != std::string::npos ||
         name == "traceparent" || name == "cf-ray" || name == "x-amzn-trace-id";
}

std::string Redacted(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at; (at = text.find(secret)) != std::string::npos;) {
    text.replace(at, secret.size(), "[redacted]");
  }
  return text;
}

}  // namespace

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kDelivered: return "delivered";
    case Verdict::kSplit: return "split";
    case Verdict::kDead: return "dead";
    case Verdict::kRetry: return "retry";
    case Verdict::kThrottled: return "throttled";
    case Verdict::kBadKey: return "bad_key";
  }
  return "unknown";
}

Verdict ClassifyResponse(const HttpResponse& response, size_t batch_size,
                         const std::set<int>& retryable_statuses) {
  int status = response.status;
  if (status == 0) return Verdict::kRetry;  // No answer: network trouble.
  if (status >= 200 && status < 300) return Verdict::kDelivered;
  if (status == 429) return Verdict::kThrottled;
  if (status == 401 || status == 403) return Verdict::kBadKey;
  if (status >= 500 || status == 408 || retryable_statuses.count(status)) {
    return Verdict::kRetry;
  }
  if (status == 400 || status == 413 || status == 422) {
    return batch_size > 1 ? Verdict::kSplit : Verdict::kDead;
  }
  if (status >= 400) return Verdict::kDead;
  return Verdict::kRetry;  // 1xx/3xx: redirects are not followed; odd.
}

Attempt MakeAttempt(const HttpResponse& response, int64_t started_ms,
                    size_t batch_size, const std::string& api_key,
                    size_t max_excerpt_bytes) {
  Attempt a;
  a.started_ms = started_ms;
  a.duration_ms = response.duration_ms;
  a.http_status = response.status;
  a.transport_error = Redacted(response.transport_error, api_key);
  a.body_excerpt = Redacted(response.body, api_key);
  if (a.body_excerpt.size() > max_excerpt_bytes) {
    a.body_excerpt.resize(max_excerpt_bytes);
    a.body_excerpt += "...";
  }
  for (const auto& [name, value] : response.headers) {
    if (IsRequestIdHeader(name)) {
      // A server or proxy that echoes headers must not get the key on disk.
      a.request_id = Redacted(value, api_key).substr(0, 200);
      break;
    }
  }
  a.batch_size = static_cast<uint32_t>(batch_size);
  return a;
}

std::string DeadReason(const Attempt& attempt) {
  std::string reason = attempt.http_status > 0
                           ? "HTTP " + std::to_string(attempt.http_status)
                           : attempt.transport_error;
  if (!attempt.body_excerpt.empty()) reason += ": " + attempt.body_excerpt;
  return reason;
}

int64_t AcceptedEvents(const std::string& body) {
  static const std::string kField = "\"accepted_events\"";
  size_t at = body.find(kField);
  if (at == std::string::npos) return -1;
  at = body.find(':', at + kField.size());
  if (at == std::string::npos) return -1;
  const char* start = body.c_str() + at + 1;
  char* end = nullptr;
  long long n = std::strtoll(start, &end, 10);
  return end == start ? -1 : n;
}

}  // namespace outbox
