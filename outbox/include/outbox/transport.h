// Transport: delivers one request body to the Conversions API.
//
// The core library only depends on this interface; the libcurl
// implementation lives in the outbox_http target (outbox/curl_transport.h),
// and tests use a scripted fake. A Transport knows nothing about records,
// retries or batching: it posts bytes and reports what came back.
//
// Thread-safety: Send may be called from any thread, concurrently.
#ifndef OUTBOX_TRANSPORT_H_
#define OUTBOX_TRANSPORT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace outbox {

struct HttpRequest {
  std::string pixel_id;  // Sent as ?pid=...
  std::string api_key;   // Sent as "Authorization: Bearer ..."; never logged.
  std::string body;      // {"validate_only":...,"events":[...]}
};

struct HttpResponse {
  // The HTTP status, or 0 when no response arrived (then transport_error
  // says why: "timeout", "connection refused", "connection reset", ...).
  int status = 0;
  std::string transport_error;
  std::string body;
  // Response headers, names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t duration_ms = 0;

  // Returns the value of the first header named `name` (lower-case), or "".
  std::string Header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return "";
  }
};

class Transport {
 public:
  using Callback = std::function<void(HttpResponse)>;
  virtual ~Transport() = default;

  // Posts `request` and calls `done` exactly once with the outcome, on any
  // thread (possibly before Send returns). `done` must not block for long.
  virtual void Send(HttpRequest request, Callback done) = 0;
};

}  // namespace outbox

#endif  // OUTBOX_TRANSPORT_H_
