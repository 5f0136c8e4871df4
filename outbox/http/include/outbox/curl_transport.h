// CurlTransport: the libcurl implementation of outbox::Transport.
//
// Lives in the outbox_http target so that the core library never links
// libcurl. Include it as "outbox/curl_transport.h".
#ifndef OUTBOX_CURL_TRANSPORT_H_
#define OUTBOX_CURL_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "outbox/status.h"
#include "outbox/transport.h"

namespace outbox {

struct CurlTransportOptions {
  // Where requests are posted; "?pid=<pixel id>" is appended. Must be
  // https://, or http:// to a loopback host (for tests and local proxies).
  // Default: "https://bzr.openai.com/v1/events"
  std::string endpoint = "https://bzr.openai.com/v1/events";

  // Upper bound on establishing the connection (TCP + TLS).
  // Default: 5000
  int64_t connect_timeout_ms = 5000;

  // Upper bound on the whole request, connection included. When it passes,
  // the callback gets status 0 and transport_error "timeout".
  // Default: 30000
  int64_t request_timeout_ms = 30000;

  // Requests in flight at once; further Sends wait in a FIFO queue.
  // Default: 16
  int max_concurrent_requests = 16;

  // Response body bytes kept per request; the rest is read and discarded.
  // Default: 65536
  size_t max_response_body_bytes = 65536;

  // Sent as the User-Agent header.
  // Default: "capi-outbox/0.1"
  std::string user_agent = "capi-outbox/0.1";
};

// Posts request bodies to the Conversions API with libcurl.
//
// One background thread owns a libcurl multi handle and drives every
// transfer; Send only queues the request and wakes that thread. Connections
// (HTTP/1.1 keep-alive, or HTTP/2 where the server offers it over TLS) are
// kept open between requests. Redirects are not followed and TLS peer and
// host verification are always on. The API key is sent only in the
// Authorization header; it never appears in transport_error.
//
// HttpResponse::duration_ms counts from when the request is handed to
// libcurl: time spent queued behind max_concurrent_requests is not included.
//
// Ownership: the caller owns the CurlTransport. Destroying it stops
// accepting requests, aborts the transfers in flight and completes them and
// every queued request with status 0 and transport_error
// "transport shut down", then joins the thread; so every Send gets its
// callback before the destructor returns.
//
// Thread-safety: Send may be called from any thread, concurrently. Callbacks
// run on the transport's thread, or inside Send when a request is refused
// at once (an API key with a line break, or a Send racing the destructor).
// They must not block for long, must not throw, and must not destroy the
// transport; they may call Send.
class CurlTransport : public Transport {
 public:
  // Starts a transport. Returns INVALID_ARGUMENT if the endpoint is not a
  // valid https:// URL (http:// is allowed only for 127.0.0.0/8, localhost
  // and [::1]) or a limit is not positive; INTERNAL if libcurl cannot be
  // initialised.
  static StatusOr<std::unique_ptr<CurlTransport>> Create(
      const CurlTransportOptions& options);

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;
  ~CurlTransport() override;

  // Queues `request` for delivery; `done` gets the outcome exactly once.
  void Send(HttpRequest request, Callback done) override;

 private:
  class Impl;
  explicit CurlTransport(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace outbox

#endif  // OUTBOX_CURL_TRANSPORT_H_
