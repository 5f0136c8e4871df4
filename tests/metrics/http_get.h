// A blocking HTTP GET for the metrics tests (libcurl), on a fresh
// connection each time.
#ifndef OUTBOX_TESTS_METRICS_HTTP_GET_H_
#define OUTBOX_TESTS_METRICS_HTTP_GET_H_

#include <curl/curl.h>

#include <string>

namespace outbox::grpc_service::testing {

struct HttpResult {
  CURLcode code = CURLE_OK;
  long status = 0;  // 0 when no answer came.
  std::string content_type;
  std::string body;
};

inline size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// `method` "GET" unless told; `body` sent when not empty.
inline HttpResult HttpCall(const std::string& url,
                           const std::string& method = "GET",
                           const std::string& body = "") {
  HttpResult result;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  result.code = curl_easy_perform(curl);
  if (result.code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
    char* type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    if (type != nullptr) result.content_type = type;
  }
  curl_easy_cleanup(curl);
  return result;
}

}  // namespace outbox::grpc_service::testing

#endif  // OUTBOX_TESTS_METRICS_HTTP_GET_H_
