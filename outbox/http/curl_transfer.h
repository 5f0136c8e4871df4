// Transfer: one request's life inside CurlTransport, from queue to callback.
//
// It owns the request (libcurl posts the body straight from
// request().body, so the Transfer must outlive the transfer), the header
// list, and the response being collected.
//
// Thread-safety: none; a Transfer is touched by one thread at a time (the
// sender until it is queued, then the transport's thread).
#ifndef OUTBOX_HTTP_CURL_TRANSFER_H_
#define OUTBOX_HTTP_CURL_TRANSFER_H_

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "outbox/curl_transport.h"
#include "outbox/transport.h"

namespace outbox {
namespace http_internal {

class Transfer {
 public:
  Transfer(HttpRequest request, Transport::Callback done);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // Binds `easy` (a fresh or reset handle) to this request and starts the
  // clock. Returns the first setting libcurl refused, or CURLE_OK; either
  // way easy() is `easy` afterwards.
  CURLcode Configure(CURL* easy, const CurlTransportOptions& options);

  // Returns the outcome of a transfer that libcurl finished with `code`.
  // Call once, before easy() is reset or reused.
  HttpResponse Finish(CURLcode code);

  // Returns a "no response" outcome with `error` as transport_error.
  HttpResponse Fail(std::string error) const;

  // Delivers `response` to the sender's callback. Call exactly once.
  void Complete(HttpResponse response);

  CURL* easy() const { return easy_; }
  const HttpRequest& request() const { return request_; }

 private:
  CURLcode ConfigureRequest(const CurlTransportOptions& options);
  CURLcode ConfigureConnection(const CurlTransportOptions& options);
  void AddHeaderLine(std::string_view line);
  void AddBody(std::string_view data);
  int64_t ElapsedMs() const;

  static size_t OnHeader(char* data, size_t size, size_t n, void* self);
  static size_t OnBody(char* data, size_t size, size_t n, void* self);

  HttpRequest request_;
  Transport::Callback done_;
  CURL* easy_ = nullptr;
  std::string url_;
  curl_slist* headers_ = nullptr;
  size_t body_cap_ = 0;
  HttpResponse response_;
  std::chrono::steady_clock::time_point started_;
  bool has_started_ = false;
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace http_internal
}  // namespace outbox

#endif  // OUTBOX_HTTP_CURL_TRANSFER_H_
