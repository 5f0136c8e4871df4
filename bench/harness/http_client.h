// A minimal blocking HTTP client on one libcurl easy handle: the SQL peers'
// "post the batch" step, the libcurl ceiling, and fake-capi's /stats.
//
// The handle is reused, so the connection stays alive between requests, as
// a production poller would keep it. Thread-safety: one HttpClient per
// thread.
#ifndef BENCH_HARNESS_HTTP_CLIENT_H_
#define BENCH_HARNESS_HTTP_CLIENT_H_

#include <string>

namespace bench {

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` (JSON) to `url` with "Authorization: Bearer <api_key>" when
  // api_key is non-empty. Returns the HTTP status, or 0 when no answer came
  // (then `*error`, if given, says why). The response body goes to
  // `*response` when non-null.
  int Post(const std::string& url, const std::string& api_key,
           const std::string& body, std::string* response = nullptr,
           std::string* error = nullptr);

  // GETs `url`; as Post.
  int Get(const std::string& url, std::string* response,
          std::string* error = nullptr);

 private:
  int Perform(std::string* response, std::string* error);

  void* curl_;  // CURL*; kept opaque so users need no curl headers.
};

// The body a batch of stored event JSON objects is posted in, spliced the
// same way the outbox does it.
std::string RequestBody(const std::string* const* events, size_t count);

}  // namespace bench

#endif  // BENCH_HARNESS_HTTP_CLIENT_H_
